import { Client } from 'pg';
import { childrenNamed, treeCpuMs } from './process-cpu';
import { BenchEnvironment, nowMs, sleep, summarize } from './support';
import { BenchScenario, ms } from './table';

export interface FanOutResult {
  agents: number;
  repeats: number;
  /** InvokeCommand response → the last of the N commands ran its first statement, ms, one value per repeat. */
  allStarted: ReturnType<typeof summarize>;
  /** InvokeCommand response → each command's first statement, ms, N values per repeat. */
  perAgent: ReturnType<typeof summarize>;
  /** As allStarted, by the agents' logs (process started). */
  allSpawned: ReturnType<typeof summarize>;
  invokeCall: ReturnType<typeof summarize>;
  /** CPU ms per fan-out (invoke to all finished): the service, all agents (with their commands), PostgreSQL (embedded only). */
  cpuPerFanOut: { server: number; agents: number; postgres?: number };
}

/**
 * Fan-out: one invocation to every one of `agents` connected agents, timed
 * from the InvokeCommand response to the moment each command ran (it prints $EPOCHREALTIME, a
 * bash builtin: same clock, no extra process), and to each agent's spawn (its executions.log).
 * The next repeat starts once every record of the previous one has finished.
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
      const { CommandId } = await env.call('CreateCommand', {
        Name: 'bench-clock',
        Type: 'RunShellScript',
        CommandContent: Buffer.from('echo $EPOCHREALTIME').toString('base64'),
      });
      const instanceIds = JSON.stringify(agents.map((a) => a.instanceId));
      await sleep(1000); // let every agent settle into its long poll
      const allStarted: number[] = [];
      const perAgent: number[] = [];
      const allSpawned: number[] = [];
      const invokeCall: number[] = [];
      const pids = env.children.map((c) => c.pid!);
      const postgres = childrenNamed(process.pid, 'postgres');
      const cpuBefore = treeCpuMs([...pids, ...postgres]);
      for (let r = 0; r < options.repeats; r++) {
        const sent = nowMs();
        const { InvokeId } = await env.call('InvokeCommand', { CommandId, InstanceIds: instanceIds });
        const answered = nowMs();
        invokeCall.push(answered - sent);
        // Wait for every record to finish before reading 100 logs: reading them sooner would
        // compete for the CPU with the spawns being measured.
        await untilFinished(db, InvokeId);
        const spawns = agents.map((agent) => {
          const times = agent.startTimes().get(InvokeId);
          if (!times) throw new Error(`invocation ${InvokeId} finished without running on ${agent.instanceId}`);
          return times.started - answered;
        });
        allSpawned.push(Math.max(...spawns));
        const { rows } = await db.query(`SELECT convert_from(output, 'UTF8') AS output FROM invocation_records WHERE invoke_id = $1`, [InvokeId]);
        const ran = (rows as Array<{ output: string }>).map((row) => Number(row.output.trim()) * 1000 - answered);
        perAgent.push(...ran);
        allStarted.push(Math.max(...ran));
        await sleep(100 + Math.random() * 50);
      }
      // Includes the pauses between repeats (idle heartbeats and polls: small next to a fan-out).
      const cpu = treeCpuMs([...pids, ...postgres]).map((after, i) => (after - cpuBefore[i]) / options.repeats);
      const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
      return {
        agents: options.agents,
        repeats: options.repeats,
        allStarted: summarize(allStarted),
        perAgent: summarize(perAgent),
        allSpawned: summarize(allSpawned),
        invokeCall: summarize(invokeCall),
        cpuPerFanOut: { server: cpu[0], agents: sum(cpu.slice(1, pids.length)), postgres: postgres.length > 0 ? sum(cpu.slice(pids.length)) : undefined },
      };
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
    const { rows } = await db.query(`SELECT count(*)::int AS open FROM invocation_records WHERE invoke_id = $1 AND status IN ('Pending', 'Running')`, [
      invokeId,
    ]);
    if ((rows[0] as { open: number }).open === 0) return;
    if (Date.now() > deadline) {
      const states = await db.query(`SELECT status, count(*)::int AS n FROM invocation_records WHERE invoke_id = $1 GROUP BY 1`, [invokeId]);
      throw new Error(`invocation ${invokeId} still running after 30 s: ${JSON.stringify(states.rows)}`);
    }
  }
}

export const fanOutScenario: BenchScenario = {
  name: 'fanout',
  async run({ quick, log }) {
    const f = await measureFanOut(quick ? { agents: 20, repeats: 5 } : { agents: 100, repeats: 20 });
    const cpu = f.cpuPerFanOut;
    const cpuText = `server ${ms(cpu.server)}, agents ${ms(cpu.agents)}${cpu.postgres === undefined ? '' : `, PostgreSQL ${ms(cpu.postgres)}`}`;
    log(`all started ${JSON.stringify(f.allStarted)}; per agent ${JSON.stringify(f.perAgent)}; CPU per fan-out ${cpuText}`);
    return [
      {
        scenario: `Fan-out: one InvokeCommand to ${f.agents} instances → all ${f.agents} commands ran their first statement (${f.agents} agents, ${f.repeats} repeats)`,
        ours: `p50 ${ms(f.allStarted.p50)}, p99 ${ms(f.allStarted.p99)}`,
        target: 'p50 ≤ 100 ms',
        met: f.allStarted.p50 <= 100,
      },
      { scenario: '  per agent: response → its command ran', ours: `p50 ${ms(f.perAgent.p50)}, p99 ${ms(f.perAgent.p99)}` },
      { scenario: "  all processes started, by the agents' logs", ours: `p50 ${ms(f.allSpawned.p50)}, p99 ${ms(f.allSpawned.p99)}` },
      { scenario: `  InvokeCommand round trip, ${f.agents} instances`, ours: `p50 ${ms(f.invokeCall.p50)}, p99 ${ms(f.invokeCall.p99)}` },
      { scenario: '  CPU time per fan-out, invoke to all finished (robust to a busy machine)', ours: cpuText },
    ];
  },
};
