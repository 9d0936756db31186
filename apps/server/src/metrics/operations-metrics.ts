import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const FINAL_INVOCATION_STATUSES = new Set(['Success', 'Failed', 'PartialFailed', 'Stopped']);

/** A record the scheduler wrote for one fire (or one collapsed run of misfires). */
export interface FiredRecord {
  invokeId: string;
  scheduledAt: Date;
  status: string;
}

/**
 * Every metric this process exposes at /metrics. Counters and histograms count what happened
 * in THIS process (Prometheus sums them over replicas); the gauges set at scrape time describe
 * the shared database, so every replica reports the same value (take max, not sum).
 *
 * Process-wide on purpose, like prom-client's own default registry: the services that change
 * state call one method here without another constructor parameter in each of them.
 */
export class OperationsMetrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'cloud_assistant_http_requests_total',
    help: 'HTTP requests answered by this process, by RPC action (or route), Alibaba error code and HTTP status',
    labelNames: ['action', 'code', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'cloud_assistant_http_request_duration_seconds',
    help: 'Time from request received to response sent, by RPC action (or route); agent long polls wait up to 30 s by design',
    labelNames: ['action'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly dispatchLatency = new Histogram({
    name: 'cloud_assistant_dispatch_latency_seconds',
    help: 'Time from a record written (Pending) to its delivery to the agent in a poll answer',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly fireLag = new Histogram({
    name: 'cloud_assistant_schedule_fire_lag_seconds',
    help: "Time from a timed invocation's scheduled fire time to the commit of that fire's records",
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly invocationsCreated = new Counter({
    name: 'cloud_assistant_invocations_created_total',
    help: 'Invocations created by this process, by repeat mode (Once, Period)',
    labelNames: ['repeat_mode'] as const,
    registers: [this.registry],
  });

  readonly invocationsFinished = new Counter({
    name: 'cloud_assistant_invocations_finished_total',
    help: 'Invocations this process saw reach a final status (Success, Failed, PartialFailed, Stopped)',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly recordsFinished = new Counter({
    name: 'cloud_assistant_invocation_records_finished_total',
    help: 'Per-instance records this process moved to a final status, by status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly invocations = new Gauge({
    name: 'cloud_assistant_invocations',
    help: 'Invocations not yet finished (Pending, Scheduled, Running, Stopping) in the database, by status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly records = new Gauge({
    name: 'cloud_assistant_invocation_records',
    help: 'Per-instance records not yet finished (Pending, Running) in the database, by status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly queueDepth = new Gauge({
    name: 'cloud_assistant_queue_depth',
    help: 'Records waiting on agents: undelivered (Pending) and delivered but not acknowledged by the agent',
    labelNames: ['stage'] as const,
    registers: [this.registry],
  });

  readonly agentsOnline = new Gauge({
    name: 'cloud_assistant_agents_online',
    help: 'Registered agents whose last heartbeat is recent enough to count as online',
    registers: [this.registry],
  });

  readonly databaseUp = new Gauge({
    name: 'cloud_assistant_database_up',
    help: '1 if the last scrape could read the database gauges, 0 if not (their values are then stale)',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Records handed to an agent now, each written at `createdAt`. */
  observeDelivery(createdAt: readonly Date[]): void {
    const now = Date.now();
    for (const written of createdAt) this.dispatchLatency.observe(Math.max(0, now - written.getTime()) / 1000);
  }

  /** A scheduler transaction committed these records: one lag per fire, final records counted. */
  observeFiresCommitted(records: readonly FiredRecord[]): void {
    const now = Date.now();
    const fires = new Set<string>();
    for (const record of records) {
      if (record.status !== 'Pending') this.recordsFinished.inc({ status: record.status });
      if (record.status === 'Missed' || record.status === 'Error') continue;
      const fire = `${record.invokeId} ${record.scheduledAt.getTime()}`;
      if (fires.has(fire)) continue;
      fires.add(fire);
      this.fireLag.observe(Math.max(0, now - record.scheduledAt.getTime()) / 1000);
    }
  }

  recordsFinishedAs(status: string, count = 1): void {
    if (count > 0) this.recordsFinished.inc({ status }, count);
  }

  invocationCreated(repeatMode: string): void {
    this.invocationsCreated.inc({ repeat_mode: repeatMode });
  }

  /** Called on every derived status change; counts only the final ones. */
  invocationStatusChanged(status: string): void {
    if (FINAL_INVOCATION_STATUSES.has(status)) this.invocationsFinished.inc({ status });
  }

  observeHttp(action: string, code: string, status: number, seconds: number): void {
    this.httpRequests.inc({ action, code, status: String(status) });
    this.httpDuration.observe({ action }, seconds);
  }
}

export const operationsMetrics = new OperationsMetrics();
