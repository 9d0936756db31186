import { catalogEntry, errorDefinition, ErrorCode } from './error-catalog';

/**
 * A failure that carries an Alibaba error code. Services throw it; the edges alone turn it into
 * an HTTP answer (status from error-catalog.ts, body from error-response.ts), so a cron tick or an
 * agent callback can throw the same errors without knowing about HTTP.
 */
export class ApiError extends Error {
  /** The catalogue's status for the code: one place decides what a code answers. */
  readonly status: number;
  /** For throttling: when the client may try again. */
  retryAfterSeconds?: number;

  constructor(
    readonly code: ErrorCode,
    message?: string,
  ) {
    const definition = errorDefinition(code);
    super(message ?? definition.message);
    this.status = definition.status;
  }

  /** `MissingParameter.<Name>` for any parameter, with Alibaba's message. */
  static missing(name: string): ApiError {
    const code = `MissingParameter.${name}` as const;
    const message = catalogEntry(code)?.message ?? `The input parameter \u201c${name}\u201d that is mandatory for processing this request is not supplied.`;
    return new ApiError(code, message);
  }

  /** `InvalidParameter.<Name>` (or another code) for a malformed value. */
  static invalid(name: string, reason: string, code: ErrorCode = `InvalidParameter.${name}`): ApiError {
    return new ApiError(code, `The specified parameter \u201c${name}\u201d is not valid: ${reason}`);
  }
}
