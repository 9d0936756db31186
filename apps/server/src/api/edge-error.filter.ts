import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import { isRestPath, sendRestError } from '../rest/rest-error';
import { ApiError } from './api-error';
import { toApiError } from './error-mapping';
import { renderBody } from './response-renderer';

function errorBody(hostId: string, error: ApiError): string {
  return renderBody('JSON', 'Error', { RequestId: randomUUID().toUpperCase(), HostId: hostId, Code: error.code, Message: error.message }).payload;
}

/**
 * What fails before RpcController runs — Fastify's body reading (size, media type), a bad URL,
 * no such route — still answers Alibaba's error body (SPEC §2.2), not Nest's or Fastify's.
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
    if (isRestPath(reply.request?.url)) return sendRestError(reply, apiError, error);
    void reply.status(apiError.status).header('content-type', 'application/json;charset=utf-8').send(errorBody(this.hostId, apiError));
  }
}

/** Node's own refusals (a request line or headers over the limit, a malformed request), same body. */
export function clientErrorHandler(hostId: string) {
  return (error: NodeJS.ErrnoException, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return void socket.destroy();
    const apiError = error.code === 'HPE_HEADER_OVERFLOW' ? new ApiError('RequestHeaderFieldsTooLarge') : new ApiError('InvalidParameter.Encoding');
    const body = errorBody(hostId, apiError);
    socket.end(
      `HTTP/1.1 ${apiError.status} ${STATUS_CODES[apiError.status]}\r\nContent-Type: application/json;charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  };
}
