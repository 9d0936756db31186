import { Client } from 'pg';
import { BenchEnvironment, nowMs, sleep, summarize } from './support';
import { BenchScenario, ms } from './table';

export interface FanOutResult {
  agents: number;
  repeats: number;
  /** InvokeCommand response → the last of the N processes spawned, ms, one value per repeat. */
  allStarted: ReturnType<typeof summarize>;
  /** InvokeCommand response → each agent's process spawned, ms, N values per repeat. */
  perAgent: ReturnType<typeof summarize>;
  invokeCall: ReturnType<typeof summarize>;
}

/**
 * Fan-out (issue 6, scenario 3): one invocation of `true` to every one of `agents` connected
 * agents, timed from the InvokeCommand response to each agent's spawn (its executions.log, same
 * clock). The next repeat starts once every record of the previous one has finished.
 */
export async function measureFanOut(options: { agents: number; repeats: number }): Promise<FanOutResult> {
  const env = new BenchEnvironment();
  try {
    await env.startDatabase();
    await env.startServer();
    const agents = await env.startAgents(options.agents);
    const db = new Client({ connectionString: env.databaseUrl });
    await db.connect();
    try {
      const { CommandId } = await env.call('CreateCommand', { Name: 'bench-true', Type: 'RunShellScript', CommandContent: Buffer.from('true').toString('base64') });
      const instanceIds = JSON.stringify(agents.map((a) => a.instanceId));
      await sleep(1000); // let every agent settle into its long poll
      const allStarted: number[] = [];
      const perAgent: number[] = [];
      const invokeCall: number[] = [];
      for (let r = 0; r < options.repeats; r++) {
        const sent = nowMs();
        const { InvokeId } = await env.call('InvokeCommand', { CommandId, InstanceIds: instanceIds });
        const answered = nowMs();
        invokeCall.push(answered - sent);
        // Wait for every record to finish before reading 100 logs: reading them sooner would
        // compete for the CPU with the spawns being measured.
        await untilFinished(db, InvokeId as string);
        const starts = agents.map((agent) => {
          const times = agent.startTimes().get(InvokeId);
          if (!times) throw new Error(`invocation ${InvokeId} finished without running on ${agent.instanceId}`);
          return times.started - answered;
        });
        perAgent.push(...starts);
        allStarted.push(Math.max(...starts));
        await sleep(100 + Math.random() * 50);
      }
      return { agents: options.agents, repeats: options.repeats, allStarted: summarize(allStarted), perAgent: summarize(perAgent), invokeCall: summarize(invokeCall) };
    } finally {
      await db.end();
    }
  } finally {
    await env.close();
  }
}

async function untilFinished(db: Client, invokeId: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    await sleep(100);
    const { rows } = await db.query(`SELECT count(*)::int AS open FROM invocation_records WHERE invoke_id = $1 AND status IN ('Pending', 'Running')`, [invokeId]);
    if ((rows[0] as { open: number }).open === 0) return;
    if (Date.now() > deadline) throw new Error(`invocation ${invokeId} still running after 30 s`);
  }
}

export const fanOutScenario: BenchScenario = {
  name: 'fanout',
  async run({ quick, log }) {
    const f = await measureFanOut(quick ? { agents: 20, repeats: 5 } : { agents: 100, repeats: 20 });
    log(`all started ${JSON.stringify(f.allStarted)}; per agent ${JSON.stringify(f.perAgent)}`);
    return [
      {
        scenario: `Fan-out: one InvokeCommand to ${f.agents} instances → all ${f.agents} processes spawned (${f.agents} agents, ${f.repeats} repeats)`,
        ours: `p50 ${ms(f.allStarted.p50)}, p99 ${ms(f.allStarted.p99)}`,
        target: 'p50 ≤ 100 ms',
        met: f.allStarted.p50 <= 100,
      },
      { scenario: '  per agent: response → its process spawned', ours: `p50 ${ms(f.perAgent.p50)}, p99 ${ms(f.perAgent.p99)}` },
      { scenario: `  InvokeCommand round trip, ${f.agents} instances`, ours: `p50 ${ms(f.invokeCall.p50)}, p99 ${ms(f.invokeCall.p99)}` },
    ];
  },
};
