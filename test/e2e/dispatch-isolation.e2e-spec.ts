import { AgentActions } from '@ca/protocol';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RpcClient } from '@ca/signing';
import { registeredAgentState, RunningAgent, startAgent } from '../support/agents';
import { eventually } from '../support/eventually';
import { call, newCommand } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

/** An agent sees and reports only its own instance's work, and outlives the service going away. */
describe('dispatch: isolation and outages', () => {
  let app: TestApp;
  let agent: RunningAgent;

  beforeAll(async () => {
    app = await startTestApp();
    agent = await startAgent(app);
  });
  afterAll(async () => {
    await agent?.stop();
    await app.close();
  });

  async function invoke(script: string, instanceIds: string[]): Promise<string> {
    const commandId = await newCommand(app, {}, script);
    return (await call(app, 'InvokeCommand', { CommandId: commandId, InstanceIds: JSON.stringify(instanceIds) })).InvokeId as string;
  }

  const results = async (invokeId: string): Promise<Array<Record<string, any>>> =>
    (await call(app, 'DescribeInvocationResults', { InvokeId: invokeId })).Invocation.InvocationResults.InvocationResult;
  /** The invocation's runs once the first one is `status`. */
  const reaching = (invokeId: string, status: string, timeoutMs?: number): Promise<Array<Record<string, any>>> =>
    eventually(
      async () => {
        const rows = await results(invokeId);
        expect(rows[0]?.InvocationStatus).toBe(status);
        return rows;
      },
      { timeoutMs, description: `the run of ${invokeId} is ${status}` },
    );

  it("an agent's credential is refused on another instance's records, and its polls return only its own work", async () => {
    const victim = await registeredAgentState(app);
    const intruder = await registeredAgentState(app);
    const invokeId = await invoke('echo secret', [victim.instanceId]);
    const [{ record_id: recordId }] = await app.sql<{ record_id: string }>('SELECT record_id FROM invocation_records WHERE invoke_id = $1', [invokeId]);
    await app.sql(`UPDATE invocation_records SET status = 'Running' WHERE record_id = $1`, [recordId]); // as if its agent had it
    const client = new RpcClient({
      endpoint: app.endpoint,
      accessKeyId: intruder.credentials.accessKeyId,
      accessKeySecret: intruder.credentials.accessKeySecret,
    });

    const polled = await client.call(AgentActions.poll, { WaitSeconds: '0' });
    expect(polled).toMatchObject({ status: 200, body: { Tasks: [], StopRecordIds: [] } });
    for (const [action, params] of [
      [AgentActions.output, { RecordId: recordId, Offset: '0', Output: Buffer.from('forged').toString('base64') }],
      [AgentActions.finish, { RecordId: recordId, Status: 'Success', ExitCode: '0', OutputBytes: '0' }],
    ] as const) {
      await expect(client.call(action, params)).resolves.toMatchObject({ status: 404, body: { Code: 'InvalidRecordId.NotFound' } });
    }
    await expect(results(invokeId)).resolves.toMatchObject([{ InvocationStatus: 'Running', Output: '' }]);
    await app.sql(`UPDATE invocation_records SET status = 'Pending' WHERE record_id = $1`, [recordId]);

    // The victim's own credential sees it.
    const owner = new RpcClient({ endpoint: app.endpoint, accessKeyId: victim.credentials.accessKeyId, accessKeySecret: victim.credentials.accessKeySecret });
    const own = await owner.call(AgentActions.poll, { WaitSeconds: '0' });
    expect((own.body.Tasks as Array<{ RecordId: string }>).map((t) => t.RecordId)).toEqual([recordId]);
  });

  it('runs of one invocation finishing at the same moment, each with its last output, are all recorded at the first report; a forged report among them is refused', async () => {
    const states = await Promise.all(Array.from({ length: 12 }, () => registeredAgentState(app)));
    const invokeId = await invoke(
      'echo from-each',
      states.map((s) => s.instanceId),
    );
    const clients = states.map(
      (s) => new RpcClient({ endpoint: app.endpoint, accessKeyId: s.credentials.accessKeyId, accessKeySecret: s.credentials.accessKeySecret }),
    );
    const recordIds = await Promise.all(
      clients.map(async (client) => ((await client.call(AgentActions.poll, { WaitSeconds: '0' })).body.Tasks as Array<{ RecordId: string }>)[0].RecordId),
    );

    const intruderState = await registeredAgentState(app);
    const intruder = new RpcClient({
      endpoint: app.endpoint,
      accessKeyId: intruderState.credentials.accessKeyId,
      accessKeySecret: intruderState.credentials.accessKeySecret,
    });

    const [forged, ...reports] = await Promise.all([
      intruder.call(AgentActions.finish, {
        RecordId: recordIds[0],
        Status: 'Failed',
        ExitCode: '1',
        OutputBytes: '6',
        Offset: '0',
        Output: Buffer.from('forged').toString('base64'),
      }),
      ...clients.map((client, i) =>
        client.call(AgentActions.finish, {
          RecordId: recordIds[i],
          Status: 'Success',
          ExitCode: '0',
          OutputBytes: '10',
          Offset: '0',
          Output: Buffer.from('from-each\n').toString('base64'),
        }),
      ),
    ]);

    expect(forged).toMatchObject({ status: 404, body: { Code: 'InvalidRecordId.NotFound' } });
    expect(reports.map((r) => r.status)).toEqual(reports.map(() => 200));
    const rows = await results(invokeId);
    expect(rows.map((r) => [r.InvocationStatus, Buffer.from(r.Output, 'base64').toString()])).toEqual(rows.map(() => ['Success', 'from-each\n']));
    expect((await call(app, 'DescribeInvocations', { InvokeId: invokeId })).Invocations.Invocation[0].InvocationStatus).toBe('Success');
  });

  it.each([
    ['OutputBytes', '99999999999', { OutputBytes: '99999999999' }],
    ['FinishedTime', '-100000-01-01', { FinishedTime: '-100000-01-01' }],
    ['FinishedTime', 'an hour ahead', { FinishedTime: new Date(Date.now() + 3_600_000).toISOString() }],
    ['Offset', '4294967296', { Offset: '4294967296' }],
  ])('a report with %s %s is refused (400 naming it) and writes nothing; a good report sent with it is recorded', async (field, _value, bad) => {
    const states = await Promise.all([registeredAgentState(app), registeredAgentState(app)]);
    const invokeId = await invoke(
      'echo report',
      states.map((s) => s.instanceId),
    );
    const clients = states.map(
      (s) => new RpcClient({ endpoint: app.endpoint, accessKeyId: s.credentials.accessKeyId, accessKeySecret: s.credentials.accessKeySecret }),
    );
    const [badRecord, goodRecord] = await Promise.all(
      clients.map(async (client) => ((await client.call(AgentActions.poll, { WaitSeconds: '0' })).body.Tasks as Array<{ RecordId: string }>)[0].RecordId),
    );
    const row = async (recordId: string) =>
      (await app.sql<{ row: string }>('SELECT to_jsonb(r)::text AS row FROM invocation_records r WHERE record_id = $1', [recordId]))[0].row;
    const badBefore = await row(badRecord);
    const report = { Status: 'Success', ExitCode: '0', OutputBytes: '7', Offset: '0', Output: Buffer.from('report\n').toString('base64') };

    const [refused, good] = await Promise.all([
      clients[0].call(AgentActions.finish, { RecordId: badRecord, ...report, ...bad }),
      clients[1].call(AgentActions.finish, { RecordId: goodRecord, ...report, FinishedTime: new Date().toISOString() }),
    ]);

    expect(refused).toMatchObject({ status: 400, body: { Code: `InvalidParameter.${field}` } });
    expect(good.status).toBe(200);
    await expect(row(badRecord)).resolves.toBe(badBefore);
    const rows = await results(invokeId);
    expect(rows.map((r) => [r.InstanceId, r.InvocationStatus]).sort()).toEqual(
      [
        [states[0].instanceId, 'Running'],
        [states[1].instanceId, 'Success'],
      ].sort(),
    );
  });

  it('an operator key cannot call agent actions', async () => {
    await expect(app.admin.call(AgentActions.poll, { WaitSeconds: '0' })).resolves.toMatchObject({
      status: 403,
      body: { Code: 'Forbidden.AgentOnly' },
    });
  });

  it('keeps running while the service is down, and reports the outcome once when it is back', async () => {
    const invokeId = await invoke('sleep 2; echo finished-offline', [agent.instanceId]);
    await reaching(invokeId, 'Running');
    const [{ record_id: recordId }] = await app.sql<{ record_id: string }>('SELECT record_id FROM invocation_records WHERE invoke_id = $1', [invokeId]);
    await app.stopServer();
    // The command ends while nobody listens: its outcome waits in the agent's journal.
    await eventually(() => expect(journalState(agent.stateDir, recordId)).toBe('finished'), { description: 'the agent finished the run offline' });
    const restartedAt = Date.now();
    await app.startServer();
    const [result] = await reaching(invokeId, 'Success', 30_000);
    expect(Buffer.from(result.Output, 'base64').toString()).toBe('finished-offline\n');
    expect(agent.output()).toContain('poll failed'); // the agent did see the service gone
    // The outcome carries the agent's time of finishing (during the outage), not that of the late report.
    expect(Date.parse(result.FinishedTime)).toBeLessThan(restartedAt);
    expect(agent.executions().filter((id) => id === recordId)).toHaveLength(1);

    // Accepted once: the agent stopped reporting it (its journal says done), a repeated report (a
    // retry whose answer was lost) is acknowledged and changes nothing, and nothing later does.
    const recorded = async (): Promise<Record<string, unknown>> =>
      (await app.sql('SELECT status, exit_code, output, finished_time, updated_at FROM invocation_records WHERE record_id = $1', [recordId]))[0];
    const first = await recorded();
    await eventually(() => expect(journalState(agent.stateDir, recordId)).toBe('done'), { description: 'the agent marked the run reported' });
    const own = new RpcClient({ endpoint: app.endpoint, accessKeyId: agent.credentials.accessKeyId, accessKeySecret: agent.credentials.accessKeySecret });
    const replay = await own.call(AgentActions.finish, {
      RecordId: recordId,
      Status: 'Failed',
      ExitCode: '9',
      OutputBytes: '5',
      Offset: '0',
      Output: Buffer.from('late\n').toString('base64'),
    });
    expect(replay.status).toBe(200);
    // Nothing may change: wait longer than the agent's longest retry delay (5 s).
    await new Promise((r) => setTimeout(r, 6000));
    expect(await recorded()).toEqual(first);
    // A new invocation reaches the same agent after the outage.
    const after = await invoke('echo again', [agent.instanceId]);
    await reaching(after, 'Success');
  }, 60_000);

  it('a run delivered again while its agent runs it (the acknowledgement lost) is not run twice', async () => {
    const invokeId = await invoke('sleep 3; echo once', [agent.instanceId]);
    const [{ record_id: recordId }] = await app.sql<{ record_id: string }>('SELECT record_id FROM invocation_records WHERE invoke_id = $1', [invokeId]);
    await eventually(() => expect(agent.executions()).toContain(recordId), { description: 'the agent started the run' });
    // As if the agent's acknowledgement had never arrived, long ago: due for redelivery. Then wake
    // its waiting poll (what any new work for it would do), so it looks at once.
    await app.sql(`UPDATE invocation_records SET acked_at = NULL, delivered_at = now() - interval '1 minute' WHERE record_id = $1`, [recordId]);
    await app.sql(`SELECT pg_notify('ca_dispatch', $1)`, [agent.instanceId]);
    const [again] = await eventually(
      async () => {
        const rows = await app.sql<{ redelivered: boolean; acked: boolean; status: string }>(
          `SELECT delivered_at > now() - interval '30 seconds' AS redelivered, acked_at IS NOT NULL AS acked, status
             FROM invocation_records WHERE record_id = $1`,
          [recordId],
        );
        expect(rows[0]).toMatchObject({ redelivered: true, acked: true });
        return rows;
      },
      { description: 'the run was delivered again and acknowledged' },
    );
    expect(again.status).toBe('Running'); // delivered again before it finished
    const [result] = await reaching(invokeId, 'Success');
    expect(Buffer.from(result.Output, 'base64').toString()).toBe('once\n');
    // Nothing may happen: a second run, had it started, would have logged by now.
    await new Promise((r) => setTimeout(r, 1000));
    expect(agent.executions().filter((id) => id === recordId)).toHaveLength(1);
  });

  it('an agent restarted mid-run reports that run as an Error rather than leaving it Running', async () => {
    const own = await registeredAgentState(app);
    const first = await startAgent(app, own);
    const invokeId = await invoke('sleep 300', [own.instanceId]);
    // Running on the service's side means delivered; wait until the agent has spawned the command,
    // or a kill in between would only lose the delivery (which is then delivered again and run).
    await eventually(() => expect(first.executions()).not.toEqual([]), { description: 'the agent spawned the command' });
    await first.stop(); // SIGKILL: the journal says "running"
    const second = await startAgent(app, own);
    try {
      const [result] = await reaching(invokeId, 'Error');
      expect(result.ErrorCode).toBe('AgentRestarted');
    } finally {
      await second.stop();
    }
  });
});

/** The agent's last journal entry for a record (apps/agent/src/journal.ts: one JSON line per change). */
function journalState(stateDir: string, recordId: string): string | undefined {
  const lines = readFileSync(join(stateDir, 'journal.log'), 'utf8').split('\n').filter(Boolean);
  const entries = lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as { id: string; state: string }];
    } catch {
      return []; // a line being written as we read
    }
  });
  return entries.filter((entry) => entry.id === recordId).at(-1)?.state;
}
