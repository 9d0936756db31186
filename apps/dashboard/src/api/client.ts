import type { Role } from './types';

/** An answer other than 2xx: the contract's `{ requestId, code, message }` body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null,
  ) {
    super(message);
  }
}

export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
  role: Role;
}

export type Query = Record<string, string | number | boolean | undefined | null | string[]>;

/** `?a=1&b=2`, leaving out empty values; arrays as comma-separated lists. */
export function queryString(query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) {
      if (value.length) params.set(key, value.join(','));
    } else params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function basicAuth(accessKeyId: string, accessKeySecret: string): string {
  // btoa takes Latin-1 only; a secret may hold any UTF-8.
  const bytes = new TextEncoder().encode(`${accessKeyId}:${accessKeySecret}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

/** Calls the REST surface under /v1 with HTTP Basic credentials (the same access keys as the RPC API). */
export async function request<T>(
  credentials: Pick<Credentials, 'accessKeyId' | 'accessKeySecret'>,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  options: { query?: Query; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const headers: Record<string, string> = {
    authorization: basicAuth(credentials.accessKeyId, credentials.accessKeySecret),
    accept: 'application/json',
  };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`/v1${path}${queryString(options.query)}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
      cache: 'no-store',
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'NetworkError', 'The service did not answer; is it running?', null);
  }
  const text = await response.text();
  const body: unknown = text ? safeJson(text) : undefined;
  if (!response.ok) {
    const fields = (body ?? {}) as { code?: string; message?: string; requestId?: string };
    throw new ApiError(
      response.status,
      fields.code ?? `HTTP${response.status}`,
      fields.message ?? (response.statusText || 'Request failed'),
      fields.requestId ?? response.headers.get('x-request-id'),
    );
  }
  return body as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text.slice(0, 300) };
  }
}
