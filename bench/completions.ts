import { Client } from 'pg';
import { childrenNamed, treeCpuMs } from './process-cpu';
import { BenchEnvironment, nowMs, sleep, summarize } from './support';
import { BenchScenario, ms } from './table';

export interface CompletionsResult {
  agents: number;
  seconds: number;
  callers: number;
  instancesPerInvocation: number;
  inFlightPerCaller: number;
  /** Records that reached Success in each whole second of the window (database clock). */
  perSecond: number[];
  /** Records that ended otherwise in the window (should be none). */
  notSuccess: number;
  /** Mean of Pending + Running records sampled during the window: > 0 throughout means saturated. */
  meanBacklog: number;
  minBacklog: number;
  /** InvokeCommand calls made in the window, per second, and their round trip. */
  invokesPerSecond: number;
  invokeCall: ReturnType<typeof summarize>;
  /** CPU ms per completed record over the window: the service, all agents (with their commands), PostgreSQL (embedded only). */
  cpuPerCompletion: { server: number; agents: number; postgres?: number };
}

/** A deployment pipeline rolls a batch of machines at a time; ten is a common batch. */
const INSTANCES_PER_INVOCATION = 10;
/** Each pipeline keeps this many batches going at once, so no agent waits for its next task. */
const IN_FLIGHT_PER_CALLER = 6;
const FINAL = `status NOT IN ('Pending', 'Running')`;

/**
 * End-to-end completions: `true` on `agents` real agents, records reaching
 * Success per second, sustained. Offered load is a closed loop: one caller (a deployment
 * pipeline) per ten instances, each with IN_FLIGHT_PER_CALLER concurrent slots that invoke on
 * its ten and wait for that invocation to finish, so every agent always has work queued and the
 * InvokeCommand round trip does not cap the rate. Counted from the database (records' updated_at
 * when they turned Success).
 */
export async function measureCompletions(options: { agents: number; seconds: number; warmupSeconds: number }): Promise<CompletionsResult> {
  const env = new BenchEnvironment();
  try {
    await env.startDatabase();
    await env.startServer();
    const agents = await env.startAgents(options.agents);
    const db = new Client({ connectionString: env.databaseUrl });
    await db.connect();
    try {
      const { CommandId } = await env.call('CreateCommand', {
        Name: 'bench-true',
        Type: 'RunShellScript',
        CommandContent: Buffer.from('true').toString('base64'),
      });
      await sleep(1000);
      const groups: string[][] = [];
      for (let i = 0; i < agents.length; i += INSTANCES_PER_INVOCATION) groups.push(agents.slice(i, i + INSTANCES_PER_INVOCATION).map((a) => a.instanceId));

      const monitor = new CompletionMonitor(db);
      let running = true;
      const invokeTimes: number[] = [];
      // One pipeline slot: invoke on the group, wait until that invocation has finished, again.
      const slot = async (instanceIds: string[]): Promise<void> => {
        while (running) {
          const sent = nowMs();
          const { InvokeId } = await env.call('InvokeCommand', { CommandId, InstanceIds: JSON.stringify(instanceIds) });
          if (monitor.sampleBacklog) invokeTimes.push(nowMs() - sent);
          await monitor.finished(InvokeId);
        }
      };
      const monitoring = monitor.run();
      const callers = groups.flatMap((group) => Array.from({ length: IN_FLIGHT_PER_CALLER }, () => slot(group)));
      await sleep(options.warmupSeconds * 1000);
      const pids = env.children.map((c) => c.pid!);
      const postgres = childrenNamed(process.pid, 'postgres');
      const cpuBefore = treeCpuMs([...pids, ...postgres]);
      const windowStart = await dbNow(db);
      monitor.sampleBacklog = true;
      await sleep(options.seconds * 1000);
      monitor.sampleBacklog = false;
      const cpuUsed = treeCpuMs([...pids, ...postgres]).map((after, i) => after - cpuBefore[i]);
      const windowEnd = new Date(windowStart.getTime() + options.seconds * 1000);
      running = false;
      await Promise.all(callers);
      monitor.stop();
      await monitoring;

      const { rows } = await db.query(
        `SELECT floor(extract(epoch FROM updated_at - $1::timestamptz))::int AS second, count(*)::int AS n
           FROM invocation_records WHERE status = 'Success' AND updated_at >= $1 AND updated_at < $2 GROUP BY 1`,
        [windowStart, windowEnd],
      );
      const perSecond = new Array<number>(options.seconds).fill(0);
      for (const row of rows as Array<{ second: number; n: number }>) perSecond[row.second] = row.n;
      const other = await db.query(
        `SELECT count(*)::int AS n FROM invocation_records WHERE ${FINAL} AND status <> 'Success' AND updated_at >= $1 AND updated_at < $2`,
        [windowStart, windowEnd],
      );
      const backlog = monitor.backlog;
      const completed = Math.max(
        perSecond.reduce((a, b) => a + b, 0),
        1,
      );
      const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
      return {
        invokesPerSecond: invokeTimes.length / options.seconds,
        invokeCall: summarize(invokeTimes),
        cpuPerCompletion: {
          server: cpuUsed[0] / completed,
          agents: sum(cpuUsed.slice(1, pids.length)) / completed,
          postgres: postgres.length > 0 ? sum(cpuUsed.slice(pids.length)) / completed : undefined,
        },
        agents: options.agents,
        seconds: options.seconds,
        callers: groups.length,
        instancesPerInvocation: INSTANCES_PER_INVOCATION,
        inFlightPerCaller: IN_FLIGHT_PER_CALLER,
        perSecond,
        notSuccess: (other.rows[0] as { n: number }).n,
        meanBacklog: backlog.reduce((a, b) => a + b, 0) / Math.max(backlog.length, 1),
        minBacklog: Math.min(...backlog),
      };
    } finally {
      await db.end();
    }
  } finally {
    await env.close();
  }
}

async function dbNow(db: Client): Promise<Date> {
  const { rows } = await db.query('SELECT clock_timestamp() AS now');
  return (rows[0] as { now: Date }).now;
}

/** One query every 25 ms tells every waiting caller which of its invocations have finished. */
class CompletionMonitor {
  readonly backlog: number[] = [];
  sampleBacklog = false;
  private readonly waiting = new Map<string, () => void>();
  private stopped = false;

  constructor(private readonly db: Client) {}

  finished(invokeId: string): Promise<void> {
    return new Promise((resolve) => this.waiting.set(invokeId, resolve));
  }

  stop(): void {
    this.stopped = true;
  }

  async run(): Promise<void> {
    let drainUntil = Infinity;
    while (!this.stopped || (this.waiting.size > 0 && Date.now() < drainUntil)) {
      if (this.stopped && drainUntil === Infinity) drainUntil = Date.now() + 30_000;
      await sleep(25);
      const ids = [...this.waiting.keys()];
      if (ids.length === 0) continue;
      const { rows } = await this.db.query(
        `SELECT invoke_id, bool_and(${FINAL}) AS done, count(*) FILTER (WHERE NOT (${FINAL}))::int AS open
           FROM invocation_records WHERE invoke_id = ANY($1) GROUP BY invoke_id`,
        [ids],
      );
      let open = 0;
      for (const row of rows as Array<{ invoke_id: string; done: boolean; open: number }>) {
        open += row.open;
        if (!row.done) continue;
        this.waiting.get(row.invoke_id)?.();
        this.waiting.delete(row.invoke_id);
      }
      if (this.sampleBacklog) this.backlog.push(open);
    }
  }
}

export const completionsScenario: BenchScenario = {
  name: 'completions',
  async run({ quick, log }) {
    const c = await measureCompletions(quick ? { agents: 20, seconds: 15, warmupSeconds: 2 } : { agents: 100, seconds: 60, warmupSeconds: 5 });
    const mean = c.perSecond.reduce((a, b) => a + b, 0) / c.seconds;
    const cpu = c.cpuPerCompletion;
    const cpuText = `server ${ms(cpu.server)}, agents ${ms(cpu.agents)}${cpu.postgres === undefined ? '' : `, PostgreSQL ${ms(cpu.postgres)}`}`;
    log(
      `per second ${c.perSecond.join(' ')}; not Success ${c.notSuccess}; backlog mean ${c.meanBacklog.toFixed(1)}, min ${c.minBacklog}; ` +
        `InvokeCommand ${c.invokesPerSecond.toFixed(1)}/s, ${JSON.stringify(c.invokeCall)}; CPU per completion ${cpuText}`,
    );
    return [
      {
        scenario:
          `Completions: \`true\` on ${c.agents} agents, records reaching Success per second over ${c.seconds} s ` +
          `(${c.callers} callers × ${c.instancesPerInvocation} instances per invocation, ${c.inFlightPerCaller} in flight each)`,
        ours: `mean ${mean.toFixed(0)}/s, min ${Math.min(...c.perSecond)}/s (${c.notSuccess} not Success; backlog mean ${c.meanBacklog.toFixed(0)}, min ${c.minBacklog})`,
      },
      { scenario: '  CPU time per completed record (robust to a busy machine)', ours: cpuText },
    ];
  },
};
