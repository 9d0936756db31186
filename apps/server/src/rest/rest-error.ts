import { Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { ApiError } from '../common/api-error';
import { requestIdOf } from './request-context';

/** Every REST route lives under this prefix; its errors are REST bodies, not Alibaba's. */
export const REST_PREFIX = '/v1';

const logger = new Logger('RestApi');

export function isRestPath(url: string | undefined): boolean {
  return url !== undefined && (url === REST_PREFIX || /^\/v1[/?]/.test(url));
}

/** The REST error body: the status and code are the catalogue's, as over RPC. */
export interface RestErrorBody {
  requestId: string;
  code: string;
  message: string;
}

/** Answers a /v1 request's failure; EdgeErrorFilter calls this for every error on a /v1 path. */
export function sendRestError(reply: FastifyReply, apiError: ApiError, cause: unknown): void {
  const requestId = requestIdOf(reply.request);
  const where = `${reply.request.method} ${reply.request.url.split('?')[0].slice(0, 200)}`;
  if (apiError.code === 'ServiceUnavailable') {
    logger.warn(`${where} answered ServiceUnavailable (RequestId ${requestId}): ${(cause as Error)?.message}`);
  } else if (apiError.status >= 500) {
    logger.error(`${where} failed (RequestId ${requestId}): ${(cause as Error)?.stack ?? String(cause)}`);
  }
  const retryAfter = apiError.retryAfterSeconds;
  if (retryAfter) void reply.header('retry-after', String(retryAfter));
  const body: RestErrorBody = { requestId, code: apiError.code, message: apiError.message };
  void reply
    .status(apiError.status)
    .header('x-request-id', requestId)
    .header('content-type', 'application/json; charset=utf-8')
    .send(JSON.stringify(body));
}
