import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { Logger, makeWorkerUtils } from 'graphile-worker';
import { Client } from 'pg';
import { BenchEnvironment, nowMs, sleep, summarize } from './support';
import { BenchScenario, ms } from './table';

type Summary = ReturnType<typeof summarize>;

export interface DispatchLatencyResult {
  agents: number;
  samples: number;
  /** InvokeCommand response received → the command's first statement ran ($EPOCHREALTIME), ms. */
  commandRan: Summary;
  /** InvokeCommand response received → agent started the command's process (its log), ms. */
  afterResponse: Summary;
  /** InvokeCommand request sent → process spawned, ms. */
  afterRequest: Summary;
  /** InvokeCommand response → task received by the agent, ms. */
  delivery: Summary;
  /** InvokeCommand round trip as the client sees it, ms. */
  invokeCall: Summary;
  graphile: {
    /** addJob resolved → task handler started in the worker process, ms. */
    afterAdd: Summary;
    /** addJob round trip, ms. */
    addCall: Summary;
  };
  /** A bare spawn of bash from a fresh Node process: call → 'spawn' event, and → first output. */
  bareSpawn: { toSpawned: Summary; toOutput: Summary };
}

/** Between samples, as for a person or pipeline issuing commands one after another. */
const pause = (): Promise<void> => sleep(5 + Math.random() * 10);
/** Read results only after this long: polling the agent's log hard would steal the CPU being measured. */
const SETTLE_MS = 40;

/**
 * Dispatch latency: with `agents` real agent processes connected, invoke
 * `true` on one agent at a time and time the API response against the moment that agent spawned
 * the process (from its executions.log, same clock). In the same run, on the same PostgreSQL:
 * graphile-worker 0.17 (addJob resolved → handler started, as shipped: LISTEN/NOTIFY) and the
 * floor, what a bare spawn of bash costs a Node process on this machine.
 */
export async function measureDispatchLatency(options: { agents: number; samples: number }): Promise<DispatchLatencyResult> {
  const env = new BenchEnvironment();
  try {
    await env.startDatabase();
    await env.startServer();
    const agents = await env.startAgents(options.agents);
    // The command reports when it ran, by the same clock, at no cost: a bash builtin variable.
    const { CommandId } = await env.call('CreateCommand', {
      Name: 'bench-clock',
      Type: 'RunShellScript',
      CommandContent: Buffer.from('echo $EPOCHREALTIME').toString('base64'),
    });
    await sleep(1000); // let every agent settle into its long poll
    const afterResponse: number[] = [];
    const afterRequest: number[] = [];
    const delivery: number[] = [];
    const invokeCall: number[] = [];
    const answeredAt = new Map<string, number>();
    for (let i = 0; i < options.samples; i++) {
      const agent = agents[i % agents.length];
      const sent = nowMs();
      const { InvokeId } = await env.call('InvokeCommand', { CommandId, InstanceIds: JSON.stringify([agent.instanceId]) });
      const answered = nowMs();
      answeredAt.set(InvokeId, answered);
      let times: { received: number; started: number } | undefined;
      const deadline = Date.now() + 10_000;
      await sleep(SETTLE_MS);
      while ((times = agent.startTimes().get(InvokeId)) === undefined) {
        if (Date.now() > deadline) throw new Error(`invocation ${InvokeId} never started on ${agent.instanceId}`);
        await sleep(10);
      }
      afterResponse.push(times.started - answered);
      afterRequest.push(times.started - sent);
      delivery.push(times.received - answered);
      invokeCall.push(answered - sent);
      await pause();
    }
    const commandRan = await commandStartTimes(env.databaseUrl, answeredAt);
    const graphile = await measureGraphileWorker(env.databaseUrl, options.samples);
    const bareSpawn = await measureBareSpawn(options.samples);
    return {
      agents: options.agents,
      samples: options.samples,
      commandRan: summarize(commandRan),
      afterResponse: summarize(afterResponse),
      afterRequest: summarize(afterRequest),
      delivery: summarize(delivery),
      invokeCall: summarize(invokeCall),
      graphile,
      bareSpawn,
    };
  } finally {
    await env.close();
  }
}

/** Response → the time each command printed, once every run has reported its output. */
async function commandStartTimes(databaseUrl: string, answeredAt: Map<string, number>): Promise<number[]> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { rows } = await db.query(`SELECT count(*)::int AS open FROM invocation_records WHERE status IN ('Pending', 'Running')`);
      if ((rows[0] as { open: number }).open === 0) break;
      if (Date.now() > deadline) throw new Error('runs still open 30 s after the last sample');
      await sleep(100);
    }
    const { rows } = await db.query(`SELECT invoke_id, convert_from(output, 'UTF8') AS output FROM invocation_records`);
    return (rows as Array<{ invoke_id: string; output: string }>).map((row) => Number(row.output.trim()) * 1000 - answeredAt.get(row.invoke_id)!);
  } finally {
    await db.end();
  }
}

const WORKER = join(__dirname, 'dispatch-reference-worker.js');

/** The reference: a graphile-worker runner in its own process, jobs added one at a time with the same pacing. */
async function measureGraphileWorker(databaseUrl: string, samples: number): Promise<DispatchLatencyResult['graphile']> {
  const worker = fork(WORKER, ['graphile', databaseUrl], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const started = new Map<string, number>();
  const waiting = new Map<string, () => void>();
  worker.on('message', (message: { id: string; started: number }) => {
    if (!message.id) return;
    started.set(message.id, message.started);
    waiting.get(message.id)?.();
  });
  const utils = await makeWorkerUtils({ connectionString: databaseUrl, logger: new Logger(() => () => undefined) });
  try {
    await messageFrom(worker, (m) => (m as { ready?: boolean }).ready === true);
    const handlerStarted = (id: string): Promise<void> =>
      new Promise((resolve, reject) => {
        if (started.has(id)) return resolve();
        const timer = setTimeout(() => reject(new Error(`graphile job ${id} never started`)), 10_000);
        waiting.set(id, () => {
          clearTimeout(timer);
          resolve();
        });
      });
    // Warm-up, not counted: the worker's first job compiles its paths, as our agents' first polls do.
    for (let i = 0; i < 5; i++) {
      await utils.addJob('bench', { id: `warm-${i}` });
      await handlerStarted(`warm-${i}`);
    }
    const afterAdd: number[] = [];
    const addCall: number[] = [];
    for (let i = 0; i < samples; i++) {
      const id = `job-${i}`;
      const sent = nowMs();
      await utils.addJob('bench', { id });
      const added = nowMs();
      await Promise.all([handlerStarted(id), sleep(SETTLE_MS)]);
      afterAdd.push(started.get(id)! - added);
      addCall.push(added - sent);
      await pause();
    }
    return { afterAdd: summarize(afterAdd), addCall: summarize(addCall) };
  } finally {
    await utils.release();
    worker.disconnect();
    await new Promise((resolve) => worker.once('exit', resolve));
  }
}

async function measureBareSpawn(samples: number): Promise<DispatchLatencyResult['bareSpawn']> {
  const child = fork(WORKER, ['spawn', String(samples)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const result = (await messageFrom(child, () => true)) as { toSpawned: number[]; toOutput: number[] };
  await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
  return { toSpawned: summarize(result.toSpawned), toOutput: summarize(result.toOutput) };
}

function messageFrom(child: ChildProcess, accept: (message: unknown) => boolean): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown): void => {
      if (!accept(message)) return;
      child.off('message', onMessage);
      resolve(message);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`reference worker exited with ${code}`)));
  });
}

const p50p99 = (s: Summary): string => `p50 ${ms(s.p50)}, p99 ${ms(s.p99)}`;

export const dispatchLatencyScenario: BenchScenario = {
  name: 'dispatch',
  async run({ quick, log }) {
    const d = await measureDispatchLatency(quick ? { agents: 20, samples: 60 } : { agents: 100, samples: 500 });
    const ours = d.commandRan;
    const ref = d.graphile.afterAdd;
    log(
      `command ran ${JSON.stringify(ours)}; process started ${JSON.stringify(d.afterResponse)}; graphile-worker ${JSON.stringify(ref)}; bare spawn ${JSON.stringify(d.bareSpawn.toOutput)}`,
    );
    return [
      {
        scenario: `Dispatch latency: InvokeCommand response → the command's first statement ran on the agent (${d.agents} agents, n=${d.samples}; ratio of p50s)`,
        ours: `p50 ${ms(ours.p50)}, p90 ${ms(ours.p90)}, p99 ${ms(ours.p99)}`,
        reference: `graphile-worker 0.17, addJob resolved → JS handler started: p50 ${ms(ref.p50)}, p90 ${ms(ref.p90)}, p99 ${ms(ref.p99)}`,
        ratio: ref.p50 / ours.p50,
        target: 'p50 ≤ 10 ms, p99 ≤ 50 ms, not slower than reference',
        met: ours.p50 <= 10 && ours.p99 <= 50 && ours.p50 <= ref.p50 && ours.p99 <= ref.p99,
      },
      { scenario: '  of which: response → task received by the agent', ours: p50p99(d.delivery) },
      { scenario: '  of which: response → process started (agent log)', ours: p50p99(d.afterResponse) },
      {
        scenario: '  floor: a bare spawn() of bash from Node (ours runs a real process; graphile calls a JS function)',
        reference: `spawn() → 'spawn' event: ${p50p99(d.bareSpawn.toSpawned)}; → first output: ${p50p99(d.bareSpawn.toOutput)}`,
        ours: '',
      },
      { scenario: '  InvokeCommand round trip (client view) vs addJob round trip', ours: p50p99(d.invokeCall), reference: p50p99(d.graphile.addCall) },
    ];
  },
};
