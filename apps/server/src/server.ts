import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { clientErrorHandler, EdgeErrorFilter } from './edge-error.filter';
import { MAX_BODY_BYTES } from './rpc/request-parser';
import { AppModule } from './app.module';
import { AccessKeysService } from './auth/access-keys.service';
import type { AppConfig } from './config/config.schema';
import { serveDashboard } from './dashboard/dashboard-static';
import { serveRestDocs } from './rest/openapi-document';
import { createAppLogger } from './logging/app-logger';
import { installRequestHooks } from './logging/request-hooks';

/**
 * Builds the service on an already-migrated database: Fastify with our own body handling
 * (the raw body is kept, since a V3 signature covers its hash), then the bootstrap key.
 */
export async function createServer(config: AppConfig, databaseUrl: string): Promise<NestFastifyApplication> {
  const edgeErrors = new EdgeErrorFilter(config.HOST_ID);
  const requestTimeoutMs = config.REQUEST_TIMEOUT_SECONDS * 1000;
  const adapter = new FastifyAdapter({
    ...(config.TLS_CERT_FILE && config.TLS_KEY_FILE ? { https: { cert: readFileSync(config.TLS_CERT_FILE), key: readFileSync(config.TLS_KEY_FILE) } } : {}),
    bodyLimit: MAX_BODY_BYTES,
    // A client trickling its request in (a byte every few seconds) would otherwise hold a
    // connection and a body buffer forever. Node answers 408 through clientErrorHandler.
    requestTimeout: requestTimeoutMs,
    // While draining (SIGTERM), a request already on a keep-alive connection is served, with
    // `Connection: close`, instead of Fastify's bare 503 body, which is no Alibaba error and
    // which the SDKs cannot read. Nothing new can connect, and the drain ends within 10 s.
    return503OnClosing: false,
    clientErrorHandler: clientErrorHandler(config.HOST_ID),
    frameworkErrors: (error: Error, _request: unknown, reply: FastifyReply) => edgeErrors.reply(reply, error),
  });
  const fastify = adapter.getInstance();
  boundRequestTime(fastify.server, requestTimeoutMs);
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  installRequestHooks(fastify);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, databaseUrl), adapter, {
    bodyParser: false,
    logger: createAppLogger(config),
  });
  app.useGlobalFilters(edgeErrors);
  serveRestDocs(app);
  await serveDashboard(app);
  await app.init();
  await app.get(AccessKeysService).bootstrap();
  return app;
}

/**
 * Headers get the same bound as the whole request (Node requires headersTimeout <= requestTimeout).
 * Node looks for expired requests every connectionsCheckingInterval (30 s by default); checking
 * a quarter of the bound keeps the overshoot proportionate.
 */
function boundRequestTime(server: Server, requestTimeoutMs: number): void {
  server.requestTimeout = requestTimeoutMs;
  server.headersTimeout = requestTimeoutMs;
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(30_000, Math.max(250, Math.floor(requestTimeoutMs / 4)));
}

export const serverLogger = new Logger('CloudAssistant');
