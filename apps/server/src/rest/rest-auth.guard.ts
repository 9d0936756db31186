import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error';
import { AuthFailureLimiter } from '../auth/auth-failure-limiter';
import { RateLimiter } from '../auth/rate-limiter';
import { BasicAuthenticator, parseBasicAuthorization } from './basic-credentials';
import { requestIdOf } from '../logging/request-context';
import { setCaller } from './request-context';

/** Methods a readonly key may use: reading changes nothing. */
const READ_METHODS = new Set(['GET', 'HEAD']);

/**
 * Every /v1 route: tags the response with its RequestId, then authenticates (HTTP Basic; failures
 * are throttled per address and key id before the key is looked up), rate-limits per key and authorizes, in the RPC edge's order. Readonly keys may only read;
 * agent credentials belong to the agent protocol, not here (both Forbidden.RAM, as over RPC).
 */
@Injectable()
export class RestAuthGuard implements CanActivate {
  constructor(
    private readonly authenticator: BasicAuthenticator,
    private readonly rateLimiter: RateLimiter,
    private readonly authFailures: AuthFailureLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    void context.switchToHttp().getResponse<FastifyReply>().header('x-request-id', requestIdOf(request));
    const header = request.headers.authorization;
    const caller = await this.authFailures.guard(request.ip, parseBasicAuthorization(header)?.accessKeyId, () => this.authenticator.authenticate(header));
    this.rateLimiter.take(caller.accessKeyId);
    if (caller.role === 'agent') {
      throw new ApiError('Forbidden.RAM', 'User not authorized to operate on the specified resource: agent credentials cannot use the REST API.');
    }
    if (caller.role !== 'admin' && !READ_METHODS.has(request.method)) {
      throw new ApiError(
        'Forbidden.RAM',
        `User not authorized to operate on the specified resource: a readonly key cannot ${request.method} ${request.routeOptions.url ?? ''}.`,
      );
    }
    setCaller(request, caller);
    return true;
  }
}
