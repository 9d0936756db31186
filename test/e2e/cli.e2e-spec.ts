import { runNode } from '../support/processes';
import { ADMIN_KEY_ID, ADMIN_KEY_SECRET, startTestApp, TestApp } from '../support/test-app';
import { newInstance } from '../support/factories';

const CLI = 'apps/cli/src/main.js';

/** `npm run cli -- <Action> --<Param> <value>`: the quick start without code or hand-made signatures. */
describe('the CLI', () => {
  let app: TestApp;
  let env: Record<string, string>;

  beforeAll(async () => {
    app = await startTestApp();
    env = { ALIBABA_CLOUD_ACCESS_KEY_ID: ADMIN_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET: ADMIN_KEY_SECRET, CLOUD_ASSISTANT_ENDPOINT: app.endpoint };
  });
  afterAll(async () => {
    await app.close();
  });

  it('creates a command and invokes it with both list forms, printing the JSON answers', async () => {
    const instanceId = await newInstance(app);
    const created = await runNode(
      CLI,
      ['CreateCommand', '--RegionId', 'cn-hangzhou', '--Name', 'hi', '--Type=RunShellScript', '--CommandContent', Buffer.from('echo hi').toString('base64')],
      { env },
    );
    expect(created.code).toBe(0);
    const { CommandId } = JSON.parse(created.stdout);
    const viaJson = await runNode(
      CLI,
      ['InvokeCommand', '--RegionId', 'cn-hangzhou', '--CommandId', CommandId, '--InstanceIds', JSON.stringify([instanceId])],
      { env },
    );
    const viaRepeated = await runNode(CLI, ['InvokeCommand', '--RegionId', 'cn-hangzhou', '--CommandId', CommandId, '--InstanceId.1', instanceId], { env });
    for (const result of [viaJson, viaRepeated]) {
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout).InvokeId).toMatch(/^t-/);
    }
  });

  it('prints XML when asked', async () => {
    const result = await runNode(CLI, ['DescribeRegions', '--Format', 'XML'], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^<\?xml[^>]*><DescribeRegionsResponse><RequestId>/);
    expect(result.stdout).toContain('<Region><RegionId>');
  });

  it('exits 1 with the error body on an error answer', async () => {
    const result = await runNode(CLI, ['InvokeCommand', '--RegionId', 'cn-hangzhou'], { env });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stderr)).toMatchObject({ Code: 'MissingParameter.InstanceIds' });
  });

  it('explains a missing key', async () => {
    const result = await runNode(CLI, ['DescribeRegions'], {
      env: { DATA_DIR: '/nonexistent', ALIBABA_CLOUD_ACCESS_KEY_ID: '', ALIBABA_CLOUD_ACCESS_KEY_SECRET: '' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('ALIBABA_CLOUD_ACCESS_KEY_ID');
  });
});
