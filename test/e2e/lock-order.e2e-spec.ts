import { AgentActions } from '@ca/protocol';
import { RpcClient } from '@ca/signing';
import { Client } from 'pg';
import { registeredAgentState } from '../support/agents';
import { eventually } from '../support/eventually';
import { call, newActivation, newCommand, newInstance, registerAgent } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * Writers that touch an invocation and its records take their locks in one order — records,
 * then the invocation — so a StopInvocation racing agents' reports cannot deadlock with them.
 * StopInvocation holds only a KEY SHARE lock on the invocation while it updates records: it
 * keeps a firing replica out, yet lets an outcome report refresh the invocation's status.
 *
 * The race is made deterministic: a test transaction holds one run's row, so StopInvocation
 * stops in the middle of its record locking; then the other run's agent reports its outcome.
 * When StopInvocation held the invocation row (FOR UPDATE) at that point, the report waited
 * for it, and once the row was released the two deadlocked (PostgreSQL aborted one of them).
 * Records are locked in record id order by every statement that updates several of them.
 */
describe('lock order: StopInvocation against outcome reports', () => {
  let app: TestApp;
  let blocker: Client;

  beforeAll(async () => {
    app = await startTestApp();
    blocker = new Client({ connectionString: app.database.url });
    await blocker.connect();
  });
  afterAll(async () => {
    await blocker?.query('ROLLBACK').catch(() => undefined);
    await blocker?.end();
    await app.close();
  });

  it('an outcome report completes while StopInvocation waits on another run, and both then succeed', async () => {
    const [first, second] = [await registeredAgentState(app), await registeredAgentState(app)];
    const commandId = await newCommand(app, {}, 'sleep 30');
    const { InvokeId: invokeId } = await call(app, 'InvokeCommand', {
      CommandId: commandId,
      InstanceIds: JSON.stringify([first.instanceId, second.instanceId]),
    });
    const agentClient = (state: typeof first) =>
      new RpcClient({ endpoint: app.endpoint, accessKeyId: state.credentials.accessKeyId, accessKeySecret: state.credentials.accessKeySecret });
    const claim = async (client: RpcClient) =>
      ((await client.call(AgentActions.poll, { WaitSeconds: '0' })).body.Tasks as Array<{ RecordId: string }>)[0].RecordId;
    const claimed = [
      { client: agentClient(first), record: '' },
      { client: agentClient(second), record: '' },
    ];
    for (const run of claimed) run.record = await claim(run.client);
    // The run held is the one StopInvocation locks first (record id order); the other one's
    // report then holds its own row while StopInvocation is still to come to it: the worst case.
    claimed.sort((x, y) => x.record.localeCompare(y.record));
    const [{ record: firstRecord }, { client: secondClient, record: secondRecord }] = claimed;

    await blocker.query('BEGIN');
    await blocker.query('SELECT 1 FROM invocation_records WHERE record_id = $1 FOR UPDATE', [firstRecord]);
    const stop = app.admin.call('StopInvocation', { RegionId: 'cn-hangzhou', InvokeId: invokeId });
    // StopInvocation is now waiting for the first run's row.
    await eventually(
      async () => expect(await app.sql(`SELECT query FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`)).toHaveLength(1),
      { description: 'StopInvocation waits on the first run' },
    );

    // The second run's agent reports now: it must not wait for StopInvocation (which would then
    // wait for it: a cycle, once the first run's row is free).
    let answered = false;
    const report = secondClient.call(AgentActions.finish, { RecordId: secondRecord, Status: 'Success', ExitCode: '0', OutputBytes: '0' });
    void report.then(() => (answered = true));
    await eventually(
      async () => {
        if (answered) return;
        expect(await app.sql(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`)).toHaveLength(2);
      },
      { description: 'the report was answered or waits on a lock' },
    );
    expect(answered).toBe(true);

    await blocker.query('ROLLBACK');
    await expect(stop).resolves.toMatchObject({ status: 200 });
    await expect(report).resolves.toMatchObject({ status: 200 });
    const rows = await app.sql<{ record_id: string; status: string; stop_requested: boolean }>(
      'SELECT record_id, status, stop_requested_at IS NOT NULL AS stop_requested FROM invocation_records WHERE invoke_id = $1',
      [invokeId],
    );
    expect(Object.fromEntries(rows.map((r) => [r.record_id, r.status]))).toEqual({ [firstRecord]: 'Running', [secondRecord]: 'Success' });
    expect(rows.find((r) => r.record_id === firstRecord)?.stop_requested).toBe(true);
    const deadlocks = await app.sql<{ deadlocks: number }>('SELECT deadlocks::int FROM pg_stat_database WHERE datname = current_database()');
    expect(deadlocks[0].deadlocks).toBe(0);
  });

  it('partial stops of one timed invocation sent at once all count: once every instance is stopped, it fires no more', async () => {
    const instances = await Promise.all([1, 2, 3, 4].map(() => newInstance(app)));
    const commandId = await newCommand(app);
    const { InvokeId: invokeId } = await call(app, 'InvokeCommand', {
      CommandId: commandId,
      InstanceIds: JSON.stringify(instances),
      Timed: 'true',
      Frequency: 'rate(1h)',
    });
    const answers = await Promise.all(
      instances.map((instanceId) => app.admin.call('StopInvocation', { RegionId: 'cn-hangzhou', InvokeId: invokeId, 'InstanceId.1': instanceId })),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    const [row] = await app.sql<{ stopped: boolean; next_fire_at: Date | null; stopped_instance_ids: string[] }>(
      'SELECT stopped_at IS NOT NULL AS stopped, next_fire_at, stopped_instance_ids FROM invocations WHERE invoke_id = $1',
      [invokeId],
    );
    expect(row).toEqual({ stopped: true, next_fire_at: null, stopped_instance_ids: [...instances].sort() });
    const [invocation] = (await call(app, 'DescribeInvocations', { InvokeId: invokeId })).Invocations.Invocation;
    expect(invocation.InvocationStatus).toBe('Stopped');
  });

  it('DeregisterManagedInstance takes the activation before the instance, as registration does, so the two never deadlock', async () => {
    const activation = await newActivation(app);
    const instanceId = await newInstance(app, { withClient: false });
    expect((await registerAgent(app, activation, instanceId)).status).toBe(200);
    const [{ activation_id: activationId }] = await app.sql<{ activation_id: string }>('SELECT activation_id FROM instances WHERE instance_id = $1', [
      instanceId,
    ]);

    // The test plays a registration: the activation row first...
    await blocker.query('BEGIN');
    await blocker.query('SELECT 1 FROM activations WHERE activation_id = $1 FOR UPDATE', [activationId]);
    const detach = app.admin.call('DeregisterManagedInstance', { RegionId: 'cn-hangzhou', InstanceId: instanceId });
    await eventually(
      async () => expect(await app.sql(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`)).toHaveLength(1),
      { description: 'the detach waits on a lock' },
    );
    // ...then the instance row, which the waiting detach must not hold yet.
    await blocker.query("SET LOCAL lock_timeout = '5s'");
    await expect(blocker.query('SELECT 1 FROM instances WHERE instance_id = $1 FOR UPDATE', [instanceId])).resolves.toMatchObject({ rowCount: 1 });
    await blocker.query('COMMIT');

    await expect(detach).resolves.toMatchObject({ status: 200 });
    const [row] = await app.sql<{ registered: boolean }>('SELECT agent_registered_at IS NOT NULL AS registered FROM instances WHERE instance_id = $1', [
      instanceId,
    ]);
    expect(row.registered).toBe(false);
    const deadlocks = await app.sql<{ deadlocks: number }>('SELECT deadlocks::int FROM pg_stat_database WHERE datname = current_database()');
    expect(deadlocks[0].deadlocks).toBe(0);
  });
});
