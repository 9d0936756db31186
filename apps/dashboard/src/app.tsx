import { ReactElement, useEffect } from 'react';
import { CommandsPage } from './pages/commands-page';
import { InstancesPage } from './pages/instances-page';
import { InvocationDetailPage } from './pages/invocation-detail-page';
import { InvocationsPage } from './pages/invocations-page';
import { InvokePage } from './pages/invoke-page';
import { SignInPage } from './pages/sign-in-page';
import { Link, matchPath, navigate, useLocation } from './router';
import type { Region } from './api/types';
import { saveRegion, SessionProvider, useSession, useStoredCredentials } from './session';
import { useResource } from './use-resource';

export function App() {
  const credentials = useStoredCredentials();
  if (!credentials) return <SignInPage />;
  return (
    <SessionProvider credentials={credentials}>
      <Shell />
    </SessionProvider>
  );
}

function Shell() {
  const { credentials, isAdmin, regionId, signOut } = useSession();
  const { path } = useLocation();
  const page = route(path);
  useEffect(() => {
    if (!page) navigate('/invocations', { replace: true });
  }, [page]);
  useEffect(() => {
    document.title = `${page?.title ?? 'Dashboard'} · Cloud Assistant`;
  }, [page?.title]);

  const nav = [
    { to: '/invocations', label: 'Invocations' },
    { to: '/commands', label: 'Commands' },
    { to: '/instances', label: 'Instances' },
    ...(isAdmin ? [{ to: '/invoke', label: 'Invoke' }] : []),
  ];
  return (
    <>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Cloud Assistant</span>
        <nav aria-label="Main">
          {nav.map((item) => (
            <Link key={item.to} to={item.to} aria-current={path === item.to || path.startsWith(`${item.to}/`) ? 'page' : undefined}>
              {item.label}
            </Link>
          ))}
        </nav>
        <span className="spacer" />
        <RegionPicker />
        <span className="who" aria-label="Signed in as">
          <span className="mono">{credentials.accessKeyId}</span>
          <span className={`badge badge-${isAdmin ? 'info' : 'muted'}`}>{credentials.role}</span>
        </span>
        <button type="button" className="button-small" onClick={signOut}>
          Sign out
        </button>
      </header>
      {/* A new region is new data everywhere: remount the page rather than patch it. */}
      <main id="main" key={regionId}>
        {page?.element}
      </main>
    </>
  );
}

function route(path: string): { title: string; element: ReactElement } | null {
  if (path === '/invocations') return { title: 'Invocations', element: <InvocationsPage /> };
  const detail = matchPath('/invocations/:invokeId', path);
  if (detail) return { title: detail.invokeId, element: <InvocationDetailPage key={detail.invokeId} invokeId={detail.invokeId} /> };
  if (path === '/commands') return { title: 'Commands', element: <CommandsPage /> };
  if (path === '/instances') return { title: 'Instances', element: <InstancesPage /> };
  if (path === '/invoke') return { title: 'Invoke', element: <InvokePage /> };
  return null;
}

function RegionPicker() {
  const { api, regionId } = useSession();
  const regions = useResource((signal) => api.get<{ items: Region[] }>('/regions', {}, signal), []);
  const items = regions.data?.items ?? [];
  return (
    <label className="region">
      <span>Region</span>
      <select aria-label="Region" value={regionId} onChange={(event) => saveRegion(event.target.value)}>
        {!items.some((region) => region.regionId === regionId) && <option value={regionId}>{regionId}</option>}
        {items.map((region) => (
          <option key={region.regionId} value={region.regionId}>
            {region.regionId} · {region.localNameEn}
          </option>
        ))}
      </select>
    </label>
  );
}
