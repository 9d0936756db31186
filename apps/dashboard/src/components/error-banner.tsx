import { ApiError } from '../api/client';

/** The service's code and message, with the RequestId an operator can grep the logs for. */
export function ErrorBanner({ error }: { error: ApiError | Error | null | undefined }) {
  if (!error) return null;
  const apiError = error instanceof ApiError ? error : null;
  return (
    <div className="banner banner-error" role="alert">
      {apiError && <strong className="mono">{apiError.code}</strong>} {error.message}
      {apiError?.requestId && <span className="dim mono"> · RequestId {apiError.requestId}</span>}
    </div>
  );
}
