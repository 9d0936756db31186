import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import { isRestPath, sendRestError } from '../rest/rest-error';
import { annotateRequest, currentRequestId } from '../logging/request-context';
import { ApiError } from '../common/api-error';
import { toApiError } from '../common/error-mapping';
import { renderBody } from './response-renderer';

function errorBody(hostId: string, error: ApiError): string {
  return renderBody('JSON', 'Error', { RequestId: currentRequestId(), HostId: hostId, Code: error.code, Message: error.message }).payload;
}

/**
 * What fails before RpcController runs — Fastify's body reading (size, media type), a bad URL,
 * no such route — still answers Alibaba's error body, not Nest's or Fastify's.
 * Under /v1 (the REST edge, whose controllers let their errors come here) the same ApiError is
 * rendered as the REST body instead: one mapping (toApiError), two renderings.
 */
@Catch()
export class EdgeErrorFilter implements ExceptionFilter {
  constructor(private readonly hostId: string) {}

  catch(error: unknown, host: ArgumentsHost): void {
    this.reply(host.switchToHttp().getResponse<FastifyReply>(), error);
  }

  reply(reply: FastifyReply, error: unknown): void {
    const apiError = toApiError(error);
    annotateRequest({ code: apiError.code });
    if (isRestPath(reply.request?.url)) return sendRestError(reply, apiError, error);
    void reply.status(apiError.status).header('content-type', 'application/json;charset=utf-8').send(errorBody(this.hostId, apiError));
  }
}

const NODE_REFUSALS: Record<string, string> = {
  HPE_HEADER_OVERFLOW: 'RequestHeaderFieldsTooLarge',
  ERR_HTTP_REQUEST_TIMEOUT: 'RequestTimeout',
};

/**
 * Node's own refusals (a request line or headers over the limit, a malformed request, a request
 * not received in full within REQUEST_TIMEOUT_SECONDS), same body. The connection is closed: the
 * rest of a refused request is never read, so nothing of it reaches a controller.
 */
export function clientErrorHandler(hostId: string) {
  return (error: NodeJS.ErrnoException, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return void socket.destroy();
    const apiError = new ApiError(NODE_REFUSALS[error.code ?? ''] ?? 'InvalidParameter.Encoding');
    const body = errorBody(hostId, apiError);
    socket.end(
      `HTTP/1.1 ${apiError.status} ${STATUS_CODES[apiError.status]}\r\nContent-Type: application/json;charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  };
}
