/**
 * Socket errors and PostgreSQL states that mean "the database is not there right now" (refused,
 * reset or timed-out connections; the server shutting down or starting up; too many
 * connections), as opposed to a statement that is wrong.
 */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '53300']);

/** What pg and TypeORM say, without a code, when the pool cannot reach the server. */
const UNAVAILABLE_MESSAGE = /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED|is not queryable|Query read timeout/i;

/** Whether `error` is a temporary loss of the database, worth a 503 and a retry rather than a 500. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  const message = (error as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message);
}
