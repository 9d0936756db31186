import { AgentCredentials } from '@ca/protocol';
import { RpcClient } from '@ca/signing';
import http from 'node:http';
import https from 'node:https';

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
 * The service is saturated or throttling this machine's address (429): not a refusal of the
 * request itself, so it is sent again after `retryAfterMs` (the service's Retry-After). Losing an
 * outcome report to a throttle would lose a run's result.
 */
export class ThrottledError extends Error {
  constructor(
    readonly code: string,
    readonly retryAfterMs: number,
  ) {
    super(`${code}: retry after ${Math.round(retryAfterMs / 1000)} s`);
  }
}

/** Longest wait a Retry-After may ask for; a larger one is capped so the agent keeps trying. */
const MAX_RETRY_AFTER_MS = 60_000;

/** Milliseconds from a Retry-After header (delta-seconds), capped; `fallbackMs` when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, fallbackMs = 1000): number {
  const seconds = Number(Array.isArray(header) ? header[0] : header);
  if (!Number.isFinite(seconds) || seconds < 0) return fallbackMs;
  return Math.min(seconds * 1000, MAX_RETRY_AFTER_MS);
}

/** A connection silent this long is dead (the longest poll answers within 30 s). */
const SOCKET_TIMEOUT_MS = 90_000;

/**
 * The agent's signed calls, over node:http with keep-alive (the long poll on one connection,
 * reports on another). Not fetch: an agent is idle most of the time, so its code runs cold, and
 * fetch's JavaScript layers made up some 15% of the agent's time per run.
 * A network failure or a 5xx throws a plain Error (worth retrying); a 4xx throws RefusedError.
 */
export class ServiceClient {
  private readonly rpc: RpcClient;
  private readonly url: URL;
  private readonly transport: typeof http | typeof https;
  private readonly agent: http.Agent;

  constructor(credentials: AgentCredentials) {
    this.rpc = new RpcClient({
      endpoint: credentials.server,
      accessKeyId: credentials.accessKeyId,
      accessKeySecret: credentials.accessKeySecret,
    });
    this.url = new URL(credentials.server.replace(/\/$/, '') + '/');
    this.transport = this.url.protocol === 'https:' ? https : http;
    // With a pinned CA, only certificates it issued are accepted (the system store is not used).
    this.agent =
      this.url.protocol === 'https:' && credentials.ca
        ? new https.Agent({ keepAlive: true, ca: credentials.ca })
        : new this.transport.Agent({ keepAlive: true });
  }

  async call<T = Record<string, unknown>>(action: string, params: Record<string, string>, signal?: AbortSignal): Promise<T> {
    const { status, text, retryAfter } = await this.post(this.rpc.signedForm(action, params), signal);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = { Code: 'InvalidResponse', Message: text.slice(0, 500) };
    }
    if (status >= 500) throw new Error(`${action}: ${status} ${String(body.Code)}`);
    if (status === 429) throw new ThrottledError(String(body.Code), retryAfterMs(retryAfter));
    if (status >= 400) throw new RefusedError(status, String(body.Code), String(body.Message));
    return body as T;
  }

  private post(form: string, signal?: AbortSignal): Promise<{ status: number; text: string; retryAfter?: string | string[] }> {
    return new Promise((resolve, reject) => {
      const body = Buffer.from(form);
      const request = this.transport.request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          signal,
          timeout: SOCKET_TIMEOUT_MS,
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), retryAfter: response.headers['retry-after'] }),
          );
          response.on('error', reject);
        },
      );
      request.on('timeout', () => request.destroy(new Error('no answer from the service')));
      request.on('error', reject);
      request.end(body);
    });
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
      await sleep(error instanceof ThrottledError ? Math.max(error.retryAfterMs, delay) : delay, signal);
      delay = Math.min(delay * 2, maxDelayMs);
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
