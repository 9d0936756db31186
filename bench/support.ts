import { AGENT_REGISTER_PATH, AgentRegisterResponse } from '@ca/protocol';
import { RpcClient } from '@ca/signing';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort, startEmbeddedPostgres } from '../apps/server/src/database/embedded-postgres';

export { freePort };

export const REPO = join(__dirname, '..', '..');
export const REGION = 'cn-hangzhou';
const KEY_ID = 'LTAIbenchadmin000000001';
const KEY_SECRET = 'bench-admin-secret-000000000001';

/** Everything a benchmark starts, stopped in reverse by `close`. Loopback only. */
export class BenchEnvironment {
  readonly children: ChildProcess[] = [];
  private stops: Array<() => Promise<void>> = [];
  databaseUrl = '';
  endpoint = '';
  admin!: RpcClient;

  /** A fresh database: on BENCH_DATABASE_URL's server when given, else an embedded PostgreSQL. */
  async startDatabase(): Promise<string> {
    let serverUrl = process.env.BENCH_DATABASE_URL;
    if (!serverUrl) {
      const dataDir = mkdtempSync(join(tmpdir(), 'ca-bench-pg-'));
      const pg = await startEmbeddedPostgres(dataDir);
      // The cluster's WAL outlives the dropped database: a million-record run leaves a gigabyte.
      this.stops.push(async () => {
        await pg.stop();
        rmSync(dataDir, { recursive: true, force: true });
      });
      serverUrl = pg.url;
    }
    const name = `ca_bench_${process.pid}_${Date.now()}`;
    const admin = new Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    this.stops.push(async () => {
      const c = new Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    });
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    this.databaseUrl = url.toString();
    return this.databaseUrl;
  }

  /** The service as its own process, as in production. */
  async startServer(env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<void> {
    const port = await freePort();
    const child = await this.spawnUntil('apps/server/src/main.js', [], /API listening on/, nodeArgs, {
      DATABASE_URL: this.databaseUrl,
      PORT: String(port),
      DATA_DIR: mkdtempSync(join(tmpdir(), 'ca-bench-data-')),
      BOOTSTRAP_ACCESS_KEY_ID: KEY_ID,
      BOOTSTRAP_ACCESS_KEY_SECRET: KEY_SECRET,
      // The whole simulated fleet registers from one loopback address, which the per-address
      // registration limit would otherwise take for an enrolment flood.
      REGISTRATION_ATTEMPTS_PER_ADDRESS: '0',
      ...env,
    });
    void child;
    this.endpoint = `http://127.0.0.1:${port}`;
    this.admin = new RpcClient({ endpoint: this.endpoint, accessKeyId: KEY_ID, accessKeySecret: KEY_SECRET });
  }

  /** A signed admin call; `T` is the answer's shape (ids and names are strings by default). */
  async call<T = Record<string, string>>(action: string, params: Record<string, string>): Promise<T> {
    const response = await this.admin.call(action, { RegionId: REGION, ...params });
    if (response.status !== 200) throw new Error(`${action}: ${JSON.stringify(response.body)}`);
    return response.body as T;
  }

  /** Registers one managed instance with an activation, as `agent register` does; refuses a failure. */
  async registerInstance(activation: Record<string, string>, hostname: string): Promise<AgentRegisterResponse> {
    const response = await fetch(this.endpoint + AGENT_REGISTER_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        regionId: REGION,
        activationId: activation.ActivationId,
        activationCode: activation.ActivationCode,
        hostname,
        osType: 'linux',
        agentVersion: 'bench',
      }),
    });
    const body = (await response.json()) as AgentRegisterResponse;
    if (!response.ok || !body.InstanceId) throw new Error(`registration of ${hostname} failed: ${JSON.stringify(body)}`);
    return body;
  }

  /** Registers one managed instance and writes an agent state directory for it, as `agent register` would. */
  async registerAgentState(activation: Record<string, string>, hostname: string): Promise<BenchAgent> {
    const body = await this.registerInstance(activation, hostname);
    const stateDir = mkdtempSync(join(tmpdir(), 'ca-bench-agent-'));
    writeFileSync(
      join(stateDir, 'credentials.json'),
      JSON.stringify({
        server: this.endpoint,
        regionId: REGION,
        instanceId: body.InstanceId,
        accessKeyId: body.AccessKeyId,
        accessKeySecret: body.AccessKeySecret,
      }),
      { mode: 0o600 },
    );
    return new BenchAgent(body.InstanceId, stateDir);
  }

  /** Registers `count` agents (new managed instances) and starts a real agent process for each. */
  async startAgents(count: number): Promise<BenchAgent[]> {
    const activation = await this.call('CreateActivation', { InstanceCount: String(Math.max(count, 1)) });
    const agents: BenchAgent[] = [];
    for (let i = 0; i < count; i++) agents.push(await this.registerAgentState(activation, `bench-${i}`));
    // Start in small batches: 2 cores, each agent a Node process.
    for (let i = 0; i < agents.length; i += 10) {
      await Promise.all(agents.slice(i, i + 10).map((a) => this.spawnUntil('apps/agent/src/main.js', ['run', '--state-dir', a.stateDir], /agent .* for /)));
    }
    return agents;
  }

  async close(): Promise<void> {
    for (const child of this.children.reverse()) if (child.exitCode === null) child.kill('SIGKILL');
    for (const stop of this.stops.reverse()) await stop().catch(() => undefined);
  }

  private spawnUntil(entry: string, args: string[], ready: RegExp, nodeArgs: string[] = [], env: Record<string, string> = {}): Promise<ChildProcess> {
    return this.spawnExecutable(process.execPath, [...nodeArgs, join(REPO, 'dist', entry), ...args], ready, env);
  }

  /** Any executable (e.g. the agent's self-contained one), killed at close(); resolves once its output matches `ready`. */
  spawnExecutable(file: string, args: string[], ready: RegExp, env: Record<string, string> = {}): Promise<ChildProcess> {
    const entry = args.find((arg) => arg.endsWith('.js')) ?? file;
    return new Promise((resolve, reject) => {
      const child = spawn(file, args, {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      this.children.push(child);
      let output = '';
      const timer = setTimeout(() => reject(new Error(`${entry} not ready:\n${output}`)), 60_000);
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        if (ready.test(output)) {
          clearTimeout(timer);
          output = '';
          child.stdout.removeListener('data', onData);
          child.stderr.removeListener('data', onData);
          child.stdout.resume();
          child.stderr.resume();
          resolve(child);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('exit', (code) => reject(new Error(`${entry} exited with ${code}:\n${output}`)));
    });
  }
}

export class BenchAgent {
  constructor(
    readonly instanceId: string,
    readonly stateDir: string,
  ) {}

  /** invoke id → when the agent received the task and when it spawned its process (epoch ms). */
  startTimes(): Map<string, { received: number; started: number }> {
    let text = '';
    try {
      text = readFileSync(join(this.stateDir, 'executions.log'), 'utf8');
    } catch {
      return new Map();
    }
    const times = new Map<string, { received: number; started: number }>();
    for (const line of text.trim().split('\n').filter(Boolean)) {
      const [at, , invokeId, received] = line.split(' ');
      times.set(invokeId, { started: Number(at), received: Number(received) });
    }
    return times;
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export function summarize(values: number[]): { n: number; p50: number; p90: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] };
}

export const nowMs = (): number => performance.timeOrigin + performance.now();
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
