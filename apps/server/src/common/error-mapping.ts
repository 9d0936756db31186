import { HttpException } from '@nestjs/common';
import { ApiError } from './api-error';

/** Statuses of the HttpExceptions raised before a controller runs, as Alibaba codes. */
const HTTP_EXCEPTION_CODES: Record<number, string> = {
  400: 'InvalidParameter.Encoding',
  404: 'InvalidAction.NotFound',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
};

/** Connection-level failures mean "the database is not there right now", not a bug. */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '53300']);

/** Turns anything thrown into the ApiError the client will see. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const code = (error as { code?: string } | undefined)?.code;
  const message = (error as Error | undefined)?.message ?? '';
  if (
    (code && UNAVAILABLE_CODES.has(code)) ||
    /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED|is not queryable|Query read timeout/i.test(message)
  ) {
    return new ApiError('ServiceUnavailable');
  }
  const fastifyCode = (error as { code?: string } | undefined)?.code;
  if (fastifyCode === 'FST_ERR_CTP_BODY_TOO_LARGE') return new ApiError('RequestEntityTooLarge');
  if (fastifyCode === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new ApiError('UnsupportedMediaType');
  if (fastifyCode === 'FST_ERR_BAD_URL') return new ApiError('InvalidParameter.Encoding');
  // Nest hands Fastify's refusals (and its own "no such route") over as HttpExceptions.
  if (error instanceof HttpException) {
    const code = HTTP_EXCEPTION_CODES[error.getStatus()];
    if (code) return new ApiError(code);
  }
  if (fastifyCode === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH' || fastifyCode === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return new ApiError('InvalidParameter.Encoding');
  }
  return new ApiError('InternalError');
}
