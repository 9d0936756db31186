import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Caller } from '../actions/rpc-action.decorator';

/** An RPC caller less the signature version: the REST edge has no signature. */
export type RestCallerInfo = Pick<Caller, 'accessKeyId' | 'role' | 'instanceId'>;

/**
 * Who is calling, once RestAuthGuard authenticated the request: kept beside the request rather
 * than on it. (Its RequestId is logging's `requestIdOf`.)
 */
const callers = new WeakMap<object, RestCallerInfo>();

export function setCaller(request: FastifyRequest, caller: RestCallerInfo): void {
  callers.set(request.raw, caller);
}

/** The authenticated caller (RestAuthGuard has run). */
export const RestCaller = createParamDecorator((_data: unknown, context: ExecutionContext): RestCallerInfo => {
  const caller = callers.get(context.switchToHttp().getRequest<FastifyRequest>().raw);
  if (!caller) throw new Error('RestCaller used on a route without RestAuthGuard');
  return caller;
});
