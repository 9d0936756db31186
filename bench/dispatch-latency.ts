import { BenchEnvironment, nowMs, sleep, summarize } from './support';
import { BenchScenario, ms } from './table';

export interface DispatchLatencyResult {
  agents: number;
  samples: number;
  /** InvokeCommand response received → agent spawned the command's process, ms. */
  afterResponse: ReturnType<typeof summarize>;
  /** InvokeCommand request sent → process spawned, ms. */
  afterRequest: ReturnType<typeof summarize>;
  /** InvokeCommand response → task received by the agent, ms. */
  delivery: ReturnType<typeof summarize>;
  /** InvokeCommand round trip as the client sees it, ms. */
  invokeCall: ReturnType<typeof summarize>;
}

/**
 * Dispatch latency (issue 3/6): with `agents` real agent processes connected, invoke `true` on one
 * agent at a time and time the API response against the moment that agent spawned the process
 * (from its executions.log, same clock).
 */
export async function measureDispatchLatency(options: { agents: number; samples: number }): Promise<DispatchLatencyResult> {
  const env = new BenchEnvironment();
  try {
    await env.startDatabase();
    await env.startServer();
    const agents = await env.startAgents(options.agents);
    const { CommandId } = await env.call('CreateCommand', { Name: 'bench-true', Type: 'RunShellScript', CommandContent: Buffer.from('true').toString('base64') });
    await sleep(1000); // let every agent settle into its long poll
    const afterResponse: number[] = [];
    const afterRequest: number[] = [];
    const delivery: number[] = [];
    const invokeCall: number[] = [];
    for (let i = 0; i < options.samples; i++) {
      const agent = agents[i % agents.length];
      const sent = nowMs();
      const { InvokeId } = await env.call('InvokeCommand', { CommandId, InstanceIds: JSON.stringify([agent.instanceId]) });
      const answered = nowMs();
      let times: { received: number; started: number } | undefined;
      const deadline = Date.now() + 10_000;
      // Read the agent's log only after a pause: polling it hard would steal the CPU being measured.
      await sleep(40);
      while ((times = agent.startTimes().get(InvokeId)) === undefined) {
        if (Date.now() > deadline) throw new Error(`invocation ${InvokeId} never started on ${agent.instanceId}`);
        await sleep(10);
      }
      afterResponse.push(times.started - answered);
      afterRequest.push(times.started - sent);
      delivery.push(times.received - answered);
      invokeCall.push(answered - sent);
      await sleep(5 + Math.random() * 10);
    }
    return {
      agents: options.agents,
      samples: options.samples,
      afterResponse: summarize(afterResponse),
      afterRequest: summarize(afterRequest),
      delivery: summarize(delivery),
      invokeCall: summarize(invokeCall),
    };
  } finally {
    await env.close();
  }
}

export const dispatchLatencyScenario: BenchScenario = {
  name: 'dispatch',
  async run({ quick }) {
    const d = await measureDispatchLatency(quick ? { agents: 20, samples: 100 } : { agents: 100, samples: 500 });
    const r = d.afterResponse;
    return [
      {
        scenario: `Dispatch latency, InvokeCommand response → process started (${d.agents} agents, n=${d.samples})`,
        ours: `p50 ${ms(r.p50)}, p90 ${ms(r.p90)}, p99 ${ms(r.p99)}`,
        target: 'p50 ≤ 10 ms, p99 ≤ 50 ms',
        met: r.p50 <= 10 && r.p99 <= 50,
      },
      { scenario: '  of which: response → task received by the agent', ours: `p50 ${ms(d.delivery.p50)}, p99 ${ms(d.delivery.p99)}` },
      { scenario: '  InvokeCommand round trip (client view)', ours: `p50 ${ms(d.invokeCall.p50)}, p99 ${ms(d.invokeCall.p99)}` },
    ];
  },
};
