import { createContext, ReactNode, useCallback, useContext, useMemo, useSyncExternalStore } from 'react';
import { Credentials, Query, request } from './api/client';

/**
 * The signed-in access key lives in sessionStorage: it survives a reload but not the closing of
 * the tab, and never goes to another tab or to disk beyond the browser's session store.
 */
const STORAGE_KEY = 'cloud-assistant.dashboard.credentials';
const CHANGED = 'dashboard:session-changed';

function read(): string | null {
  return window.sessionStorage.getItem(STORAGE_KEY);
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener(CHANGED, onChange);
  return () => window.removeEventListener(CHANGED, onChange);
}

export function saveCredentials(credentials: Credentials | null): void {
  if (credentials) window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(credentials));
  else window.sessionStorage.removeItem(STORAGE_KEY);
  window.dispatchEvent(new Event(CHANGED));
}

export function useStoredCredentials(): Credentials | null {
  const raw = useSyncExternalStore(subscribe, read);
  return useMemo(() => {
    if (!raw) return null;
    try {
      return JSON.parse(raw) as Credentials;
    } catch {
      return null;
    }
  }, [raw]);
}

/** Region is a preference, not a secret: kept across tabs and sign-ins. */
const REGION_KEY = 'cloud-assistant.dashboard.region';
/** The region the project's quick start and tests use; any other is one click away. */
export const DEFAULT_REGION = 'cn-hangzhou';
/** Routes that are not about one region's resources : no ?regionId=. */
const GLOBAL_ROUTES = ['/whoami', '/regions', '/frequency-preview'];

function readRegion(): string {
  return window.localStorage.getItem(REGION_KEY) || DEFAULT_REGION;
}

export function saveRegion(regionId: string): void {
  window.localStorage.setItem(REGION_KEY, regionId);
  window.dispatchEvent(new Event(CHANGED));
}

export interface Session {
  credentials: Credentials;
  isAdmin: boolean;
  regionId: string;
  api: {
    get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T>;
    post<T>(path: string, body?: unknown): Promise<T>;
  };
  signOut: () => void;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ credentials, children }: { credentials: Credentials; children: ReactNode }) {
  const signOut = useCallback(() => saveCredentials(null), []);
  const regionId = useSyncExternalStore(subscribe, readRegion);
  const session = useMemo<Session>(() => {
    const scoped = (path: string, query: Query = {}): Query => (GLOBAL_ROUTES.some((route) => path.startsWith(route)) ? query : { ...query, regionId });
    return {
      credentials,
      isAdmin: credentials.role === 'admin',
      regionId,
      api: {
        get: (path, query, signal) => request(credentials, 'GET', path, { query: scoped(path, query), signal }),
        post: (path, body) => request(credentials, 'POST', path, { query: scoped(path), body: body ?? {} }),
      },
      signOut,
    };
  }, [credentials, regionId, signOut]);
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
