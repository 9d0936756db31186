import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { networkInterfaces, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_REGISTER_PATH } from '@ca/protocol';
import { RpcClient } from '@ca/signing';
import { XMLParser } from 'fast-xml-parser';
import { Client } from 'pg';
import { startAgent } from '../support/agents';
import { eventually } from '../support/eventually';
import { call, newActivation, newCommand, newInstance, registerAgent, REGION } from '../support/factories';
import { runNode } from '../support/processes';
import { sendFrom } from '../support/source-address';
import { startTestApp, tableSnapshot, TestApp } from '../support/test-app';

const AGENT = 'apps/agent/src/main.js';

/** The agent protocol (docs/agent-protocol.md), registration only: the real `npm run agent -- register` process. */
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
    '--server',
    app.endpoint,
    '--region',
    REGION,
    '--activation-id',
    activation.activationId,
    '--activation-code',
    activation.activationCode,
    '--state-dir',
    dir,
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
    const commandId = (await call(app, 'CreateCommand', { Name: 'n', Type: 'RunShellScript', CommandContent: Buffer.from('true').toString('base64') }))
      .CommandId;
    await expect(call(app, 'InvokeCommand', { CommandId: commandId, InstanceIds: JSON.stringify([InstanceId]) })).resolves.toHaveProperty('InvokeId');
  });

  it('binds an existing inventory instance with --instance-id, after which InvokeCommand accepts it', async () => {
    const instanceId = await newInstance(app, { withClient: false });
    const commandId = (await call(app, 'CreateCommand', { Name: 'n', Type: 'RunShellScript', CommandContent: Buffer.from('true').toString('base64') }))
      .CommandId;
    const refused = await app.admin.call('InvokeCommand', { RegionId: REGION, CommandId: commandId, InstanceIds: JSON.stringify([instanceId]) });
    expect(refused.body.Code).toBe('InvalidInstance.NoClient');

    const result = await runNode(AGENT, registerArgs(await newActivation(app), stateDir(), ['--instance-id', instanceId]));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).InstanceId).toBe(instanceId);
    await expect(call(app, 'InvokeCommand', { CommandId: commandId, InstanceIds: JSON.stringify([instanceId]) })).resolves.toHaveProperty('InvokeId');
  });

  it('an instance that already has an agent cannot be taken over: refused, nothing written, the victim keeps its key and its commands', async () => {
    const victim = await startAgent(app);
    try {
      const activation = await newActivation(app);
      // The running victim's heartbeats touch its instance row meanwhile: that row is compared on its binding instead.
      const binding = (): Promise<unknown[]> => app.sql('SELECT instance_id, agent_registered_at, activation_id FROM instances ORDER BY instance_id');
      const { instances: _instances, ...before } = await tableSnapshot(app);
      const boundBefore = await binding();
      const attack = await runNode(AGENT, registerArgs(activation, stateDir(), ['--instance-id', victim.instanceId]));
      expect(attack.code).not.toBe(0);
      expect(attack.stderr + attack.stdout).toContain('InvalidInstance.AgentRegistered');
      await expect(registerAgent(app, activation, victim.instanceId)).resolves.toMatchObject({
        status: 409,
        body: { Code: 'InvalidInstance.AgentRegistered' },
      });
      const { instances: _after, ...after } = await tableSnapshot(app);
      expect(after).toEqual(before);
      await expect(binding()).resolves.toEqual(boundBefore);
      const [slot] = (await call(app, 'DescribeActivations', { ActivationId: activation.activationId })).ActivationList;
      expect(slot.RegisteredCount).toBe(0);

      // The victim's credential still authenticates, and the victim (not the attacker) runs the next command.
      const agentClient = new RpcClient({
        endpoint: app.endpoint,
        accessKeyId: victim.credentials.accessKeyId,
        accessKeySecret: victim.credentials.accessKeySecret,
      });
      await expect(agentClient.call('DescribeRegions', {})).resolves.toMatchObject({ status: 403, body: { Code: 'Forbidden.RAM' } });
      const { InvokeId } = await call(app, 'InvokeCommand', {
        CommandId: await newCommand(app, {}, 'echo victim'),
        InstanceIds: JSON.stringify([victim.instanceId]),
      });
      const results = await eventually(
        async () => {
          const rows: Array<{ InvocationStatus: string; InstanceId: string }> = (await call(app, 'DescribeInvocationResults', { InvokeId })).Invocation
            .InvocationResults.InvocationResult;
          expect(rows.map((r) => r.InvocationStatus)).toEqual(['Success']);
          return rows;
        },
        { description: 'the run succeeded' },
      );
      expect(results[0].InstanceId).toBe(victim.instanceId);
      expect(victim.executions()).toHaveLength(1);
    } finally {
      await victim.stop();
    }
  });

  it('DeregisterManagedInstance detaches the agent: its key is revoked at once, and the instance can be bound again', async () => {
    const instanceId = await newInstance(app, { withClient: false });
    const first = await registerAgent(app, await newActivation(app), instanceId);
    const firstClient = new RpcClient({ endpoint: app.endpoint, accessKeyId: first.body.AccessKeyId, accessKeySecret: first.body.AccessKeySecret });
    await expect(firstClient.call('DescribeRegions', {})).resolves.toMatchObject({ status: 403, body: { Code: 'Forbidden.RAM' } });

    const detached = await call(app, 'DeregisterManagedInstance', { InstanceId: instanceId });
    expect(detached.Instance).toMatchObject({ InstanceId: instanceId, Hostname: 'test-host', AgentVersion: 'test', OsType: 'linux' });
    await expect(firstClient.call('DescribeRegions', {})).resolves.toMatchObject({ status: 404, body: { Code: 'InvalidAccessKeyId.NotFound' } });
    const described = await call(app, 'DescribeInstances', { InstanceIds: JSON.stringify([instanceId]) });
    expect(described.Instances.Instance[0]).toMatchObject({ InstanceId: instanceId, CloudAssistantClient: false });

    const second = await registerAgent(app, await newActivation(app), instanceId);
    expect(second.status).toBe(200);
    const keys = await app.sql<{ access_key_id: string }>(`SELECT access_key_id FROM access_keys WHERE instance_id = $1`, [instanceId]);
    expect(keys.map((k) => k.access_key_id)).toEqual([second.body.AccessKeyId]);
  });

  it('a started agent records its machine: OS, kernel, addresses, machine id and boot id, as the machine says them', async () => {
    const bootFile = join(mkdtempSync(join(tmpdir(), 'ca-boot-')), 'boot_id');
    writeFileSync(bootFile, 'boot-a\n');
    const agent = await startAgent(app, undefined, { env: { CLOUD_ASSISTANT_BOOT_ID_FILE: bootFile } });
    try {
      const facts = () =>
        app.sql<Record<string, unknown>>(
          'SELECT os_type, os_name, kernel_version, intranet_ips, machine_id, boot_id, agent_started_at FROM instances WHERE instance_id = $1',
          [agent.instanceId],
        );
      await eventually(async () => expect((await facts())[0].boot_id).toBe('boot-a'));
      const [row] = await facts();
      expect(row).toMatchObject({ os_type: 'linux', kernel_version: release() });
      expect(row.agent_started_at).toBeInstanceOf(Date);
      const machineId = readOptional('/etc/machine-id').trim();
      expect(row.machine_id).toBe(machineId || null);
      const osName = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readOptional('/etc/os-release'))?.[1];
      expect(row.os_name).toBe(osName ?? null);
      const addresses = Object.values(networkInterfaces())
        .flat()
        .filter((a) => a && !a.internal && a.family === 'IPv4')
        .map((a) => a!.address);
      expect(row.intranet_ips).toEqual(expect.arrayContaining(addresses));
    } finally {
      await agent.stop();
    }
  });

  describe('DeregisterManagedInstance refusals (nothing written)', () => {
    const xml = new XMLParser({ parseTagValue: false });
    it.each([
      ['an unknown instance', () => ({ InstanceId: 'i-00000000000000000000' }), 404, 'InvalidInstance.NotFound'],
      ['an instance without an agent', async () => ({ InstanceId: await newInstance(app, { withClient: false }) }), 400, 'InvalidInstance.NoAgentRegistered'],
      ['an instance of another region', async () => ({ InstanceId: await newInstance(app), RegionId: 'cn-shanghai' }), 404, 'InvalidInstance.NotFound'],
      ['no InstanceId', () => ({}), 400, 'MissingParameter.InstanceId'],
      ['a malformed InstanceId', () => ({ InstanceId: '-bad' }), 400, 'InvalidInstanceId.Malformed'],
      ['an unknown region', async () => ({ InstanceId: await newInstance(app), RegionId: 'xx-nowhere-1' }), 404, 'InvalidRegionId.NotFound'],
    ])('refuses %s, in JSON and XML', async (_title, params, status, code) => {
      const resolved: Record<string, string> = { RegionId: REGION, ...(await Promise.resolve(params())) };
      const before = await tableSnapshot(app);
      const json = await app.admin.callRaw('DeregisterManagedInstance', resolved);
      expect({ status: json.status, code: JSON.parse(json.text).Code }).toEqual({ status, code });
      const asXml = await app.admin.callRaw('DeregisterManagedInstance', { ...resolved, Format: 'XML' });
      expect({ status: asXml.status, code: xml.parse(asXml.text).Error.Code }).toEqual({ status, code });
      await expect(tableSnapshot(app)).resolves.toEqual(before);
    });

    it('refuses a readonly key: Forbidden.RAM, the agent keeps its key', async () => {
      const instanceId = await newInstance(app);
      const created = await call(app, 'CreateAccessKey', { Role: 'readonly' });
      const reader = new RpcClient({ endpoint: app.endpoint, accessKeyId: created.AccessKeyId, accessKeySecret: created.AccessKeySecret });
      const before = await tableSnapshot(app);
      await expect(reader.call('DeregisterManagedInstance', { RegionId: REGION, InstanceId: instanceId })).resolves.toMatchObject({
        status: 403,
        body: { Code: 'Forbidden.RAM' },
      });
      await expect(tableSnapshot(app)).resolves.toEqual(before);
    });
  });

  it('an activation limited to InstanceIds binds those only: not another instance, not a new mi- instance (nothing written)', async () => {
    const allowed = await newInstance(app, { withClient: false });
    const other = await newInstance(app, { withClient: false });
    const activation = await newActivation(app, { 'InstanceId.1': allowed });
    const [listed] = (await call(app, 'DescribeActivations', { ActivationId: activation.activationId })).ActivationList;
    expect(listed.InstanceIds).toEqual({ InstanceId: [allowed] });

    for (const target of [other, undefined]) {
      const before = await tableSnapshot(app);
      await expect(registerAgent(app, activation, target)).resolves.toMatchObject({ status: 403, body: { Code: 'Activation.InstanceNotAllowed' } });
      await expect(tableSnapshot(app)).resolves.toEqual(before);
    }
    const bound = await registerAgent(app, activation, allowed);
    expect(bound.status).toBe(200);
    expect(bound.body.InstanceId).toBe(allowed);
    // The JSON form of the list is accepted as well.
    const json = await newActivation(app, { InstanceIds: JSON.stringify([other]) });
    await expect(registerAgent(app, json, other)).resolves.toMatchObject({ status: 200, body: { InstanceId: other } });
  });

  describe('CreateActivation InstanceIds refusals (nothing written)', () => {
    const xml = new XMLParser({ parseTagValue: false });
    it.each([
      [
        'more than 100 instances',
        () => ({ InstanceIds: JSON.stringify(Array.from({ length: 101 }, (_, i) => `i-${String(i).padStart(20, '0')}`)) }),
        400,
        'InstanceIds.ExceedLimit',
      ],
      ['a malformed instance id', () => ({ 'InstanceId.1': '-bad' }), 400, 'InvalidInstanceId.Malformed'],
      ['an empty list', () => ({ InstanceIds: '[]' }), 400, 'InvalidParameter.InstanceIds'],
      [
        'a duplicate',
        async () => {
          const id = await newInstance(app);
          return { 'InstanceId.1': id, 'InstanceId.2': id };
        },
        400,
        'InstanceIds.Duplicated',
      ],
      ['an unknown instance', () => ({ 'InstanceId.1': 'i-00000000000000000000' }), 404, 'InvalidInstance.NotFound'],
      ['an instance of another region', async () => ({ 'InstanceId.1': await newInstance(app), RegionId: 'cn-shanghai' }), 404, 'InvalidInstance.NotFound'],
    ])('refuses %s, in JSON and XML', async (_title, params, status, code) => {
      const resolved: Record<string, string> = { RegionId: REGION, ...(await Promise.resolve(params())) };
      const before = await tableSnapshot(app);
      const json = await app.admin.callRaw('CreateActivation', resolved);
      expect({ status: json.status, code: JSON.parse(json.text).Code }).toEqual({ status, code });
      const asXml = await app.admin.callRaw('CreateActivation', { ...resolved, Format: 'XML' });
      expect({ status: asXml.status, code: xml.parse(asXml.text).Error.Code }).toEqual({ status, code });
      await expect(tableSnapshot(app)).resolves.toEqual(before);
    });
  });

  it.each([
    [
      'a wrong activation code',
      (a: { activationId: string; activationCode: string }) => ({ ...a, activationCode: 'a-wrong' }),
      403,
      'InvalidActivationCode.Mismatch',
    ],
    ['an unknown activation', () => ({ activationId: 'NOPE', activationCode: 'x' }), 404, 'InvalidActivationId.NotFound'],
  ])('refuses %s and writes nothing', async (_title, mutate, status, code) => {
    const activation = mutate(await newActivation(app));
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

  it.each([
    ['a hostname with a newline (a forged log line)', { hostname: 'web-1\n2026-01-01 admin deleted everything' }, 'InvalidParameter.Hostname'],
    ['a hostname with a terminal escape', { hostname: 'web-1\u001b[2J' }, 'InvalidParameter.Hostname'],
    ['an agent version with a carriage return', { agentVersion: '1.0\r' }, 'InvalidParameter.AgentVersion'],
  ])('refuses %s: 400 naming it, nothing written', async (_name, fields, code) => {
    const activation = await newActivation(app);
    const before = await tableSnapshot(app);
    const response = await fetch(app.endpoint + AGENT_REGISTER_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ regionId: REGION, ...activation, hostname: 'h', osType: 'linux', agentVersion: 'test', ...fields }),
    });
    expect({ status: response.status, code: ((await response.json()) as { Code: string }).Code }).toEqual({ status: 400, code });
    await expect(tableSnapshot(app)).resolves.toEqual(before);
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

/**
 * Registration attempts are throttled per address, and wrong codes per address and per
 * activation id, before the transaction: a throttled attempt takes no activation row lock. The
 * window is an hour, so no budget refills during a test: assertions count answers.
 */
describe('agent registration throttling', () => {
  const FAILURES_PER_ADDRESS = 4;
  const FAILURES_PER_ACTIVATION = 6;
  const ATTEMPTS_PER_ADDRESS = 10;
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({
      AUTH_FAILURE_WINDOW_SECONDS: '3600',
      AUTH_FAILURES_PER_ADDRESS: String(FAILURES_PER_ADDRESS),
      AUTH_FAILURES_PER_KEY: String(FAILURES_PER_ACTIVATION),
      REGISTRATION_ATTEMPTS_PER_ADDRESS: String(ATTEMPTS_PER_ADDRESS),
    });
  });
  afterAll(async () => {
    await app.close();
  });

  const registerFrom = async (
    address: string,
    activation: { activationId: string; activationCode: string },
  ): Promise<{ status: number; code?: string; retryAfter?: string }> => {
    const response = await sendFrom(address, app.endpoint + AGENT_REGISTER_PATH, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ regionId: REGION, ...activation, hostname: 'h', osType: 'linux', agentVersion: 'test' }),
    });
    return { status: response.status, code: JSON.parse(response.text).Code, retryAfter: response.headers['retry-after'] as string | undefined };
  };

  it('wrong codes from one address are throttled before the database: a held lock on the activation row does not delay the 429', async () => {
    const activation = await newActivation(app);
    const wrong = { ...activation, activationCode: 'a-wrong' };
    const attacker = '127.0.0.2';
    for (let i = 0; i < FAILURES_PER_ADDRESS; i++)
      await expect(registerFrom(attacker, wrong)).resolves.toMatchObject({ status: 403, code: 'InvalidActivationCode.Mismatch' });
    await expect(registerFrom(attacker, wrong)).resolves.toMatchObject({ status: 429, code: 'Throttling', retryAfter: expect.stringMatching(/^[1-9]\d*$/) });

    // A registration that reached the database would wait on this lock; the throttled one answers at once, even with the right code.
    const locker = new Client({ connectionString: app.database.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT * FROM activations WHERE activation_id = $1 FOR UPDATE', [activation.activationId]);
      const before = await tableSnapshot(app);
      await expect(registerFrom(attacker, activation)).resolves.toMatchObject({ status: 429, code: 'Throttling' });
      await expect(tableSnapshot(app)).resolves.toEqual(before);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    // Another address with the right code is unaffected.
    await expect(registerFrom('127.0.0.3', activation)).resolves.toMatchObject({ status: 200 });
  });

  it('wrong codes for one activation from many addresses throttle that activation, not the others', async () => {
    const target = await newActivation(app);
    const addresses = ['127.0.0.4', '127.0.0.5', '127.0.0.6'];
    for (let i = 0; i < FAILURES_PER_ACTIVATION; i++) {
      await expect(registerFrom(addresses[i % addresses.length], { ...target, activationCode: `a-guess-${i}` })).resolves.toMatchObject({ status: 403 });
    }
    await expect(registerFrom('127.0.0.7', target)).resolves.toMatchObject({ status: 429, code: 'Throttling' });
    await expect(registerFrom('127.0.0.7', await newActivation(app))).resolves.toMatchObject({ status: 200 });
  });

  it('limits registration attempts per address, successful ones included; nothing is written past the limit', async () => {
    const activation = await newActivation(app, { InstanceCount: '20' });
    const address = '127.0.0.8';
    const statuses: number[] = [];
    for (let i = 0; i < ATTEMPTS_PER_ADDRESS; i++) statuses.push((await registerFrom(address, activation)).status);
    expect(statuses).toEqual(Array(ATTEMPTS_PER_ADDRESS).fill(200));
    const before = await tableSnapshot(app);
    await expect(registerFrom(address, activation)).resolves.toMatchObject({ status: 429, code: 'Throttling' });
    await expect(tableSnapshot(app)).resolves.toEqual(before);
    await expect(registerFrom('127.0.0.9', activation)).resolves.toMatchObject({ status: 200 });
  });
});

function readOptional(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
