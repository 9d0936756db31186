import { Inject, Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { APP_CONFIG } from '../config/app-config.token';
import type { AppConfig } from '../config/config.schema';
import { InvocationsRepository } from '../invocations/invocations.repository';
import { Sql } from '../database/sql';
import { operationsMetrics } from '../metrics/operations-metrics';

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
    private readonly invocations: InvocationsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** a run no agent picked up within the delivery timeout is Aborted (DeliveryTimeout). */
  @Interval(1000)
  abortUndelivered(): Promise<void> {
    return this.once('abortUndelivered', async () => {
      await this.sql.transaction(async (tx) => {
        const { rows: aborted } = await tx.query<{ invoke_id: string }>(
          // Rows locked in record id order, and any a claim or a stop holds right now skipped:
          // this pass runs again in a second.
          `UPDATE invocation_records
              SET status = 'Aborted', error_code = 'DeliveryTimeout', finished_time = now(), updated_at = now(),
                  error_info = 'no agent picked the command up within ' || $1 || ' seconds'
            WHERE status = 'Pending'
              AND record_id IN (SELECT record_id FROM invocation_records
                                 WHERE status = 'Pending' AND created_at < now() - make_interval(secs => $1)
                                 ORDER BY record_id
                                   FOR UPDATE SKIP LOCKED)
            RETURNING invoke_id`,
          [this.config.DELIVERY_TIMEOUT_SECONDS],
        );
        await this.invocations.refreshStatuses(tx, aborted.map((a) => a.invoke_id));
        operationsMetrics.recordsFinishedAs('Aborted', aborted.length);
      });
    });
  }

  /** A run whose agent went silent long past its timeout: Error (AgentUnreachable) until the agent says otherwise. */
  @Interval(15_000)
  markUnreachable(): Promise<void> {
    return this.once('markUnreachable', async () => {
      await this.sql.transaction(async (tx) => {
        const { rows: lost } = await tx.query<{ invoke_id: string }>(
          `UPDATE invocation_records
              SET status = 'Error', error_code = 'AgentUnreachable', finished_time = now(), updated_at = now(),
                  error_info = 'the agent has not reported this run long after its timeout'
            WHERE status = 'Running'
              AND record_id IN (SELECT r.record_id FROM invocation_records r
                                  JOIN invocations i ON i.invoke_id = r.invoke_id
                                  JOIN instances n ON n.instance_id = r.instance_id
                                 WHERE r.status = 'Running'
                                   AND r.start_time < now() - make_interval(secs => i.timeout + $1)
                                   AND (n.last_heartbeat_at IS NULL OR n.last_heartbeat_at < now() - make_interval(secs => $1))
                                 ORDER BY r.record_id
                                   FOR UPDATE OF r SKIP LOCKED)
            RETURNING invoke_id`,
          [UNREACHABLE_GRACE_SECONDS],
        );
        await this.invocations.refreshStatuses(tx, lost.map((l) => l.invoke_id));
        operationsMetrics.recordsFinishedAs('Error', lost.length);
      });
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
