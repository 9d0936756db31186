import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AgentActions } from '@ca/protocol';
import { RpcClient } from '@ca/signing';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../apps/server/src/config/config.schema';
import { EmbeddedPostgresHandle, startEmbeddedPostgres } from '../../apps/server/src/database/embedded-postgres';
import { runMigrations } from '../../apps/server/src/database/migrate';
import { createServer } from '../../apps/server/src/server';
import { AGENT_REGISTER_PATH } from '@ca/protocol';
import { ChildProcess } from 'node:child_process';
import { eventually } from '../support/eventually';
import { exited, startNode } from '../support/processes';
import { freePort } from '../support/server-processes';
import { TcpProxy, urlThrough } from '../support/tcp-proxy';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { ADMIN_KEY_ID, ADMIN_KEY_SECRET } from '../support/test-app';

const REGION = 'cn-hangzhou';

/** Answers within `ms`, or fails the test: "quickly instead of hanging". */
async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A registered agent's client, by the API alone (these suites have no TestApp). */
async function registerAgent(endpoint: string, admin: RpcClient): Promise<RpcClient & { instanceId: string }> {
  const { body: instance } = await admin.call('RegisterInstance', { RegionId: REGION });
  const { body: activation } = await admin.call('CreateActivation', { RegionId: REGION });
  const response = await fetch(endpoint + AGENT_REGISTER_PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      regionId: REGION,
      activationId: activation.ActivationId,
      activationCode: activation.ActivationCode,
      instanceId: instance.InstanceId,
      hostname: 'h',
      osType: 'linux',
      agentVersion: 't',
    }),
  });
  const registered = (await response.json()) as { InstanceId: string; AccessKeyId: string; AccessKeySecret: string };
  return Object.assign(new RpcClient({ endpoint, accessKeyId: registered.AccessKeyId, accessKeySecret: registered.AccessKeySecret }), {
    instanceId: registered.InstanceId,
  });
}

/**
 * PostgreSQL going away and coming back. The service runs on a PostgreSQL of this
 * suite's own, so that it can be stopped and started on the same port.
 */
describe('PostgreSQL restarts', () => {
  let dir: string;
  let postgres: EmbeddedPostgresHandle;
  let app: NestFastifyApplication;
  let admin: RpcClient;
  let endpoint: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ca-resilience-'));
    postgres = await startEmbeddedPostgres(dir);
    await runMigrations(postgres.url);
    const config = loadConfig({ DATA_DIR: dir, BOOTSTRAP_ACCESS_KEY_ID: ADMIN_KEY_ID, BOOTSTRAP_ACCESS_KEY_SECRET: ADMIN_KEY_SECRET, LOG_LEVEL: 'error' });
    app = await createServer(config, postgres.url);
    await app.listen(0, '127.0.0.1');
    endpoint = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    admin = new RpcClient({ endpoint, accessKeyId: ADMIN_KEY_ID, accessKeySecret: ADMIN_KEY_SECRET });
  });
  afterAll(async () => {
    await app?.close();
    await postgres?.stop();
  });

  it('answers ServiceUnavailable (503) quickly while the database is down, stays up, and resumes by itself', async () => {
    const agent = await registerAgent(endpoint, admin);
    const created = await admin.call('CreateCommand', {
      RegionId: REGION,
      Name: 'kept',
      Type: 'RunShellScript',
      CommandContent: Buffer.from('true').toString('base64'),
    });
    expect(created.status).toBe(200);

    await postgres.stop();
    for (const action of ['DescribeCommands', 'InvokeCommand']) {
      const answer = await within(
        10_000,
        admin.call(action, { RegionId: REGION, CommandId: created.body.CommandId as string, InstanceIds: JSON.stringify([agent.instanceId]) }),
      );
      expect(answer).toMatchObject({ status: 503, body: { Code: 'ServiceUnavailable' } });
    }

    postgres = await startEmbeddedPostgres(dir, () => {}, { port: postgres.port });
    const back = await eventually(
      async () => {
        const answer = await within(10_000, admin.call('DescribeCommands', { RegionId: REGION, CommandId: created.body.CommandId as string }));
        expect(answer.status).toBe(200);
        return answer;
      },
      { timeoutMs: 30_000, intervalMs: 200, description: 'answers again once PostgreSQL is back' },
    );
    expect(back.body.TotalCount).toBe(1);

    // LISTEN reconnected too: a long poll is woken by a new invocation, well before its wait ends.
    // Nothing outside the process shows the LISTEN connection back, nor the poll waiting on the
    // server: fixed pauses, generous for both.
    await new Promise((r) => setTimeout(r, 1500));
    const poll = agent.call(AgentActions.poll, { WaitSeconds: '25' });
    await new Promise((r) => setTimeout(r, 300));
    const invoked = await admin.call('InvokeCommand', {
      RegionId: REGION,
      CommandId: created.body.CommandId as string,
      InstanceIds: JSON.stringify([agent.instanceId]),
    });
    expect(invoked.status).toBe(200);
    const polled = await within(10_000, poll);
    expect((polled.body.Tasks as unknown[]).length).toBe(1);
  }, 90_000);
});

/**
 * A database that stops answering without refusing (a black-holed network: connections
 * stay open, nothing comes back). The service process reaches its database through a proxy
 * that swallows every byte on demand.
 */
describe('PostgreSQL stops answering', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let server: { child: ChildProcess; output(): string };
  let endpoint: string;
  let admin: RpcClient;

  beforeAll(async () => {
    database = await createTestDatabase();
    const target = new URL(database.url);
    proxy = new TcpProxy(target.hostname, Number(target.port));
    await proxy.start();
    const port = await freePort();
    server = await startNode('apps/server/src/main.js', [], {
      ready: /API listening on/,
      env: {
        DATABASE_URL: urlThrough(database.url, proxy),
        DATA_DIR: mkdtempSync(join(tmpdir(), 'ca-blackhole-')),
        PORT: String(port),
        BOOTSTRAP_ACCESS_KEY_ID: ADMIN_KEY_ID,
        BOOTSTRAP_ACCESS_KEY_SECRET: ADMIN_KEY_SECRET,
      },
    });
    endpoint = `http://127.0.0.1:${port}`;
    admin = new RpcClient({ endpoint, accessKeyId: ADMIN_KEY_ID, accessKeySecret: ADMIN_KEY_SECRET });
  });
  afterAll(async () => {
    proxy?.unblackhole();
    if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
    if (server) await exited(server.child);
    await proxy?.cut();
    await database?.drop();
  });

  it('answers ServiceUnavailable (503) within seconds, stays up, and answers 200 again once it does', async () => {
    const agent = await registerAgent(endpoint, admin);
    const created = await admin.call('CreateCommand', {
      RegionId: REGION,
      Name: 'kept',
      Type: 'RunShellScript',
      CommandContent: Buffer.from('true').toString('base64'),
    });
    expect(created.status).toBe(200);
    await expect(admin.call('DescribeInvocations', { RegionId: REGION })).resolves.toMatchObject({ status: 200 });

    proxy.blackhole();
    // Several at once (each holds a pool connection), then one more on its own.
    const started = Date.now();
    const answers = await within(10_000, Promise.all(Array.from({ length: 3 }, () => admin.call('DescribeInvocations', { RegionId: REGION }))));
    for (const answer of answers) expect(answer).toMatchObject({ status: 503, body: { Code: 'ServiceUnavailable' } });
    await expect(within(10_000, admin.call('DescribeInvocations', { RegionId: REGION }))).resolves.toMatchObject({ status: 503 });
    console.log(`black-holed database: 503 after ${Date.now() - started} ms (4 calls)`);
    // The outage must last: long enough for the LISTEN connection's check to fail.
    await new Promise((r) => setTimeout(r, 4000));
    expect(server.child.exitCode).toBeNull();

    proxy.unblackhole();
    await eventually(async () => expect((await within(10_000, admin.call('DescribeInvocations', { RegionId: REGION }))).status).toBe(200), {
      timeoutMs: 30_000,
      intervalMs: 200,
      description: 'answers again once the network is back',
    });
    // And again: the connections that lost their answers are gone from the pool, not waiting in it.
    for (let i = 0; i < 25; i++) await expect(within(10_000, admin.call('DescribeInvocations', { RegionId: REGION }))).resolves.toMatchObject({ status: 200 });

    // LISTEN works again: a long poll is woken by a new invocation, well before its wait ends
    // (fixed pauses, as above: neither state is visible from outside the process).
    await new Promise((r) => setTimeout(r, 1500));
    const poll = agent.call(AgentActions.poll, { WaitSeconds: '25' });
    await new Promise((r) => setTimeout(r, 300));
    const invoked = await admin.call('InvokeCommand', {
      RegionId: REGION,
      CommandId: created.body.CommandId as string,
      InstanceIds: JSON.stringify([agent.instanceId]),
    });
    expect(invoked.status).toBe(200);
    const polled = await within(10_000, poll);
    expect((polled.body.Tasks as unknown[]).length).toBe(1);
    expect(server.child.exitCode).toBeNull();
  }, 120_000);
});
