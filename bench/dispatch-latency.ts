import { BenchEnvironment, nowMs, sleep, summarize } from './support';

export interface DispatchLatencyResult {
  agents: number;
  samples: number;
  /** InvokeCommand response received → agent spawned the command's process, ms. */
  afterResponse: ReturnType<typeof summarize>;
  /** InvokeCommand request sent → process spawned, ms. */
  afterRequest: ReturnType<typeof summarize>;
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
    for (let i = 0; i < options.samples; i++) {
      const agent = agents[i % agents.length];
      const sent = nowMs();
      const { InvokeId } = await env.call('InvokeCommand', { CommandId, InstanceIds: JSON.stringify([agent.instanceId]) });
      const answered = nowMs();
      let started: number | undefined;
      const deadline = Date.now() + 10_000;
      while ((started = agent.startTimes().get(InvokeId)) === undefined) {
        if (Date.now() > deadline) throw new Error(`invocation ${InvokeId} never started on ${agent.instanceId}`);
        await sleep(2);
      }
      afterResponse.push(started - answered);
      afterRequest.push(started - sent);
      await sleep(5 + Math.random() * 10);
    }
    return { agents: options.agents, samples: options.samples, afterResponse: summarize(afterResponse), afterRequest: summarize(afterRequest) };
  } finally {
    await env.close();
  }
}
