import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Client } from 'pg';
import { EntityManager } from 'typeorm';
import { DATABASE_URL } from '../database/database-url.token';

export const DISPATCH_CHANNEL = 'ca_dispatch';
/** NOTIFY payloads are limited to 8000 bytes; stay well below. */
const MAX_PAYLOAD = 7000;

type Waker = () => void;

/**
 * Wakes long-polling agents through PostgreSQL LISTEN/NOTIFY, so work reaches an agent within
 * milliseconds whichever service process took the API call. A writer calls `notify` inside its
 * transaction (PostgreSQL delivers on commit, never for a rollback); every process listens on
 * one connection and wakes its local waiters for the named instances.
 */
@Injectable()
export class DispatchNotifier implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(DispatchNotifier.name);
  private readonly waiters = new Map<string, Set<Waker>>();
  private client?: Client;
  private isClosed = false;

  constructor(@Inject(DATABASE_URL) private readonly databaseUrl: string) {}

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  async onModuleDestroy(): Promise<void> {
    this.isClosed = true;
    await this.client?.end().catch(() => undefined);
    this.wakeAll();
  }

  /** True once the process is shutting down: long polls answer at once instead of waiting. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Queues a wake-up of these instances' agents for when the surrounding transaction commits. */
  async notify(manager: EntityManager, instanceIds: readonly string[]): Promise<void> {
    for (const payload of chunkPayloads(instanceIds)) {
      await manager.query('SELECT pg_notify($1, $2)', [DISPATCH_CHANNEL, payload]);
    }
  }

  /**
   * Resolves when the instance is notified, after `timeoutMs`, or when `signal` aborts.
   * Subscribe before looking for work, then wait: a notification in between is not lost.
   */
  subscribe(instanceId: string): { wait(timeoutMs: number, signal?: AbortSignal): Promise<void>; close(): void } {
    let woken = false;
    let resolveWait: (() => void) | undefined;
    const waker: Waker = () => {
      woken = true;
      resolveWait?.();
    };
    let set = this.waiters.get(instanceId);
    if (!set) this.waiters.set(instanceId, (set = new Set()));
    set.add(waker);
    const close = (): void => {
      set!.delete(waker);
      if (set!.size === 0 && this.waiters.get(instanceId) === set) this.waiters.delete(instanceId);
    };
    return {
      close,
      wait: (timeoutMs, signal) =>
        new Promise<void>((resolve) => {
          if (woken || signal?.aborted || this.isClosed) {
            woken = false;
            resolve();
            return;
          }
          const timer = setTimeout(done, timeoutMs);
          const onAbort = (): void => done();
          signal?.addEventListener('abort', onAbort, { once: true });
          function done(): void {
            clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
            woken = false;
            resolveWait = undefined;
            resolve();
          }
          resolveWait = done;
        }),
    };
  }

  private wake(instanceId: string): void {
    for (const waker of this.waiters.get(instanceId) ?? []) waker();
  }

  private wakeAll(): void {
    for (const set of this.waiters.values()) for (const waker of set) waker();
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.databaseUrl, application_name: 'cloud-assistant-listen' });
    client.on('notification', (message) => {
      if (message.channel !== DISPATCH_CHANNEL || !message.payload) return;
      for (const instanceId of message.payload.split(',')) this.wake(instanceId);
    });
    client.on('error', (error) => {
      this.logger.warn(`LISTEN connection lost: ${error.message}`);
      this.reconnectSoon(client);
    });
    client.on('end', () => this.reconnectSoon(client));
    await client.connect();
    await client.query(`LISTEN ${DISPATCH_CHANNEL}`);
    this.client = client;
    // Anything notified while we were not listening: let every waiter look again.
    this.wakeAll();
  }

  private reconnectSoon(lost: Client): void {
    if (this.isClosed || this.client !== lost) return;
    this.client = undefined;
    lost.end().catch(() => undefined);
    const retry = (delayMs: number): void => {
      setTimeout(() => {
        if (this.isClosed) return;
        this.connect().catch((error: Error) => {
          this.logger.warn(`LISTEN reconnect failed: ${error.message}`);
          retry(Math.min(delayMs * 2, 5000));
        });
      }, delayMs).unref();
    };
    retry(200);
  }
}

function chunkPayloads(instanceIds: readonly string[]): string[] {
  const payloads: string[] = [];
  let current = '';
  for (const id of new Set(instanceIds)) {
    if (current && current.length + id.length + 1 > MAX_PAYLOAD) {
      payloads.push(current);
      current = '';
    }
    current = current ? `${current},${id}` : id;
  }
  if (current) payloads.push(current);
  return payloads;
}
