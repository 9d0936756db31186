import { AgentCredentials } from '@ca/protocol';
import { RpcClient } from '@ca/signing';

/** The service answered with an error: retrying the same request will not help. */
export class RefusedError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/**
 * The agent's signed calls. A network failure or a 5xx throws a plain Error (worth retrying);
 * a 4xx throws RefusedError.
 */
export class ServiceClient {
  private readonly rpc: RpcClient;

  constructor(credentials: AgentCredentials) {
    this.rpc = new RpcClient({
      endpoint: credentials.server,
      accessKeyId: credentials.accessKeyId,
      accessKeySecret: credentials.accessKeySecret,
    });
  }

  async call<T = Record<string, unknown>>(action: string, params: Record<string, string>, signal?: AbortSignal): Promise<T> {
    const { status, body } = await this.rpc.call(action, params, signal);
    if (status >= 500) throw new Error(`${action}: ${status} ${String(body.Code)}`);
    if (status >= 400) throw new RefusedError(status, String(body.Code), String(body.Message));
    return body as T;
  }
}

/** Retries `attempt` with capped exponential backoff until it succeeds, is refused, or `signal` aborts. */
export async function withRetry<T>(attempt: () => Promise<T>, signal: AbortSignal, maxDelayMs = 5000): Promise<T> {
  let delay = 100;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (error instanceof RefusedError || signal.aborted) throw error;
      await sleep(delay, signal);
      delay = Math.min(delay * 2, maxDelayMs);
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
