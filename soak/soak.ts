import { nextFireTimes, storedFrequency } from '@ca/frequency';
import { AGENT_REGISTER_PATH } from '@ca/protocol';
import { RpcClient } from '@ca/signing';
import { ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { EmbeddedPostgresHandle, startEmbeddedPostgres } from '../apps/server/src/database/embedded-postgres';
import { runMigrations } from '../apps/server/src/database/migrate';
import { freePort } from '../bench/support';

const REPO = join(__dirname, '..', '..');
const REGION = 'cn-hangzhou';
const KEY = { accessKeyId: 'LTAIsoakadmin0000000001', accessKeySecret: 'soak-admin-secret-00000000001' };
const TIMED_FREQUENCY = '*/3 * * * * ?';
const SERVERS = 3;
const AGENTS = 20;
const TIMED_INVOCATIONS = 10;
const DELIVERY_TIMEOUT_SECONDS = 30;

type Log = (line: string) => void;
const random = (min: number, max: number): number => min + Math.random() * (max - min);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)];

class Managed {
  child?: ChildProcess;
  /** Exits the soak did not cause: a process that dies by itself (say, when PostgreSQL restarts) fails the audit. */
  unexpectedExits = 0;
  private stopping = false;
  constructor(
    readonly name: string,
    private readonly args: string[],
    private readonly env: Record<string, string>,
    private readonly ready: RegExp,
    /** Everything the process prints, across restarts, for the post-mortem of a failed audit. */
    private readonly logFile: string,
  ) {}

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(REPO, 'dist', ...this.args.slice(0, 1)), ...this.args.slice(1)], {
        env: { ...process.env, ...this.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      this.child = child;
      this.stopping = false;
      let output = '';
      const timer = setTimeout(() => reject(new Error(`${this.name} not ready:\n${output.slice(-2000)}`)), 60_000);
      appendFileSync(this.logFile, `--- ${new Date().toISOString()} started\n`);
      const onData = (chunk: Buffer): void => {
        appendFileSync(this.logFile, chunk);
        if (output.length < 100_000) output += chunk.toString();
        if (this.ready.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (this.stopping || this.child !== child) return;
        this.unexpectedExits++;
        this.onUnexpectedExit?.(`${this.name} exited by itself (code ${code}, signal ${signal}):\n${output.slice(-2000)}`);
      });
    });
  }

  onUnexpectedExit?: (message: string) => void;

  async kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    this.stopping = true;
    child.kill(signal);
    await gone;
  }
}

export interface SoakOptions {
  minutes: number;
  log: Log;
}

export interface SoakAudit {
  minutes: number;
  oneShotInvocations: number;
  timedInvocations: number;
  scheduledTimes: number;
  runsRecorded: number;
  duplicateRuns: number;
  /** Scheduled times with no record, or recorded Missed while some service process could fire them. */
  missedFires: number;
  /** Recorded Missed (consecutive missed times collapse into one record), because no process could reach PostgreSQL at that time. */
  misfiresDuringOutage: number;
  stuckRecords: number;
  /** One-shot invocations answered 200 whose records are not exactly one per target instance. */
  lostOneShotRuns: number;
  /** Records that ended with an exit code (Success/Failed) but that no agent logged executing. */
  finishedWithoutExecution: number;
  doubleExecutions: number;
  executions: number;
  serverKills: number;
  agentKills: number;
  postgresRestarts: number;
  /** Service or agent processes that died without the soak killing them. */
  unexpectedExits: number;
  /** Deadlocks PostgreSQL detected (and broke by failing a statement) in the soak's database. */
  deadlocks: number;
  /** Error lines the service processes logged, by the first words of their message. */
  serviceErrors: Record<string, number>;
  apiErrors: Record<string, number>;
  finalStatuses: Record<string, number>;
}

/**
 * The soak: three service processes on one PostgreSQL, twenty agents, one-shot and
 * timed invocations, while service processes and agents are SIGKILLed and restarted and
 * PostgreSQL restarts once. Then an audit of what was recorded and executed. Loopback only;
 * stops by itself.
 */
export async function soak(options: SoakOptions): Promise<SoakAudit> {
  const { log } = options;
  const dir = mkdtempSync(join(tmpdir(), 'ca-soak-'));
  // Our own directory: the embedded database's postgres user must be able to pass through it.
  chmodSync(dir, 0o711);
  let postgres: EmbeddedPostgresHandle = await startEmbeddedPostgres(join(dir, 'pg'));
  await runMigrations(postgres.url);
  const ports = await Promise.all(Array.from({ length: SERVERS }, () => freePort()));
  const servers = ports.map(
    (port, i) =>
      new Managed(
        `server-${i}`,
        ['apps/server/src/main.js'],
        {
          DATABASE_URL: postgres.url,
          DATA_DIR: join(dir, 'data'),
          PORT: String(port),
          BOOTSTRAP_ACCESS_KEY_ID: KEY.accessKeyId,
          BOOTSTRAP_ACCESS_KEY_SECRET: KEY.accessKeySecret,
          MIN_INTERVAL_SECONDS: '1',
          DELIVERY_TIMEOUT_SECONDS: String(DELIVERY_TIMEOUT_SECONDS),
          RATE_LIMIT_PER_SECOND: '0',
          LOG_LEVEL: 'warn',
        },
        /./,
        join(dir, `server-${i}.log`),
      ),
  );
  // LOG_LEVEL=warn prints nothing at start: readiness is the port answering.
  const endpoints = ports.map((port) => `http://127.0.0.1:${port}`);
  // Like a supervisor: start, and start again whenever the process dies before it answers.
  const startServer = async (i: number): Promise<void> => {
    void servers[i].start().catch(() => undefined);
    for (let attempt = 0; attempt < 1200; attempt++) {
      try {
        await fetch(endpoints[i] + '/');
        return;
      } catch {
        const child = servers[i].child;
        if (child && (child.exitCode !== null || child.signalCode !== null)) void servers[i].start().catch(() => undefined);
        await sleep(100);
      }
    }
    throw new Error(`server ${i} did not come up`);
  };
  for (let i = 0; i < SERVERS; i++) await startServer(i);
  let finished = false;
  servers.forEach((server, i) => {
    server.onUnexpectedExit = (message) => {
      log(`UNEXPECTED: ${message}`);
      if (!finished) void startServer(i).catch(() => undefined);
    };
  });
  const clients = endpoints.map((endpoint) => new RpcClient({ endpoint, ...KEY }));
  const apiErrors: Record<string, number> = {};
  /** The answer's fields this soak reads are ids (CommandId, InvokeId, ActivationId…): strings. */
  const api = async (action: string, params: Record<string, string>): Promise<Record<string, string> | undefined> => {
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        const { status, body } = await pick(clients).call(action, { RegionId: REGION, ...params }, AbortSignal.timeout(15_000));
        if (status === 200) return body as Record<string, string>;
        const code = String(body.Code);
        apiErrors[code] = (apiErrors[code] ?? 0) + 1;
        if (status < 500) return undefined;
      } catch (error) {
        const code = `network:${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name}`;
        apiErrors[code] = (apiErrors[code] ?? 0) + 1;
      }
      await sleep(250);
    }
    return undefined;
  };

  log(`servers on ${endpoints.join(', ')}; registering ${AGENTS} agents; logs in ${dir}`);
  const activation = (await api('CreateActivation', { InstanceCount: String(AGENTS) }))!;
  const agents: Array<{ instanceId: string; stateDir: string; process: Managed }> = [];
  for (let i = 0; i < AGENTS; i++) {
    const response = await fetch(endpoints[0] + AGENT_REGISTER_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        regionId: REGION,
        activationId: activation.ActivationId,
        activationCode: activation.ActivationCode,
        hostname: `soak-${i}`,
        osType: 'linux',
        agentVersion: 'soak',
      }),
    });
    const body = (await response.json()) as Record<string, string>;
    const stateDir = mkdtempSync(join(dir, 'agent-'));
    writeFileSync(
      join(stateDir, 'credentials.json'),
      JSON.stringify({
        server: endpoints[i % SERVERS],
        regionId: REGION,
        instanceId: body.InstanceId,
        accessKeyId: body.AccessKeyId,
        accessKeySecret: body.AccessKeySecret,
      }),
      { mode: 0o600 },
    );
    const process = new Managed(`agent-${i}`, ['apps/agent/src/main.js', 'run', '--state-dir', stateDir], {}, /agent .* for /, join(dir, `agent-${i}.log`));
    process.onUnexpectedExit = (message) => {
      log(`UNEXPECTED: ${message}`);
      if (!finished) setTimeout(() => void process.start().catch(() => undefined), 1000);
    };
    await process.start();
    agents.push({ instanceId: body.InstanceId, stateDir, process });
  }

  const quick = (await api('CreateCommand', {
    Name: 'soak-quick',
    Type: 'RunShellScript',
    CommandContent: Buffer.from('echo "$RANDOM"; sleep 0.$((RANDOM % 5))').toString('base64'),
    Timeout: '60',
  }))!;
  const tick = (await api('CreateCommand', { Name: 'soak-tick', Type: 'RunShellScript', CommandContent: Buffer.from('echo tick').toString('base64') }))!;
  const timed: string[] = [];
  const oneShots: Array<{ invokeId: string; targets: string[] }> = [];
  for (let i = 0; i < TIMED_INVOCATIONS; i++) {
    const targets = [agents[i % AGENTS].instanceId, agents[(i + 7) % AGENTS].instanceId];
    const body = await api('InvokeCommand', { CommandId: tick.CommandId, InstanceIds: JSON.stringify(targets), Timed: 'true', Frequency: TIMED_FREQUENCY });
    if (body) timed.push(body.InvokeId);
  }

  const deadline = Date.now() + options.minutes * 60_000;
  let serverKills = 0;
  let agentKills = 0;
  let postgresRestarts = 0;
  // While PostgreSQL is down no process can fire: a frequent schedule's times then collapse into
  // one Missed record. The audit accepts those, and only those, as documented misses.
  const outages: Array<{ from: number; to: number }> = [];
  const postgresRestartAt = Date.now() + options.minutes * 60_000 * 0.4;

  const workload = (async () => {
    while (Date.now() < deadline) {
      const count = 1 + Math.floor(Math.random() * 5);
      const targets = [...new Set(Array.from({ length: count }, () => pick(agents).instanceId))];
      const invoked = await api('InvokeCommand', { CommandId: quick.CommandId, InstanceIds: JSON.stringify(targets) });
      if (invoked) oneShots.push({ invokeId: invoked.InvokeId, targets });
      await sleep(random(300, 1200));
    }
  })();
  const serverChaos = (async () => {
    while (Date.now() < deadline) {
      await sleep(random(20_000, 60_000));
      if (Date.now() >= deadline) break;
      const i = Math.floor(Math.random() * SERVERS);
      log(`SIGKILL server ${i}`);
      await servers[i].kill('SIGKILL');
      serverKills++;
      await sleep(random(1000, 3000));
      await startServer(i);
    }
  })();
  const agentChaos = (async () => {
    while (Date.now() < deadline) {
      await sleep(random(10_000, 25_000));
      if (Date.now() >= deadline) break;
      const agent = pick(agents);
      log(`SIGKILL agent ${agent.instanceId}`);
      await agent.process.kill('SIGKILL');
      agentKills++;
      await sleep(random(1000, 5000));
      await agent.process.start();
    }
  })();
  const postgresChaos = (async () => {
    await sleep(Math.max(0, postgresRestartAt - Date.now()));
    if (Date.now() >= deadline) return;
    log('restarting PostgreSQL');
    const port = postgres.port;
    const from = Date.now();
    await postgres.stop();
    await sleep(3000);
    postgres = await startEmbeddedPostgres(join(dir, 'pg'), () => {}, { port });
    outages.push({ from, to: Date.now() });
    postgresRestarts++;
    log('PostgreSQL back');
  })();
  await Promise.all([workload, serverChaos, agentChaos, postgresChaos]);

  log('stopping timed invocations and letting work settle');
  for (const invokeId of timed) await api('StopInvocation', { InvokeId: invokeId });
  const db = new Client({ connectionString: postgres.url });
  await db.connect();
  try {
    const settleUntil = Date.now() + (DELIVERY_TIMEOUT_SECONDS + 30) * 1000;
    while (Date.now() < settleUntil) {
      const [{ open }] = (await db.query<{ open: number }>(`SELECT count(*)::int AS open FROM invocation_records WHERE status IN ('Pending', 'Running')`)).rows;
      if (open === 0) break;
      await sleep(1000);
    }
    const audit = await auditRecords(db, timed, outages);
    const executions = agents.flatMap((a) => {
      try {
        return readFileSync(join(a.stateDir, 'executions.log'), 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((line) => line.split(' ')[1]);
      } catch {
        return [];
      }
    });
    const seen = new Set<string>();
    let doubleExecutions = 0;
    for (const id of executions) {
      if (seen.has(id)) doubleExecutions++;
      seen.add(id);
    }
    const [{ deadlocks }] = (await db.query('SELECT deadlocks::int FROM pg_stat_database WHERE datname = current_database()')).rows as Array<{
      deadlocks: number;
    }>;
    const ran = (await db.query(`SELECT record_id FROM invocation_records WHERE status IN ('Success', 'Failed')`)).rows as Array<{ record_id: string }>;
    return {
      minutes: options.minutes,
      oneShotInvocations: oneShots.length,
      timedInvocations: timed.length,
      ...audit,
      lostOneShotRuns: await auditOneShots(db, oneShots),
      finishedWithoutExecution: ran.filter((r) => !seen.has(r.record_id)).length,
      doubleExecutions,
      executions: executions.length,
      serverKills,
      agentKills,
      postgresRestarts,
      unexpectedExits: [...servers, ...agents.map((a) => a.process)].reduce((n, p) => n + p.unexpectedExits, 0),
      deadlocks,
      serviceErrors: serviceErrors(servers.map((_, i) => join(dir, `server-${i}.log`))),
      apiErrors,
    };
  } finally {
    finished = true;
    await db.end();
    for (const agent of agents) await agent.process.kill('SIGKILL');
    for (const server of servers) await server.kill('SIGTERM');
    await postgres.stop();
  }
}

/** "AgentPollTasks failed (RequestId …): error: deadlock detected" → "AgentPollTasks failed: error: deadlock detected". */
function serviceErrors(logFiles: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const file of logFiles) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.startsWith('{') || !line.includes('"level":"error"')) continue;
      let message: string;
      try {
        const { message: logged } = JSON.parse(line) as { message?: unknown };
        message = typeof logged === 'string' ? logged : JSON.stringify(logged ?? '');
      } catch {
        continue; // a line cut short by a SIGKILL
      }
      const key = message
        .split('\n')[0]
        .replace(/ \(RequestId [^)]*\)/, '')
        .slice(0, 120);
      counts[key] = (counts[key] ?? 0) + 1;
    }
  }
  return counts;
}

/** The times a collapsed Missed record stands for, from its ErrorInfo ("… from <ISO> to <ISO> were missed …"). */
function missedSpan(errorInfo: string): { first: number; last: number } | undefined {
  const match = / from (\S+) to (\S+) were missed/.exec(errorInfo);
  return match ? { first: Date.parse(match[1]), last: Date.parse(match[2]) } : undefined;
}

/** One-shot invocations answered 200 whose records are not exactly one per target: a lost or doubled run. */
async function auditOneShots(db: Client, oneShots: ReadonlyArray<{ invokeId: string; targets: string[] }>): Promise<number> {
  const rows = (await db.query('SELECT invoke_id, instance_id FROM invocation_records WHERE invoke_id = ANY($1)', [oneShots.map((o) => o.invokeId)]))
    .rows as Array<{ invoke_id: string; instance_id: string }>;
  const recorded = new Map<string, string[]>();
  for (const row of rows) recorded.set(row.invoke_id, [...(recorded.get(row.invoke_id) ?? []), row.instance_id]);
  return oneShots.filter((o) => (recorded.get(o.invokeId) ?? []).sort().join() !== [...o.targets].sort().join()).length;
}

/** Scheduled times vs runs recorded, and records left unfinished. */
async function auditRecords(
  db: Client,
  timed: string[],
  outages: ReadonlyArray<{ from: number; to: number }>,
): Promise<Pick<SoakAudit, 'scheduledTimes' | 'runsRecorded' | 'duplicateRuns' | 'missedFires' | 'misfiresDuringOutage' | 'stuckRecords' | 'finalStatuses'>> {
  let scheduledTimes = 0;
  let runsRecorded = 0;
  let duplicateRuns = 0;
  let missedFires = 0;
  let misfiresDuringOutage = 0;
  // A time is missed for want of the database if it fell due while it was down, or so shortly
  // before that the fire could not commit (one schedule period) or so shortly after that the
  // processes had not yet reconnected (their retry period plus a margin).
  const duringOutage = (at: number): boolean => outages.some((o) => at >= o.from - 3000 && at <= o.to + 3000);
  const frequency = storedFrequency(TIMED_FREQUENCY, '+08:00');
  for (const invokeId of timed) {
    const rows = (
      await db.query('SELECT instance_id, scheduled_at, status, error_info FROM invocation_records WHERE invoke_id = $1 ORDER BY scheduled_at', [invokeId])
    ).rows as Array<{ instance_id: string; scheduled_at: Date; status: string; error_info: string }>;
    const [invocation] = (await db.query('SELECT created_at, stopped_at, instance_ids FROM invocations WHERE invoke_id = $1', [invokeId])).rows as Array<{
      created_at: Date;
      stopped_at: Date;
      instance_ids: string[];
    }>;
    // Every fire time from creation to the stop (a fire within a second of the stop may go either way).
    const expected = nextFireTimes(frequency, invocation.created_at, invocation.created_at, 100_000)
      .map((t) => t.getTime())
      .filter((t) => t <= invocation.stopped_at.getTime() - 1000);
    // Each target instance, including one that has no record at all.
    for (const instanceId of invocation.instance_ids) {
      const runs = rows
        .filter((r) => r.instance_id === instanceId)
        .map((r) => ({ at: r.scheduled_at.getTime(), status: r.status, span: missedSpan(r.error_info) }));
      const times = runs.map((r) => r.at);
      duplicateRuns += times.length - new Set(times).size;
      const missed = runs.filter((r) => r.status === 'Missed');
      const explained = missed.filter((r) => duringOutage(r.at)).length;
      misfiresDuringOutage += explained;
      // A collapsed Missed record stands for the times it names, and excuses them
      // only if they too fell within the outage.
      const covered = (t: number): boolean =>
        duringOutage(t) && missed.some((m) => duringOutage(m.at) && m.span !== undefined && t >= m.span.first && t <= m.span.last);
      missedFires += expected.filter((t) => !times.includes(t) && !covered(t)).length + missed.length - explained;
      scheduledTimes += expected.length;
      runsRecorded += new Set(times.filter((t) => t <= invocation.stopped_at.getTime() - 1000)).size;
    }
  }
  const stuck = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM invocation_records WHERE status IN ('Pending', 'Running')`)).rows[0].n;
  const statuses = (await db.query('SELECT status, count(*)::int AS n FROM invocation_records GROUP BY status ORDER BY status')).rows as Array<{
    status: string;
    n: number;
  }>;
  return {
    scheduledTimes,
    runsRecorded,
    duplicateRuns,
    missedFires,
    misfiresDuringOutage,
    stuckRecords: stuck,
    finalStatuses: Object.fromEntries(statuses.map((s) => [s.status, s.n])),
  };
}
