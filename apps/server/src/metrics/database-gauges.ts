import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ONLINE_WITHIN_SECONDS } from '../instances/cloud-assistant-status';
import { operationsMetrics } from './operations-metrics';

/** A scrape never waits longer than this for the database; the gauges are then marked stale. */
const GAUGE_QUERY_TIMEOUT_MS = 2000;

const OPEN_INVOCATION_STATUSES = ['Pending', 'Scheduled', 'Running', 'Stopping'] as const;

interface GaugeRow {
  invocations: Record<string, number> | null;
  pending: number;
  running: number;
  unacknowledged: number;
  agents_online: number;
}

/**
 * The gauges read from the shared database at scrape time, in one round trip whose cost is
 * bounded by the work still open, never by history: finished records and invocations are not
 * counted here (they are counters, incremented where their status changes). The open records
 * come from the partial index on (status, created_at) WHERE status IN ('Pending', 'Running'),
 * the open invocations from (status, created_at); only the agents' count reads every instance.
 */
@Injectable()
export class DatabaseGauges {
  private readonly logger = new Logger(DatabaseGauges.name);
  private inFlight?: Promise<void>;

  constructor(private readonly dataSource: DataSource) {}

  /** Refreshes the gauges; concurrent scrapes share one query. */
  refresh(): Promise<void> {
    this.inFlight ??= this.query().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async query(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const rows = await Promise.race([
        this.dataSource.query<GaugeRow[]>(GAUGE_SQL, [ONLINE_WITHIN_SECONDS]),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${GAUGE_QUERY_TIMEOUT_MS} ms`)), GAUGE_QUERY_TIMEOUT_MS);
        }),
      ]);
      const row = rows[0];
      for (const status of OPEN_INVOCATION_STATUSES) operationsMetrics.invocations.set({ status }, row.invocations?.[status] ?? 0);
      operationsMetrics.records.set({ status: 'Pending' }, row.pending);
      operationsMetrics.records.set({ status: 'Running' }, row.running);
      operationsMetrics.queueDepth.set({ stage: 'undelivered' }, row.pending);
      operationsMetrics.queueDepth.set({ stage: 'unacknowledged' }, row.unacknowledged);
      operationsMetrics.agentsOnline.set(row.agents_online);
      operationsMetrics.databaseUp.set(1);
    } catch (error) {
      operationsMetrics.databaseUp.set(0);
      this.logger.warn(`metrics: database gauges not refreshed: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }
}

// Status lists written out (not parameters) so the planner matches the partial indexes' predicates.
const GAUGE_SQL = `
  SELECT
    (SELECT jsonb_object_agg(status, n) FROM (
       SELECT status, count(*)::int AS n FROM invocations
        WHERE status IN ('Pending', 'Scheduled', 'Running', 'Stopping') GROUP BY status) i) AS invocations,
    r.pending, r.running, r.unacknowledged,
    (SELECT count(*)::int FROM instances
      WHERE agent_registered_at IS NOT NULL AND last_heartbeat_at > now() - make_interval(secs => $1)) AS agents_online
  FROM (SELECT count(*) FILTER (WHERE status = 'Pending')::int AS pending,
               count(*) FILTER (WHERE status = 'Running')::int AS running,
               count(*) FILTER (WHERE status = 'Running' AND acked_at IS NULL)::int AS unacknowledged
          FROM invocation_records WHERE status IN ('Pending', 'Running')) r`;
