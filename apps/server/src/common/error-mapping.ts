import { HttpException } from '@nestjs/common';
import { isDatabaseUnavailable } from '../database/database-unavailable';
import { ApiError } from './api-error';
import type { ErrorCode } from './error-catalog';

/** Statuses of the HttpExceptions raised before a controller runs, as Alibaba codes. */
const HTTP_EXCEPTION_CODES: Readonly<Record<number, ErrorCode>> = {
  400: 'InvalidParameter.Encoding',
  404: 'InvalidAction.NotFound',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
};

/** Turns anything thrown into the ApiError the client will see. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (isDatabaseUnavailable(error)) return new ApiError('ServiceUnavailable');
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
