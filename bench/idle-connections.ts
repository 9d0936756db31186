import type { ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { Client } from 'pg';
import type { LoadClientStats, SimulatedAgent } from './idle-agent-load';
import { LoadClient } from './load-client';
import { assertOpenFilesLimit, CLOCK_TICKS, cpuTicks, memoryOf, sumTicks } from './process-stats';
import { BenchAgent, BenchEnvironment, nowMs, sleep, summarize } from './support';
import { BenchScenario, ms } from './table';

/**
 * Registrations of one activation serialize on its row (its count of registered instances), so
 * concurrent registrations each use their own activation.
 */
const REGISTRATION_CONCURRENCY = 10;

export interface IdleConnectionsOptions {
  simulated: number;
  idleSeconds: number;
  realAgents: number;
  samples: number;
  simulatedChecks: number;
  /** Extra node flags for the service process (e.g. --cpu-prof), from BENCH_SERVER_NODE_ARGS. */
  serverNodeArgs?: string[];
  /** Called at the end of the idle phase, e.g. to take a heap snapshot (--heapsnapshot-signal). */
  afterIdle?: (serverPid: number) => Promise<void>;
}

export interface IdleConnectionsResult {
  simulated: number;
  realAgents: number;
  registrationSeconds: number;
  /** Load client started → every simulated agent heartbeated once and waiting in its long poll. */
  connectSeconds: number;
  /** The service's RSS before any agent registered. */
  startRssMb: number;
  /** The service's peak RSS (VmHWM) at the end of each phase, to tell which one raised it. */
  peakAfter: { registration: number; connect: number; idle: number; dispatch: number };
  idle: {
    seconds: number;
    rssMb: number;
    serverCpuPercent: number;
    databaseCpuPercent: number;
    loadClientCpuPercent: number;
    /** Transactions committed in the service's database per second (pg_stat_database; each statement outside a transaction is one). */
    transactionsPerSecond: number;
    heartbeatsPerSecond: number;
    pollsPerSecond: number;
    serverFds: number;
    poolOpen: number;
    poolActiveMax: number;
    listeners: number;
  };
  peakRssMb: number;
  dispatch: { samples: number; afterResponse: ReturnType<typeof summarize>; delivery: ReturnType<typeof summarize> };
  simulatedTasks: { invoked: number; received: number; succeeded: number; delivery: ReturnType<typeof summarize> };
  loadClient: LoadClientStats;
}

/**
 * Connections: `simulated` registered agents held connected by ONE protocol-level load
 * client (bench/idle-agent-load.ts: long poll + heartbeat each, as apps/agent does). Measures the
 * service process idle (RSS, CPU from /proc, database connections), then the dispatch
 * latency (as bench/dispatch-latency.ts measures it) on `realAgents` real agent processes with the crowd still connected, and checks that
 * simulated agents receive and settle tasks too.
 */
export async function measureIdleConnections(options: IdleConnectionsOptions): Promise<IdleConnectionsResult> {
  assertOpenFilesLimit(2 * options.simulated + 500);
  const env = new BenchEnvironment();
  let loadClient: LoadClient | undefined;
  let db: Client | undefined;
  try {
    await env.startDatabase();
    await env.startServer({}, options.serverNodeArgs);
    const serverPid = env.children[0].pid!;
    const startRssMb = memoryOf(serverPid).rssMb;
    const registrationStarted = Date.now();
    const simulated = await registerMany(env, options.simulated);
    const registrationSeconds = (Date.now() - registrationStarted) / 1000;
    const peakAfter = { registration: memoryOf(serverPid).peakRssMb, connect: 0, idle: 0, dispatch: 0 };

    const connectStarted = Date.now();
    loadClient = new LoadClient(env.endpoint, simulated);
    // Connected: every simulated agent's first heartbeat answered and its long poll waiting.
    const connectDeadline = Date.now() + 60_000;
    for (let s = await loadClient.stats(); s.agentsUp < options.simulated || s.pollsWaiting < options.simulated; s = await loadClient.stats()) {
      if (Date.now() > connectDeadline) throw new Error(`load client never connected ${options.simulated} agents: ${JSON.stringify(s)}`);
      await sleep(200);
    }
    const connectSeconds = (Date.now() - connectStarted) / 1000;
    peakAfter.connect = memoryOf(serverPid).peakRssMb;
    await sleep(1000);

    db = new Client({ connectionString: env.databaseUrl });
    await db.connect();
    const idle = await measureIdle(db, serverPid, loadClient, options.idleSeconds);
    peakAfter.idle = memoryOf(serverPid).peakRssMb;
    await options.afterIdle?.(serverPid);

    const real = await env.startAgents(options.realAgents);
    const { CommandId } = await env.call('CreateCommand', {
      Name: 'bench-true',
      Type: 'RunShellScript',
      CommandContent: Buffer.from('true').toString('base64'),
    });
    await sleep(1000); // let every real agent settle into its long poll
    const dispatch = await dispatchLatency(env, real, CommandId, options.samples);
    const simulatedTasks = await invokeSimulated(env, loadClient, simulated.slice(0, options.simulatedChecks), CommandId);
    const { peakRssMb } = memoryOf(serverPid);
    peakAfter.dispatch = peakRssMb;
    return {
      simulated: options.simulated,
      realAgents: options.realAgents,
      registrationSeconds,
      connectSeconds,
      startRssMb,
      peakAfter,
      idle,
      peakRssMb,
      dispatch,
      simulatedTasks,
      loadClient: await loadClient.stats(),
    };
  } finally {
    await db?.end().catch(() => undefined);
    loadClient?.stop();
    // A profile (--cpu-prof) is written only by a process that exits by itself.
    if (options.serverNodeArgs?.length) await stopGracefully(env.children[0]);
    await env.close();
  }
}

/** `count` managed instances, registered as agents do (POST /agent/register), in parallel over a few activations. */
async function registerMany(env: BenchEnvironment, count: number): Promise<SimulatedAgent[]> {
  const activations: Array<{ ActivationId: string; ActivationCode: string }> = [];
  for (let a = 0; a < REGISTRATION_CONCURRENCY; a++) {
    activations.push(
      await env.call<{ ActivationId: string; ActivationCode: string }>('CreateActivation', {
        InstanceCount: String(Math.ceil(count / REGISTRATION_CONCURRENCY)),
      }),
    );
  }
  const agents = new Array<SimulatedAgent>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) {
      const activation = activations[i % REGISTRATION_CONCURRENCY];
      const body = await env.registerInstance(activation, `sim-${i}`);
      agents[i] = { instanceId: body.InstanceId, accessKeyId: body.AccessKeyId, accessKeySecret: body.AccessKeySecret };
    }
  };
  await Promise.all(Array.from({ length: REGISTRATION_CONCURRENCY }, worker));
  return agents;
}

/** Over `seconds` of idleness: CPU from /proc/<pid>/stat deltas, RSS at the end, connections sampled each second. */
async function measureIdle(db: Client, serverPid: number, loadClient: LoadClient, seconds: number): Promise<IdleConnectionsResult['idle']> {
  const backendPids = async (): Promise<number[]> =>
    (await db.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'cloud-assistant%'`)).rows.map(
      (r: { pid: number }) => r.pid,
    );
  const startBackends = await backendPids();
  const transactions = async (): Promise<number> =>
    Number((await db.query<{ n: string }>(`SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()`)).rows[0].n);
  const before = {
    transactions: await transactions(),
    at: Date.now(),
    server: cpuTicks(serverPid),
    client: cpuTicks(loadClient.pid),
    db: sumTicks(startBackends),
    stats: await loadClient.stats(),
  };
  let poolOpen = 0;
  let poolActiveMax = 0;
  let listeners = 0;
  let serverFds = 0;
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    await sleep(1000);
    const rows = (
      await db.query(
        `SELECT application_name, state, count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND application_name LIKE 'cloud-assistant%' GROUP BY 1, 2`,
      )
    ).rows as Array<{ application_name: string; state: string; n: number }>;
    const pool = rows.filter((r) => r.application_name === 'cloud-assistant');
    poolOpen = Math.max(
      poolOpen,
      pool.reduce((sum, r) => sum + r.n, 0),
    );
    poolActiveMax = Math.max(
      poolActiveMax,
      pool.filter((r) => r.state === 'active').reduce((sum, r) => sum + r.n, 0),
    );
    listeners = rows.filter((r) => r.application_name === 'cloud-assistant-listen').reduce((sum, r) => sum + r.n, 0);
    serverFds = Math.max(serverFds, readdirSync(`/proc/${serverPid}/fd`).length);
  }
  const after = {
    transactions: await transactions(),
    at: Date.now(),
    server: cpuTicks(serverPid),
    client: cpuTicks(loadClient.pid),
    db: sumTicks(startBackends),
    stats: await loadClient.stats(),
  };
  const elapsed = (after.at - before.at) / 1000;
  const percent = (ticks: number): number => (100 * ticks) / CLOCK_TICKS / elapsed;
  return {
    seconds: elapsed,
    rssMb: memoryOf(serverPid).rssMb,
    serverCpuPercent: percent(after.server - before.server),
    databaseCpuPercent: percent(after.db - before.db),
    loadClientCpuPercent: percent(after.client - before.client),
    // Less this client's own sampling: one statement a second.
    transactionsPerSecond: (after.transactions - before.transactions) / elapsed - 1,
    heartbeatsPerSecond: (after.stats.heartbeats - before.stats.heartbeats) / elapsed,
    pollsPerSecond: (after.stats.polls - before.stats.polls) / elapsed,
    serverFds,
    poolOpen,
    poolActiveMax,
    listeners,
  };
}

/** Scenario 2's loop (bench/dispatch-latency.ts): `true` on one real agent at a time, response → process spawned. */
async function dispatchLatency(env: BenchEnvironment, agents: BenchAgent[], commandId: string, samples: number): Promise<IdleConnectionsResult['dispatch']> {
  const afterResponse: number[] = [];
  const delivery: number[] = [];
  for (let i = 0; i < samples; i++) {
    const agent = agents[i % agents.length];
    const { InvokeId } = await env.call('InvokeCommand', { CommandId: commandId, InstanceIds: JSON.stringify([agent.instanceId]) });
    const answered = nowMs();
    let times: { received: number; started: number } | undefined;
    const deadline = Date.now() + 10_000;
    await sleep(40); // reading the agent's log hard would steal the CPU being measured
    while ((times = agent.startTimes().get(InvokeId)) === undefined) {
      if (Date.now() > deadline) throw new Error(`invocation ${InvokeId} never started on ${agent.instanceId}`);
      await sleep(10);
    }
    afterResponse.push(times.started - answered);
    delivery.push(times.received - answered);
    await sleep(5 + Math.random() * 10);
  }
  return { samples, afterResponse: summarize(afterResponse), delivery: summarize(delivery) };
}

/** `true` on simulated agents, one at a time: each must be received, finished, and its record Success. */
async function invokeSimulated(
  env: BenchEnvironment,
  loadClient: LoadClient,
  agents: SimulatedAgent[],
  commandId: string,
): Promise<IdleConnectionsResult['simulatedTasks']> {
  const delivery: number[] = [];
  const invokeIds: string[] = [];
  for (const agent of agents) {
    const received = loadClient.nextTask(agent.instanceId);
    const { InvokeId } = await env.call('InvokeCommand', { CommandId: commandId, InstanceIds: JSON.stringify([agent.instanceId]) });
    const answered = nowMs();
    const task = await received;
    if (task.invokeId !== InvokeId) throw new Error(`${agent.instanceId} received ${task.invokeId}, expected ${InvokeId}`);
    delivery.push(task.receivedAt - answered);
    await loadClient.finished(task.recordId);
    invokeIds.push(InvokeId);
  }
  let succeeded = 0;
  for (const invokeId of invokeIds) {
    const body = await env.call<{ Invocation?: { InvocationResults?: { InvocationResult?: Array<{ InvocationStatus: string }> } } }>(
      'DescribeInvocationResults',
      {
        InvokeId: invokeId,
      },
    );
    const results = body.Invocation?.InvocationResults?.InvocationResult ?? [];
    if (results.length === 1 && results[0].InvocationStatus === 'Success') succeeded++;
  }
  return { invoked: agents.length, received: delivery.length, succeeded, delivery: summarize(delivery) };
}

async function stopGracefully(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(20_000)]);
}

export const idleConnectionsScenario: BenchScenario = {
  name: 'connections',
  async run({ quick, log }) {
    const serverNodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean);
    const r = await measureIdleConnections(
      quick
        ? { simulated: 1000, idleSeconds: 6, realAgents: 5, samples: 40, simulatedChecks: 3, serverNodeArgs }
        : { simulated: 1000, idleSeconds: 20, realAgents: 10, samples: 300, simulatedChecks: 10, serverNodeArgs },
    );
    const i = r.idle;
    const p = r.peakAfter;
    log(
      `peak RSS after registration ${p.registration.toFixed(0)} MB, connect ${p.connect.toFixed(0)} MB, idle ${p.idle.toFixed(0)} MB, dispatch ${p.dispatch.toFixed(0)} MB`,
    );
    log(
      `registered ${r.simulated} agents in ${r.registrationSeconds.toFixed(1)} s, connected in ${r.connectSeconds.toFixed(1)} s; load client ${i.loadClientCpuPercent.toFixed(0)}% CPU, ${r.loadClient.errors} failed calls ${JSON.stringify(r.loadClient.errorKinds)}`,
    );
    const d = r.dispatch.afterResponse;
    return [
      {
        scenario: `Connections: service RSS idle, ${r.simulated} agents connected (long poll + heartbeat each, ${i.seconds.toFixed(0)} s)`,
        ours: `${i.rssMb.toFixed(0)} MB (${r.startRssMb.toFixed(0)} MB before any agent)`,
        target: 'RSS ≤ 300 MB',
        met: i.rssMb <= 300,
      },
      {
        scenario: '  peak RSS over the scenario (registration, idle, dispatch)',
        ours: `${r.peakRssMb.toFixed(0)} MB`,
        target: '≤ 300 MB',
        met: r.peakRssMb <= 300,
      },
      {
        scenario: `  CPU while idle (${i.heartbeatsPerSecond.toFixed(0)} heartbeats/s, ${i.pollsPerSecond.toFixed(0)} polls answered/s)`,
        ours: `service ${i.serverCpuPercent.toFixed(1)}% of a core, its PostgreSQL backends ${i.databaseCpuPercent.toFixed(1)}%; ${i.transactionsPerSecond.toFixed(0)} transactions/s`,
      },
      {
        scenario: '  database connections while idle',
        ours: `${i.poolOpen} pooled open, at most ${i.poolActiveMax} active; ${i.listeners} LISTEN; ${i.serverFds} fds in the service`,
      },
      {
        scenario: `Dispatch latency with ${r.simulated} idle agents connected (${r.realAgents} real agents, n=${r.dispatch.samples}), response → process started`,
        ours: `p50 ${ms(d.p50)}, p90 ${ms(d.p90)}, p99 ${ms(d.p99)}`,
        target: 'p50 ≤ 10 ms, p99 ≤ 50 ms',
        met: d.p50 <= 10 && d.p99 <= 50,
      },
      { scenario: '  of which: response → task received by the agent', ours: `p50 ${ms(r.dispatch.delivery.p50)}, p99 ${ms(r.dispatch.delivery.p99)}` },
      {
        scenario: '  simulated agents: tasks received, records Success',
        ours: `${r.simulatedTasks.received}/${r.simulatedTasks.invoked} received (p50 ${ms(r.simulatedTasks.delivery.p50)} after response), ${r.simulatedTasks.succeeded} Success`,
        target: 'all received and Success',
        met: r.simulatedTasks.received === r.simulatedTasks.invoked && r.simulatedTasks.succeeded === r.simulatedTasks.invoked,
      },
    ];
  },
};
