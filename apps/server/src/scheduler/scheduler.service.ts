import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { PgListener } from '../database/pg-listener';
import { NOTIFICATION_CHANNELS } from '../database/notification-channels';
import { FIRE_BATCH, ScheduleFirer, warmUpFireTimes } from './schedule-firer';

/** A safety net: look again at least this often even if no notification arrives. */
const MAX_SLEEP_MS = 30_000;
const RETRY_AFTER_ERROR_MS = 1000;
const CONCURRENT_BATCHES = 3;
/**
 * Due rows this pass could not claim are locked by another process, which is firing them: look
 * again shortly, rather than spinning on setTimeout(0) until it commits.
 */
const DUE_BUT_LOCKED_WAIT_MS = 25;

/**
 * The scheduler loop every service process runs: fire what is due, then sleep until the
 * earliest next fire time in the database, woken early by NOTIFY when an invocation is created
 * or stopped. One timer per process, whatever the number of schedules.
 */
@Injectable()
export class SchedulerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SchedulerService.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private wakeAgain = false;
  private closed = false;

  constructor(
    private readonly firer: ScheduleFirer,
    listener: PgListener,
  ) {
    listener.on(NOTIFICATION_CHANNELS.schedule, () => this.wake());
    listener.onReconnect(() => this.wake());
  }

  onApplicationBootstrap(): void {
    this.wake();
    // About 150 ms of CPU, once, while the first pass waits on the database. Only an
    // optimization: a failure here must never take the process down.
    setTimeout(() => {
      try {
        warmUpFireTimes();
      } catch (error) {
        this.logger.warn(`fire-time warm-up failed: ${(error as Error).message}`);
      }
    }, 0).unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Runs the loop now (or right after the pass in progress). */
  wake(): void {
    if (this.closed) return;
    if (this.running) {
      this.wakeAgain = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.pass().finally(() => {
      this.running = undefined;
      if (this.wakeAgain) {
        this.wakeAgain = false;
        this.wake();
      }
    });
  }

  private async pass(): Promise<void> {
    let delay = MAX_SLEEP_MS;
    try {
      // Several batches at once: SKIP LOCKED hands each its own rows, and the database works on
      // one batch while this process computes the next.
      let fired = 0;
      const drain = async (): Promise<void> => {
        for (;;) {
          if (this.closed) return;
          const handled = await this.firer.fireDueBatch();
          fired += handled;
          if (handled < FIRE_BATCH) return; // a full batch means more may be due
        }
      };
      await Promise.all(Array.from({ length: CONCURRENT_BATCHES }, drain));
      const untilNext = await this.firer.msUntilNextFire();
      if (untilNext !== null) {
        const dueButLocked = untilNext <= 0 && fired === 0;
        delay = dueButLocked ? DUE_BUT_LOCKED_WAIT_MS : Math.min(MAX_SLEEP_MS, Math.max(0, Math.ceil(untilNext)));
      }
    } catch (error) {
      this.logger.warn(`scheduler pass failed, retrying: ${(error as Error).message}`);
      delay = RETRY_AFTER_ERROR_MS;
    }
    if (!this.closed) this.timer = setTimeout(() => this.wake(), delay);
  }
}
