import { DependencyList, useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from './api/client';
import { saveCredentials } from './session';

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | null;
  loading: boolean;
  /** When the last successful load finished. */
  updatedAt: Date | null;
  reload: () => void;
}

/**
 * Loads `load` when `deps` change and, with `pollMs`, again every `pollMs` while the tab is
 * visible (a hidden tab costs the service nothing; coming back reloads at once).
 *
 * Polling rather than server-sent events: the REST surface is plain request/response, an
 * EventSource cannot send the Authorization header (the secret would have to travel in a URL or
 * a cookie), and one indexed list query every 2.5 s per open tab is cheap next to the agents'
 * long polls. The next poll is timed from the end of the previous one, so a slow answer never
 * piles up requests.
 */
export function useResource<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList, pollMs?: number): Resource<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null);
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const previousDeps = useRef<DependencyList>(deps);

  useEffect(() => {
    // Different query, different data: do not show the old rows under new filters.
    if (!sameDeps(previousDeps.current, deps)) {
      setData(undefined);
      previousDeps.current = deps;
    }
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let inFlight = false;

    const run = async (): Promise<void> => {
      if (inFlight) return;
      inFlight = true;
      clearTimeout(timer);
      setLoading(true);
      try {
        const value = await loadRef.current(controller.signal);
        if (controller.signal.aborted) return;
        setData(value);
        setError(null);
        setUpdatedAt(new Date());
      } catch (caught) {
        if (controller.signal.aborted) return;
        const apiError = caught instanceof ApiError ? caught : new ApiError(0, 'ClientError', (caught as Error).message, null);
        // The key was deleted or its secret changed: back to the sign-in page.
        if (apiError.status === 401) saveCredentials(null);
        setError(apiError);
      } finally {
        inFlight = false;
        if (!controller.signal.aborted) {
          setLoading(false);
          if (pollMs && document.visibilityState === 'visible') timer = setTimeout(() => void run(), pollMs);
        }
      }
    };

    const onVisibility = (): void => {
      if (document.visibilityState === 'visible') void run();
      else clearTimeout(timer);
    };
    void run();
    if (pollMs) document.addEventListener('visibilitychange', onVisibility);
    return () => {
      controller.abort();
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
    // The caller names the dependencies, as with useEffect.
  }, [...deps, pollMs, generation]);

  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { data, error, loading, updatedAt, reload };
}

function sameDeps(a: DependencyList, b: DependencyList): boolean {
  return a.length === b.length && a.every((value, i) => Object.is(value, b[i]));
}
