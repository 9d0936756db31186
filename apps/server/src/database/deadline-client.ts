import { Client, ClientConfig } from 'pg';

/** pg's message when a query outlives `query_timeout`. */
export const QUERY_TIMEOUT_MESSAGE = 'Query read timeout';

/**
 * A pg Client for the service's pool that closes its connection when a query outlives
 * `query_timeout`. pg answers the caller with an error but keeps the connection waiting for the
 * reply, and TypeORM hands it back to the pool as healthy: on a database that stopped answering
 * (a black-holed network) every later query on it would wait in line behind one that never
 * ends. Closed, it leaves the pool, and the pool connects afresh once the database answers again.
 */
export class DeadlineClient extends Client {
  constructor(config?: string | ClientConfig) {
    super(config);
    const query = this.query.bind(this) as (...args: unknown[]) => unknown;
    const drop = (error: unknown): void => {
      if ((error as Error | undefined)?.message === QUERY_TIMEOUT_MESSAGE) this.connectionStream()?.destroy();
    };
    // Every form pg offers: a trailing callback, a config object's callback, or a promise.
    (this as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const last = args.length - 1;
      const callback = args[last];
      if (typeof callback === 'function') {
        args[last] = (error: unknown, result: unknown) => {
          drop(error);
          (callback as (e: unknown, r: unknown) => void)(error, result);
        };
        return query(...args);
      }
      const result = query(...args);
      if (result instanceof Promise) result.catch(drop);
      return result;
    };
  }

  private connectionStream(): { destroy(): void } | undefined {
    return (this as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
  }
}
