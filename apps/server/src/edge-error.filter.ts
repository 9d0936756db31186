import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import { annotateRequest, currentRequestId, requestIdOf } from './logging/request-context';
import { ApiError } from './common/api-error';
import type { ErrorCode } from './common/error-catalog';
import { toApiError } from './common/error-mapping';
import { isRestPath, logServerFailure, renderError, sendError } from './common/error-response';

/**
 * What fails outside a controller's own error handling — Fastify's body reading (size, media
 * type), a bad URL, no such route, and every error of a REST controller — still answers with
 * the catalogue's status and the edge's body (renderError), not Nest's or Fastify's.
 */
@Catch()
export class EdgeErrorFilter implements ExceptionFilter {
  private readonly restLogger = new Logger('RestApi');

  constructor(private readonly hostId: string) {}

  catch(error: unknown, host: ArgumentsHost): void {
    this.reply(host.switchToHttp().getResponse<FastifyReply>(), error);
  }

  reply(reply: FastifyReply, error: unknown): void {
    const apiError = toApiError(error);
    annotateRequest({ code: apiError.code });
    const request = reply.request as FastifyReply['request'] | undefined;
    const url = request?.url;
    const requestId = request ? requestIdOf(request) : currentRequestId();
    if (request && isRestPath(url)) {
      logServerFailure(this.restLogger, `${request.method} ${request.url.split('?')[0].slice(0, 200)}`, requestId, apiError, error);
    }
    sendError(reply, renderError(apiError, { url, requestId, hostId: this.hostId }));
  }
}

const NODE_REFUSALS: Readonly<Record<string, ErrorCode>> = {
  HPE_HEADER_OVERFLOW: 'RequestHeaderFieldsTooLarge',
  ERR_HTTP_REQUEST_TIMEOUT: 'RequestTimeout',
};

/**
 * Node's own refusals (a request line or headers over the limit, a malformed request, a request
 * not received in full within REQUEST_TIMEOUT_SECONDS), Alibaba's body: no URL was read, so no
 * route can be known. The connection is closed: the rest of a refused request is never read, so
 * nothing of it reaches a controller.
 */
export function clientErrorHandler(hostId: string) {
  return (error: NodeJS.ErrnoException, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return void socket.destroy();
    const apiError = new ApiError(NODE_REFUSALS[error.code ?? ''] ?? 'InvalidParameter.Encoding');
    const { status, headers, body } = renderError(apiError, { url: undefined, requestId: currentRequestId(), hostId });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${headers['content-type']}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  };
}
