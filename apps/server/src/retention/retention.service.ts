import { Inject, Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { APP_CONFIG } from '../config/app-config.token';
import type { AppConfig } from '../config/config.schema';
import { Sql } from '../database/sql';
import { purgeInvocationBatch, purgeRecordBatch, PURGE_BATCH } from '../runs/purge';

/** The job's name in @nestjs/schedule's SchedulerRegistry. */
export const RETENTION_JOB = 'retention';
/** How often each process looks for expired history. */
const PURGE_INTERVAL_MS = 60_000;
/** How long one pass may keep deleting; the rest waits for the next pass. */
const PURGE_BUDGET_MS = 5_000;
const DAY_MS = 86_400_000;

export interface PurgeResult {
  records: number;
  invocations: number;
}

/**
 * RECORD_RETENTION_DAYS: deletes finished history older than the retention, in the background,
 * in small batches with a time budget per pass, so a backlog of millions drains over a few
 * passes instead of one long transaction. Safe on every replica at once (SKIP LOCKED).
 */
@Injectable()
export class RetentionService {
  private readonly logger = new Logger(RetentionService.name);
  private running = false;

  constructor(
    private readonly sql: Sql,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Interval(RETENTION_JOB, PURGE_INTERVAL_MS)
  async purgeInBackground(): Promise<void> {
    if (this.running || this.config.RECORD_RETENTION_DAYS === 0) return;
    this.running = true;
    try {
      await this.purgeExpired();
    } catch (error) {
      this.logger.warn(`retention pass failed: ${(error as Error).message}`);
    } finally {
      this.running = false;
    }
  }

  /** One pass: records first, then the invocations they leave empty. `now` is for tests. */
  async purgeExpired(now = new Date(), budgetMs = PURGE_BUDGET_MS): Promise<PurgeResult> {
    const result: PurgeResult = { records: 0, invocations: 0 };
    if (this.config.RECORD_RETENTION_DAYS === 0) return result;
    const cutoff = new Date(now.getTime() - this.config.RECORD_RETENTION_DAYS * DAY_MS);
    const deadline = performance.now() + budgetMs;
    const drain = async (purge: () => Promise<number>): Promise<number> => {
      let total = 0;
      for (let deleted = PURGE_BATCH; deleted === PURGE_BATCH && performance.now() < deadline;) {
        deleted = await purge();
        total += deleted;
      }
      return total;
    };
    result.records = await drain(() => purgeRecordBatch(this.sql, cutoff));
    result.invocations = await drain(() => purgeInvocationBatch(this.sql, cutoff));
    if (result.records > 0 || result.invocations > 0) {
      this.logger.log(`retention: deleted ${result.records} records and ${result.invocations} invocations finished before ${cutoff.toISOString()}`);
    }
    return result;
  }
}
