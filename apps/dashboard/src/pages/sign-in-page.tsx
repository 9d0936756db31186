import { FormEvent, useState } from 'react';
import { ApiError, request } from '../api/client';
import type { WhoAmI } from '../api/types';
import { ErrorBanner } from '../components/error-banner';
import { saveCredentials } from '../session';

/** Checks the key with GET /v1/whoami before keeping it: a typo shows here, not on every page. */
export function SignInPage() {
  const [accessKeyId, setAccessKeyId] = useState('');
  const [accessKeySecret, setAccessKeySecret] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const credentials = { accessKeyId: accessKeyId.trim(), accessKeySecret };
    try {
      const who = await request<WhoAmI>(credentials, 'GET', '/whoami');
      saveCredentials({ ...credentials, accessKeyId: who.accessKeyId, role: who.role });
    } catch (caught) {
      setError(caught instanceof ApiError ? caught : new ApiError(0, 'ClientError', (caught as Error).message, null));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <form className="card sign-in-card" onSubmit={(event) => void submit(event)} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Cloud Assistant</h1>
        <p className="dim">Sign in with an access key. A readonly key can look at everything and change nothing.</p>
        <ErrorBanner error={error} />
        <label>
          AccessKey ID
          <input name="accessKeyId" autoComplete="username" required value={accessKeyId} onChange={(e) => setAccessKeyId(e.target.value)} autoFocus />
        </label>
        <label>
          AccessKey secret
          <input
            name="accessKeySecret"
            type="password"
            autoComplete="current-password"
            required
            value={accessKeySecret}
            onChange={(e) => setAccessKeySecret(e.target.value)}
          />
        </label>
        <button type="submit" className="button-primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="dim small">
          The key is kept in this tab's session storage until you sign out or close the tab. <code>npm start</code> writes the first admin key to{' '}
          <code>.data/credentials.json</code>.
        </p>
      </form>
    </main>
  );
}
