import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Client } from 'pg';
import { DATABASE_URL } from './database-url.token';

type Handler = (payload: string) => void;

/**
 * How often the LISTEN connection proves it is alive, and how long it may take. A connection to
 * a database that stopped answering without closing (a black-holed network) looks open for
 * minutes: nothing would be notified, and nothing would tell us. One that fails to answer is
 * replaced like a lost one.
 */
const PING_INTERVAL_MS = 5000;
const PING_TIMEOUT_MS = 3000;
const CONNECT_TIMEOUT_MS = 5000;

/**
 * One LISTEN connection per process, shared by every channel, reconnecting by itself. After a
 * reconnect, `onReconnect` handlers run: whatever was notified while we were not listening is
 * unknown, so each user re-checks (waiters look again, caches are dropped).
 */
@Injectable()
export class PgListener implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(PgListener.name);
  private readonly handlers = new Map<string, Handler[]>();
  private readonly reconnectHandlers: Array<() => void> = [];
  private client?: Client;
  private closed = false;
  private pinger?: NodeJS.Timeout;

  constructor(@Inject(DATABASE_URL) private readonly databaseUrl: string) {}

  on(channel: string, handler: Handler): void {
    if (!/^[a-z_]+$/.test(channel)) throw new Error(`bad channel name ${channel}`);
    this.handlers.set(channel, [...(this.handlers.get(channel) ?? []), handler]);
  }

  onReconnect(handler: () => void): void {
    this.reconnectHandlers.push(handler);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    clearInterval(this.pinger);
    await this.client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client({
      connectionString: this.databaseUrl,
      application_name: 'cloud-assistant-listen',
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      query_timeout: PING_TIMEOUT_MS,
    });
    client.on('notification', (message) => {
      for (const handler of this.handlers.get(message.channel) ?? []) handler(message.payload ?? '');
    });
    client.on('error', (error) => {
      this.logger.warn(`LISTEN connection lost: ${error.message}`);
      this.reconnectSoon(client);
    });
    client.on('end', () => this.reconnectSoon(client));
    try {
      await client.connect();
      for (const channel of this.handlers.keys()) await client.query(`LISTEN ${channel}`);
    } catch (error) {
      dropConnection(client);
      throw error;
    }
    this.client = client;
    this.pinger ??= setInterval(() => this.ping(), PING_INTERVAL_MS).unref();
    for (const handler of this.reconnectHandlers) handler();
  }

  private ping(): void {
    const client = this.client;
    if (!client || this.closed) return;
    client.query('SELECT 1').catch((error: Error) => {
      this.logger.warn(`LISTEN connection not answering: ${error.message}`);
      this.reconnectSoon(client);
    });
  }

  private reconnectSoon(lost: Client): void {
    if (this.closed || this.client !== lost) return;
    this.client = undefined;
    dropConnection(lost);
    const retry = (delayMs: number): void => {
      setTimeout(() => {
        if (this.closed) return;
        this.connect().catch((error: Error) => {
          this.logger.warn(`LISTEN reconnect failed: ${error.message}`);
          retry(Math.min(delayMs * 2, 5000));
        });
      }, delayMs).unref();
    };
    retry(200);
  }
}

/** Closes at once: `end()` waits for the server's goodbye, which a silent server never sends. */
function dropConnection(client: Client): void {
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}
