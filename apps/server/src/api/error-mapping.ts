import { ApiError } from './api-error';

/** Connection-level failures mean "the database is not there right now", not a bug. */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '53300']);

/** Turns anything thrown into the ApiError the client will see. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const code = (error as { code?: string } | undefined)?.code;
  const message = (error as Error | undefined)?.message ?? '';
  if (
    (code && UNAVAILABLE_CODES.has(code)) ||
    /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED/i.test(message)
  ) {
    return new ApiError('ServiceUnavailable');
  }
  const fastifyCode = (error as { code?: string } | undefined)?.code;
  if (fastifyCode === 'FST_ERR_CTP_BODY_TOO_LARGE') return new ApiError('RequestEntityTooLarge');
  if (fastifyCode === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH' || fastifyCode === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return new ApiError('InvalidParameter.Encoding');
  }
  return new ApiError('InternalError');
}
