import { AGENT_VERSION, AgentActions, AgentPollResponse, HEARTBEAT_INTERVAL_SECONDS } from '@ca/protocol';
import { RpcClient } from '@ca/signing';
import { Agent, request } from 'node:http';

/**
 * The protocol-level load client of the connections benchmark: ONE process
 * speaking the real agent protocol for many registered instances, as apps/agent does: signed
 * V1 calls, AgentHeartbeat every HEARTBEAT_INTERVAL_SECONDS, an AgentPollTasks long poll
 * (WaitSeconds 20, as the agent sends) re-sent as soon as it is answered, carrying the Acks of the
 * tasks it received. A task is "run" at once: it is reported to the parent and finished
 * (AgentFinishTask Success, exit code 0, no output), so its record settles like a real one.
 *
 * Each simulated agent has its own keep-alive connection pool, as each agent process has: its
 * long poll and its heartbeat each hold a socket (the service's Keep-Alive hint outlives the
 * 10 s between heartbeats). Started by bench/idle-connections.ts with `fork`; talks over IPC.
 */

/** apps/agent/src/agent-runner.ts POLL_WAIT_SECONDS. */
const POLL_WAIT_SECONDS = 20;
/** The simulated agents start spread over this long, as a fleet's machines come up, not in one instant. */
const START_RAMP_MS = 3000;

export interface SimulatedAgent {
  instanceId: string;
  accessKeyId: string;
  accessKeySecret: string;
}

export type LoadClientCommand = { type: 'start'; endpoint: string; agents: SimulatedAgent[] } | { type: 'stats' } | { type: 'stop' };

export interface LoadClientStats {
  /** Simulated agents whose first heartbeat was answered: the service knows them all once this is all of them. */
  agentsUp: number;
  /** Long polls sent and not yet answered. */
  pollsWaiting: number;
  polls: number;
  heartbeats: number;
  finishes: number;
  errors: number;
  /** Failed calls by kind (message, up to its first digits). */
  errorKinds: Record<string, number>;
}

export type LoadClientEvent =
  | { type: 'stats'; stats: LoadClientStats }
  | { type: 'task'; instanceId: string; invokeId: string; recordId: string; receivedAt: number }
  | { type: 'finished'; recordId: string };

const stats: LoadClientStats = { agentsUp: 0, pollsWaiting: 0, polls: 0, heartbeats: 0, finishes: 0, errors: 0, errorKinds: {} };
let stopped = false;
const send = (event: LoadClientEvent): void => void process.send?.(event);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class AgentSimulation {
  private readonly signer: RpcClient;
  private readonly pool = new Agent({ keepAlive: true });
  private readonly unacknowledged = new Set<string>();

  constructor(
    private readonly endpoint: URL,
    private readonly agent: SimulatedAgent,
  ) {
    this.signer = new RpcClient({ endpoint: endpoint.origin, accessKeyId: agent.accessKeyId, accessKeySecret: agent.accessKeySecret });
  }

  /**
   * Like the agent: a heartbeat and a long poll at once. Then a steady state at once: a fleet's
   * agents started at different times, so their heartbeats and poll expiries are spread evenly,
   * not lined up by this bench's start. The second heartbeat comes at a random point of its
   * interval and the first poll waits a random part of the usual 20 s; every later one is
   * exactly what the agent sends.
   */
  start(): void {
    void this.heartbeatLoop(Math.random() * HEARTBEAT_INTERVAL_SECONDS * 1000);
    void this.pollLoop(1 + Math.floor(Math.random() * POLL_WAIT_SECONDS));
  }

  close(): void {
    this.pool.destroy();
  }

  private async heartbeatLoop(secondDelayMs: number): Promise<void> {
    let up = false;
    for (let beat = 0; !stopped; beat++) {
      try {
        await this.call(AgentActions.heartbeat, { AgentVersion: AGENT_VERSION, Hostname: `sim-${this.agent.instanceId}` });
        stats.heartbeats++;
        if (!up) stats.agentsUp++;
        up = true;
      } catch (error) {
        failed(error);
      }
      await sleep(beat === 0 ? secondDelayMs : HEARTBEAT_INTERVAL_SECONDS * 1000);
    }
  }

  private async pollLoop(firstWaitSeconds: number): Promise<void> {
    let wait = firstWaitSeconds;
    while (!stopped) {
      const acks = [...this.unacknowledged];
      stats.pollsWaiting++;
      try {
        const work = await this.call<AgentPollResponse>(AgentActions.poll, { WaitSeconds: String(wait), Acks: acks.join(',') });
        const receivedAt = performance.timeOrigin + performance.now();
        stats.polls++;
        for (const id of acks) this.unacknowledged.delete(id);
        for (const task of work.Tasks) {
          this.unacknowledged.add(task.RecordId);
          send({ type: 'task', instanceId: this.agent.instanceId, invokeId: task.InvokeId, recordId: task.RecordId, receivedAt });
          void this.finish(task.RecordId);
        }
      } catch (error) {
        failed(error);
        await sleep(1000);
      } finally {
        stats.pollsWaiting--;
      }
      wait = POLL_WAIT_SECONDS;
    }
  }

  /** What the agent reports for `true`: Success, exit code 0, no output, retried until accepted. */
  private async finish(recordId: string): Promise<void> {
    const params = { RecordId: recordId, Status: 'Success', ExitCode: '0', OutputBytes: '0', FinishedTime: new Date().toISOString(), Offset: '0', Output: '' };
    for (let attempt = 0; !stopped; attempt++) {
      try {
        await this.call(AgentActions.finish, params);
        stats.finishes++;
        send({ type: 'finished', recordId });
        return;
      } catch (error) {
        failed(error);
        await sleep(Math.min(100 * 2 ** attempt, 5000));
      }
    }
  }

  /** A signed form POST like the agent's ServiceClient, on this agent's own connection pool. */
  private call<T = Record<string, unknown>>(action: string, params: Record<string, string>): Promise<T> {
    const body = this.signer.signedForm(action, params);
    return new Promise<T>((resolve, reject) => {
      const outgoing = request(
        {
          host: this.endpoint.hostname,
          port: this.endpoint.port,
          path: '/',
          method: 'POST',
          agent: this.pool,
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (response.statusCode !== 200) reject(new Error(`${action}: ${response.statusCode} ${text.slice(0, 200)}`));
            else resolve(JSON.parse(text) as T);
          });
          response.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }
}

function failed(error: unknown): void {
  if (stopped) return;
  stats.errors++;
  const kind = (error as Error).message.slice(0, 80).replace(/\{.*/, '');
  stats.errorKinds[kind] = (stats.errorKinds[kind] ?? 0) + 1;
}

const simulations: AgentSimulation[] = [];

process.on('message', (command: LoadClientCommand) => {
  switch (command.type) {
    case 'start': {
      const endpoint = new URL(command.endpoint);
      for (const agent of command.agents) simulations.push(new AgentSimulation(endpoint, agent));
      simulations.forEach((simulation, i) => setTimeout(() => simulation.start(), (i * START_RAMP_MS) / simulations.length));
      return;
    }
    case 'stats':
      send({ type: 'stats', stats: { ...stats, errorKinds: { ...stats.errorKinds } } });
      return;
    case 'stop':
      stopped = true;
      for (const simulation of simulations) simulation.close();
      process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
