import { ERROR_CATALOG, ErrorCode } from './error-catalog';

/**
 * A failure that carries an Alibaba error code. Services throw it; the RPC edge alone turns it
 * into an HTTP status and a JSON/XML body (see error-catalog.ts), so a cron tick or an agent
 * callback can throw the same errors without knowing about HTTP.
 */
export class ApiError extends Error {
  readonly status: number;
  /** For throttling: when the client may try again. */
  retryAfterSeconds?: number;

  constructor(
    readonly code: ErrorCode | string,
    message?: string,
    status?: number,
  ) {
    const entry = (ERROR_CATALOG as Record<string, { status: number; message: string }>)[code];
    super(message ?? entry?.message ?? code);
    this.status = status ?? entry?.status ?? 400;
  }

  /** `MissingParameter.<Name>` for any parameter, with Alibaba's message. */
  static missing(name: string): ApiError {
    const known = (ERROR_CATALOG as Record<string, { message: string }>)[`MissingParameter.${name}`];
    return new ApiError(
      `MissingParameter.${name}`,
      known?.message ??
        `The input parameter \u201c${name}\u201d that is mandatory for processing this request is not supplied.`,
      400,
    );
  }

  /** `InvalidParameter.<Name>` (or another code) for a malformed value. */
  static invalid(name: string, reason: string, code = `InvalidParameter.${name}`): ApiError {
    return new ApiError(code, `The specified parameter \u201c${name}\u201d is not valid: ${reason}`);
  }
}
