import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Caller } from '../rpc/rpc-action.decorator';
import { currentRequestId } from '../logging/request-context';

/**
 * What the REST edge learns about a request on its way in, kept beside the request rather than
 * on it: its RequestId (the `x-request-id` header and the `requestId` of an error body) and,
 * once authenticated, who is calling.
 */
/** An RPC caller less the signature version: the REST edge has no signature. */
export type RestCallerInfo = Pick<Caller, 'accessKeyId' | 'role' | 'instanceId'>;

const requestIds = new WeakMap<object, string>();
const callers = new WeakMap<object, RestCallerInfo>();

/**
 * The request's id: the one the logging context assigned on arrival (so log lines, the
 * `x-request-id` header and an error body agree), remembered per request for code that runs
 * outside that context.
 */
export function requestIdOf(request: FastifyRequest): string {
  let id = requestIds.get(request.raw);
  if (!id) {
    id = currentRequestId();
    requestIds.set(request.raw, id);
  }
  return id;
}

export function setCaller(request: FastifyRequest, caller: RestCallerInfo): void {
  callers.set(request.raw, caller);
}

/** The authenticated caller (RestAuthGuard has run). */
export const RestCaller = createParamDecorator((_data: unknown, context: ExecutionContext): RestCallerInfo => {
  const caller = callers.get(context.switchToHttp().getRequest<FastifyRequest>().raw);
  if (!caller) throw new Error('RestCaller used on a route without RestAuthGuard');
  return caller;
});
