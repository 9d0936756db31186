import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError, loadConfig, serviceScheme } from './config/config.schema';
import { EmbeddedPostgresHandle, startEmbeddedPostgres } from './database/embedded-postgres';
import { runMigrations } from './database/migrate';
import { isDatabaseUnavailable } from './database/database-unavailable';
import { DispatchNotifier } from './database/dispatch-notifier';
import { createAppLogger } from './logging/app-logger';
import { createServer, serverLogger } from './server';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  Logger.overrideLogger(createAppLogger(config));

  let embedded: EmbeddedPostgresHandle | undefined;
  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres(config.DATA_DIR, (line) => serverLogger.log(line));
    databaseUrl = embedded.url;
  }
  await untilDatabaseAnswers(() => runMigrations(databaseUrl));
  const app = await createServer(config, databaseUrl);
  await app.listen({ port: config.PORT, host: config.HOST, backlog: LISTEN_BACKLOG });
  const origin = `${serviceScheme(config)}://${config.HOST}:${config.PORT}`;
  serverLogger.log(`Cloud Assistant API listening on ${origin}`);
  serverLogger.log(`Dashboard: ${origin}/dashboard/`);

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    serverLogger.log(`${signal}: draining and stopping`);
    // Order matters: answer the long polls, stop accepting and finish the requests in flight
    // while the database is still there, then stop the scheduler (it finishes its transaction)
    // and close the database.
    app.get(DispatchNotifier).beginShutdown();
    await drainHttp(app);
    serverLogger.log('HTTP drained');
    await app.close();
    await embedded?.stop();
    serverLogger.log('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/**
 * Connections the kernel may queue before we accept them. Node's default (511) is less than a
 * fleet: when a thousand agents reconnect at once (after a restart of this process), the rest
 * would be dropped and retried by TCP seconds later. The kernel caps it at net.core.somaxconn.
 */
const LISTEN_BACKLOG = 4096;

/** How long start-up waits for an unreachable database before giving up. */
const DATABASE_WAIT_MS = 120_000;

/**
 * Start-up while PostgreSQL restarts (or boots alongside us) waits for it instead of exiting;
 * anything but a connection failure, or a database still away after DATABASE_WAIT_MS, is fatal.
 */
async function untilDatabaseAnswers<T>(work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + DATABASE_WAIT_MS;
  for (let delay = 250; ; delay = Math.min(delay * 2, 5000)) {
    try {
      return await work();
    } catch (error) {
      if (!isDatabaseUnavailable(error) || Date.now() > deadline) throw error;
      serverLogger.warn(`database not reachable yet (${(error as Error).message}); retrying`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** How long requests in flight may take to finish before their connections are cut. */
const DRAIN_TIMEOUT_MS = 10_000;

/**
 * Stops accepting connections and waits for the requests in flight. Keep-alive connections are
 * closed as soon as they fall idle (a client holding one open would otherwise hold the process),
 * and whatever is still open after DRAIN_TIMEOUT_MS is cut.
 */
async function drainHttp(app: NestFastifyApplication): Promise<void> {
  const server = app.getHttpServer();
  const idleSweep = setInterval(() => server.closeIdleConnections(), 100);
  const deadline = setTimeout(() => server.closeAllConnections(), DRAIN_TIMEOUT_MS);
  try {
    server.closeIdleConnections();
    await app.getHttpAdapter().getInstance().close();
  } finally {
    clearInterval(idleSweep);
    clearTimeout(deadline);
  }
}

main().catch((error: unknown) => {
  serverLogger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
