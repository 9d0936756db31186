import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, newActivation, newInstance, registerAgent, REGION } from '../support/factories';
import { runNode } from '../support/processes';
import { startTestApp, TestApp } from '../support/test-app';

const AGENT = 'apps/agent/src/main.js';

/** SPEC §6, registration only: the real `npm run agent -- register` process. */
describe('agent registration', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  const stateDir = (): string => mkdtempSync(join(tmpdir(), 'ca-agent-'));
  const registerArgs = (activation: { activationId: string; activationCode: string }, dir: string, extra: string[] = []): string[] => [
    'register',
    '--server', app.endpoint,
    '--region', REGION,
    '--activation-id', activation.activationId,
    '--activation-code', activation.activationCode,
    '--state-dir', dir,
    ...extra,
  ];

  it('turns an activation into a managed mi- instance that has a client, with a credential of its own (0600)', async () => {
    const activation = await newActivation(app, { InstanceName: 'web' });
    const dir = stateDir();
    const result = await runNode(AGENT, registerArgs(activation, dir));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const { InstanceId } = JSON.parse(result.stdout) as { InstanceId: string };
    expect(InstanceId).toMatch(/^mi-[0-9a-f]{20}$/);

    const file = join(dir, 'credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const credentials = JSON.parse(readFileSync(file, 'utf8'));
    expect(credentials).toMatchObject({ server: app.endpoint, regionId: REGION, instanceId: InstanceId });

    const described = await call(app, 'DescribeInstances', { InstanceIds: JSON.stringify([InstanceId]) });
    expect(described.Instances.Instance[0]).toMatchObject({ InstanceId, InstanceName: 'web', CloudAssistantClient: true, Status: 'Running' });
    const activations = await call(app, 'DescribeActivations', { ActivationId: activation.activationId });
    expect(activations.ActivationList[0]).toMatchObject({ RegisteredCount: 1, InstanceCount: 10 });

    // The new instance can be invoked at once.
    const commandId = (await call(app, 'CreateCommand', { Name: 'n', Type: 'RunShellScript', CommandContent: Buffer.from('true').toString('base64') })).CommandId;
    await expect(call(app, 'InvokeCommand', { CommandId: commandId, InstanceIds: JSON.stringify([InstanceId]) })).resolves.toHaveProperty('InvokeId');
  });

  it('binds an existing inventory instance with --instance-id, after which InvokeCommand accepts it', async () => {
    const instanceId = await newInstance(app, { withClient: false });
    const commandId = (await call(app, 'CreateCommand', { Name: 'n', Type: 'RunShellScript', CommandContent: Buffer.from('true').toString('base64') })).CommandId;
    const refused = await app.admin.call('InvokeCommand', { RegionId: REGION, CommandId: commandId, InstanceIds: JSON.stringify([instanceId]) });
    expect(refused.body.Code).toBe('InvalidInstance.NoClient');

    const result = await runNode(AGENT, registerArgs(await newActivation(app), stateDir(), ['--instance-id', instanceId]));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).InstanceId).toBe(instanceId);
    await expect(call(app, 'InvokeCommand', { CommandId: commandId, InstanceIds: JSON.stringify([instanceId]) })).resolves.toHaveProperty('InvokeId');
  });

  it('re-registering replaces the earlier credential of that instance', async () => {
    const instanceId = await newInstance(app, { withClient: false });
    const first = await registerAgent(app, await newActivation(app), instanceId);
    const second = await registerAgent(app, await newActivation(app), instanceId);
    expect(second.body.AccessKeyId).not.toBe(first.body.AccessKeyId);
    const keys = await app.sql<{ access_key_id: string }>(`SELECT access_key_id FROM access_keys WHERE instance_id = $1`, [instanceId]);
    expect(keys.map((k) => k.access_key_id)).toEqual([second.body.AccessKeyId]);
  });

  it.each([
    ['a wrong activation code', async (a: { activationId: string; activationCode: string }) => ({ ...a, activationCode: 'a-wrong' }), 403, 'InvalidActivationCode.Mismatch'],
    ['an unknown activation', async () => ({ activationId: 'NOPE', activationCode: 'x' }), 404, 'InvalidActivationId.NotFound'],
  ])('refuses %s and writes nothing', async (_title, mutate, status, code) => {
    const activation = await mutate(await newActivation(app));
    const before = await app.sql<{ n: number }>('SELECT count(*)::int AS n FROM instances');
    const response = await registerAgent(app, activation);
    expect(response.status).toBe(status);
    expect(response.body.Code).toBe(code);
    await expect(app.sql('SELECT count(*)::int AS n FROM instances')).resolves.toEqual(before);
  });

  it('honours the instance count: the slot after the last is refused (Activation.ExceedLimit)', async () => {
    const activation = await newActivation(app, { InstanceCount: '2' });
    const attempts = await Promise.all([1, 2, 3, 4].map(() => registerAgent(app, activation)));
    expect(attempts.filter((a) => a.status === 200)).toHaveLength(2);
    expect(attempts.filter((a) => a.body.Code === 'Activation.ExceedLimit')).toHaveLength(2);
  });

  it('refuses a disabled activation', async () => {
    const activation = await newActivation(app);
    await call(app, 'DisableActivation', { ActivationId: activation.activationId });
    await expect(registerAgent(app, activation)).resolves.toMatchObject({ status: 400, body: { Code: 'Activation.Disabled' } });
  });

  it('refuses an address outside the IpAddressRange', async () => {
    const activation = await newActivation(app, { IpAddressRange: '10.0.0.0/8' });
    await expect(registerAgent(app, activation)).resolves.toMatchObject({ status: 403, body: { Code: 'Activation.IpAddressNotAllowed' } });
  });

  it('prints usage and exits 2 on a missing option', async () => {
    const result = await runNode(AGENT, ['register', '--server', app.endpoint]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--region is required');
  });

  it('deregistering an instance revokes its agent credential', async () => {
    const instanceId = await newInstance(app, { withClient: false });
    await registerAgent(app, await newActivation(app), instanceId);
    await call(app, 'DeregisterInstance', { InstanceId: instanceId });
    await expect(app.sql('SELECT * FROM access_keys WHERE instance_id = $1', [instanceId])).resolves.toEqual([]);
  });
});
