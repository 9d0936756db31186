import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { NOTIFICATION_CHANNELS } from './notification-channels';
import { PgListener } from './pg-listener';
import type { SqlRunner } from './sql';

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
export class DispatchNotifier implements OnModuleDestroy {
  private readonly waiters = new Map<string, Set<Waker>>();
  private isClosed = false;

  constructor(listener: PgListener) {
    listener.on(NOTIFICATION_CHANNELS.dispatch, (payload) => {
      for (const instanceId of payload.split(',')) this.wake(instanceId);
    });
    // Anything notified while the connection was down: let every waiter look again.
    listener.onReconnect(() => this.wakeAll());
  }

  onModuleDestroy(): void {
    this.beginShutdown();
  }

  /** Answers every waiting long poll now and every later one at once: the process is going away. */
  beginShutdown(): void {
    this.isClosed = true;
    this.wakeAll();
  }

  /** True once the process is shutting down: long polls answer at once instead of waiting. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Queues a wake-up of these instances' agents for when the surrounding transaction commits. */
  async notify(tx: SqlRunner, instanceIds: readonly string[]): Promise<void> {
    for (const payload of chunkPayloads(instanceIds)) {
      await tx.query('SELECT pg_notify($1, $2)', [NOTIFICATION_CHANNELS.dispatch, payload]);
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
      set.delete(waker);
      if (set.size === 0 && this.waiters.get(instanceId) === set) this.waiters.delete(instanceId);
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
