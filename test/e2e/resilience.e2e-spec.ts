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

/**
 * Issue 5: PostgreSQL going away and coming back. The service runs on a PostgreSQL of this
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

  async function registerAgent(): Promise<RpcClient> {
    const { body: instance } = await admin.call('RegisterInstance', { RegionId: REGION });
    const { body: activation } = await admin.call('CreateActivation', { RegionId: REGION });
    const response = await fetch(endpoint + AGENT_REGISTER_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ regionId: REGION, activationId: activation.ActivationId, activationCode: activation.ActivationCode, instanceId: instance.InstanceId, hostname: 'h', osType: 'linux', agentVersion: 't' }),
    });
    const registered = (await response.json()) as { InstanceId: string; AccessKeyId: string; AccessKeySecret: string };
    return Object.assign(new RpcClient({ endpoint, accessKeyId: registered.AccessKeyId, accessKeySecret: registered.AccessKeySecret }), { instanceId: registered.InstanceId });
  }

  it('answers ServiceUnavailable (503) quickly while the database is down, stays up, and resumes by itself', async () => {
    const agent = (await registerAgent()) as RpcClient & { instanceId: string };
    const created = await admin.call('CreateCommand', { RegionId: REGION, Name: 'kept', Type: 'RunShellScript', CommandContent: Buffer.from('true').toString('base64') });
    expect(created.status).toBe(200);

    await postgres.stop();
    for (const action of ['DescribeCommands', 'InvokeCommand']) {
      const answer = await within(10_000, admin.call(action, { RegionId: REGION, CommandId: created.body.CommandId as string, InstanceIds: JSON.stringify([agent.instanceId]) }));
      expect(answer).toMatchObject({ status: 503, body: { Code: 'ServiceUnavailable' } });
    }

    postgres = await startEmbeddedPostgres(dir, () => {}, { port: postgres.port });
    const back = await within(30_000, (async () => {
      for (;;) {
        const answer = await admin.call('DescribeCommands', { RegionId: REGION, CommandId: created.body.CommandId as string });
        if (answer.status === 200) return answer;
        await new Promise((r) => setTimeout(r, 200));
      }
    })());
    expect(back.body.TotalCount).toBe(1);

    // LISTEN reconnected too: a long poll is woken by a new invocation, well before its wait ends.
    await new Promise((r) => setTimeout(r, 1500));
    const poll = agent.call(AgentActions.poll, { WaitSeconds: '25' });
    await new Promise((r) => setTimeout(r, 300));
    const invoked = await admin.call('InvokeCommand', { RegionId: REGION, CommandId: created.body.CommandId as string, InstanceIds: JSON.stringify([agent.instanceId]) });
    expect(invoked.status).toBe(200);
    const polled = await within(10_000, poll);
    expect((polled.body.Tasks as unknown[]).length).toBe(1);
  }, 90_000);
});
