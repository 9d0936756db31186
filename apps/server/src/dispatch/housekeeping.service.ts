import { Inject, Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { APP_CONFIG } from '../config/app-config.token';
import type { AppConfig } from '../config/config.schema';
import { Sql } from '../database/sql';
import { operationsMetrics } from '../metrics/operations-metrics';
import { abortUndeliveredRuns, markUnreachableRuns } from '../runs/sweeps';

/** How long past its timeout a silent run may stay Running before we call its agent unreachable. */
const UNREACHABLE_GRACE_SECONDS = 300;

/**
 * The service's own periodic chores, on @nestjs/schedule. Each is one idempotent statement, safe
 * to run on every replica at once: two replicas aborting the same overdue run both set Aborted.
 */
@Injectable()
export class HousekeepingService {
  private readonly logger = new Logger(HousekeepingService.name);
  private running = new Set<string>();

  constructor(
    private readonly sql: Sql,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** a run no agent picked up within the delivery timeout is Aborted (DeliveryTimeout). */
  @Interval(1000)
  abortUndelivered(): Promise<void> {
    return this.once('abortUndelivered', async () => {
      const aborted = await this.sql.transaction((tx) => abortUndeliveredRuns(tx, this.config.DELIVERY_TIMEOUT_SECONDS));
      operationsMetrics.recordsFinishedAs('Aborted', aborted);
    });
  }

  /** A run whose agent went silent long past its timeout: Error (AgentUnreachable) until the agent says otherwise. */
  @Interval(15_000)
  markUnreachable(): Promise<void> {
    return this.once('markUnreachable', async () => {
      const lost = await this.sql.transaction((tx) => markUnreachableRuns(tx, UNREACHABLE_GRACE_SECONDS));
      operationsMetrics.recordsFinishedAs('Error', lost);
    });
  }

  /** Nonces are needed only while their timestamp could still be accepted. */
  @Interval(60_000)
  purgeNonces(): Promise<void> {
    return this.once('purgeNonces', async () => {
      await this.sql.query('DELETE FROM signature_nonces WHERE expires_at < now()');
    });
  }

  /** Never two runs of one chore at once in this process; a failure is logged, not thrown into the timer. */
  private async once(name: string, chore: () => Promise<void>): Promise<void> {
    if (this.running.has(name)) return;
    this.running.add(name);
    try {
      await chore();
    } catch (error) {
      this.logger.warn(`${name} failed: ${(error as Error).message}`);
    } finally {
      this.running.delete(name);
    }
  }
}
