import type { LoggerService } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { ApiError } from './api-error';
import { renderBody, ResponseFormat } from './response-renderer';

/** Every REST route lives under this prefix; its errors are REST bodies, not Alibaba's. */
export const REST_PREFIX = '/v1';

export function isRestPath(url: string | undefined): boolean {
  return url !== undefined && (url === REST_PREFIX || /^\/v1[/?]/.test(url));
}

/** What a failed request's answer depends on besides the error itself. */
export interface ErrorAudience {
  /** The request's URL: under REST_PREFIX the answer is a REST body, anywhere else Alibaba's. */
  url: string | undefined;
  requestId: string;
  hostId: string;
  /** The RPC request's Format, once it was read; JSON before that. */
  format?: ResponseFormat;
}

export interface RenderedError {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string;
}

/** The REST error body: the status and code are the catalogue's, as over RPC. */
export interface RestErrorBody {
  requestId: string;
  code: string;
  message: string;
}

/**
 * The one rendering of a failure, for every edge: the status is the catalogue's; the body is
 * the REST body under /v1 and Alibaba's (RequestId, HostId, Code, Message; JSON or XML)
 * elsewhere; throttling says when to retry, in seconds (and, for Alibaba's SDKs, in ms).
 */
export function renderError(error: ApiError, audience: ErrorAudience): RenderedError {
  const retryAfter = error.retryAfterSeconds;
  if (isRestPath(audience.url)) {
    const body: RestErrorBody = { requestId: audience.requestId, code: error.code, message: error.message };
    return {
      status: error.status,
      headers: {
        ...(retryAfter ? { 'retry-after': String(retryAfter) } : {}),
        'x-request-id': audience.requestId,
        'content-type': 'application/json; charset=utf-8',
      },
      body: JSON.stringify(body),
    };
  }
  const { contentType, payload } = renderBody(audience.format ?? 'JSON', 'Error', {
    RequestId: audience.requestId,
    HostId: audience.hostId,
    Code: error.code,
    Message: error.message,
  });
  return {
    status: error.status,
    headers: {
      ...(retryAfter ? { 'retry-after': String(retryAfter), 'x-acs-retry-after': String(retryAfter * 1000) } : {}),
      'content-type': contentType,
    },
    body: payload,
  };
}

export function sendError(reply: FastifyReply, rendered: RenderedError): void {
  void reply.status(rendered.status).headers(rendered.headers).send(rendered.body);
}

/**
 * A lost database is expected now and then (a warning without a stack); any other 5xx is a bug
 * worth its stack. `where` names the action or route.
 */
export function logServerFailure(logger: LoggerService, where: string, requestId: string, error: ApiError, cause: unknown): void {
  if (error.code === 'ServiceUnavailable') {
    logger.warn(`${where} answered ServiceUnavailable (RequestId ${requestId}): ${(cause as Error)?.message}`);
  } else if (error.status >= 500) {
    logger.error(`${where} failed (RequestId ${requestId}): ${(cause as Error)?.stack ?? String(cause)}`);
  }
}
