import { INVOKE_ID_PATTERN } from '@ca/protocol';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/**
 * What a log line may say about the request it was written for. Filled in as the request goes
 * (the edge knows the RequestId first, the action and the caller later, a service the InvokeId),
 * read by the logger and the access log; nobody threads it through parameters.
 */
export interface RequestContext {
  /** performance.now() when the request arrived. */
  readonly startedAt: number;
  requestId?: string;
  action?: string;
  accessKeyId?: string;
  invokeId?: string;
  /** The Alibaba error code of the answer ('Success' for a 200). */
  code?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `work` (and everything it starts) inside a fresh request context. */
export function runInRequestContext<T>(context: RequestContext, work: () => T): T {
  return storage.run(context, work);
}

/** The context of the request being served, if any (a timer or a scheduler pass has none). */
export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

/** The current request's RequestId, assigned on first use; a fresh one outside a request. */
export function currentRequestId(): string {
  const context = storage.getStore();
  const requestId = context?.requestId ?? randomUUID().toUpperCase();
  if (context) context.requestId = requestId;
  return requestId;
}

const requestIds = new WeakMap<object, string>();

/**
 * A served request's id: the one this context assigned on arrival (so log lines, the
 * `x-request-id` header and an error body agree), remembered per request for code that runs
 * outside that context. `request` is Fastify's, whose `raw` is Node's message.
 */
export function requestIdOf(request: { raw: object }): string {
  let id = requestIds.get(request.raw);
  if (!id) {
    id = currentRequestId();
    requestIds.set(request.raw, id);
  }
  return id;
}

/**
 * Adds what is now known about the current request; a no-op outside a request. An InvokeId
 * that is not one (a client's typo) is left out: log lines carry only ids that exist.
 */
export function annotateRequest(fields: Partial<Omit<RequestContext, 'startedAt' | 'requestId'>>): void {
  const context = storage.getStore();
  if (!context) return;
  const { invokeId, ...rest } = fields;
  for (const [key, value] of Object.entries(rest)) {
    if (value !== undefined) (context as unknown as Record<string, unknown>)[key] = value;
  }
  if (invokeId !== undefined && INVOKE_ID_PATTERN.test(invokeId)) context.invokeId = invokeId;
}
