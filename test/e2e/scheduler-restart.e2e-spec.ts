import { registeredAgentState } from '../support/agents';
import { call, newCommand } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

type Row = { scheduled_at: Date; created_at: Date; status: string; error_info: string };

/** SPEC §5.3: fires missed while no service process ran. No agent is needed: records are what is checked. */
describe('timed invocations across a restart', () => {
  let app: TestApp;
  let instanceId: string;

  beforeAll(async () => {
    app = await startTestApp({ MIN_INTERVAL_SECONDS: '1', MISFIRE_GRACE_SECONDS: '4' });
    instanceId = (await registeredAgentState(app)).instanceId;
  });
  afterAll(async () => {
    await app.close();
  });

  const records = (invokeId: string): Promise<Row[]> =>
    app.sql<Row>('SELECT scheduled_at, created_at, status, error_info FROM invocation_records WHERE invoke_id = $1 ORDER BY scheduled_at', [invokeId]);

  /** Waits until `ms` before the next multiple of 10 s. */
  async function untilBeforeTenSecondMark(ms: number): Promise<number> {
    const now = Date.now();
    let mark = Math.ceil(now / 10_000) * 10_000;
    if (mark - now < ms + 200) mark += 10_000;
    await new Promise((r) => setTimeout(r, mark - now - ms));
    return mark;
  }

  it('down across a fire time and back within the grace window: fired once, late', async () => {
    const commandId = await newCommand(app);
    const { InvokeId } = await call(app, 'InvokeCommand', { CommandId: commandId, InstanceIds: JSON.stringify([instanceId]), Timed: 'true', Frequency: '*/10 * * * * ?' });
    const mark = await untilBeforeTenSecondMark(1000);
    await app.stopServer();
    await new Promise((r) => setTimeout(r, Math.max(0, mark + 2000 - Date.now()))); // 2 s past the fire, inside the 4 s grace
    await app.startServer();
    await new Promise((r) => setTimeout(r, 1000));
    await call(app, 'StopInvocation', { InvokeId });
    const rows = (await records(InvokeId)).filter((r) => r.scheduled_at.getTime() === mark);
    expect(rows).toHaveLength(1);
    expect(['Pending', 'Aborted', 'Skipped', 'Cancelled']).toContain(rows[0].status);
    expect(rows[0].status).not.toBe('Missed');
    expect(rows[0].created_at.getTime() - mark).toBeGreaterThanOrEqual(1500); // late, as it had to be
  }, 40_000);

  it('down longer than the grace window: the miss is recorded and the schedule continues', async () => {
    const commandId = await newCommand(app);
    const { InvokeId } = await call(app, 'InvokeCommand', { CommandId: commandId, InstanceIds: JSON.stringify([instanceId]), Timed: 'true', Frequency: '*/10 * * * * ?' });
    const mark = await untilBeforeTenSecondMark(1000);
    await app.stopServer();
    await new Promise((r) => setTimeout(r, Math.max(0, mark + 6000 - Date.now()))); // 6 s past: beyond the 4 s grace
    await app.startServer();
    await new Promise((r) => setTimeout(r, Math.max(0, mark + 10_500 - Date.now()))); // the next fire happens normally
    await call(app, 'StopInvocation', { InvokeId });
    const rows = await records(InvokeId);
    const missed = rows.find((r) => r.scheduled_at.getTime() === mark);
    expect(missed).toMatchObject({ status: 'Missed' });
    expect(missed!.error_info).toContain('1 scheduled fire(s)');
    const next = rows.find((r) => r.scheduled_at.getTime() === mark + 10_000);
    expect(next).toBeDefined();
    expect(next!.status).not.toBe('Missed');
  }, 40_000);

  it('a stored frequency that no longer computes is stopped with an Error run, and does not stall the others', async () => {
    const commandId = await newCommand(app);
    const invoke = async (): Promise<string> =>
      (await call(app, 'InvokeCommand', { CommandId: commandId, InstanceIds: JSON.stringify([instanceId]), Timed: 'true', Frequency: '* * * * * ?' })).InvokeId;
    const broken = await invoke();
    const healthy = await invoke();
    // As if an upgrade had dropped a time zone the expression names.
    await app.sql(`UPDATE invocations SET frequency = '* * * * * ? Mars/Olympus_Mons', next_fire_at = now() WHERE invoke_id = $1`, [broken]);
    await new Promise((r) => setTimeout(r, 3500));
    await call(app, 'StopInvocation', { InvokeId: healthy });
    const brokenRows = await records(broken);
    expect(brokenRows.filter((r) => r.status === 'Error')).toHaveLength(1);
    const [state] = await app.sql<{ next_fire_at: Date | null }>('SELECT next_fire_at FROM invocations WHERE invoke_id = $1', [broken]);
    expect(state.next_fire_at).toBeNull();
    expect((await records(healthy)).length).toBeGreaterThanOrEqual(3);
  }, 30_000);
});
