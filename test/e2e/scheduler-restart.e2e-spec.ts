import { RunningAgent, startAgent } from '../support/agents';
import { eventually } from '../support/eventually';
import { call, newCommand } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';
import { RunRow, runRecords } from '../support/timed-runs';

type Result = Record<string, any>;

const GRACE_SECONDS = 10;
/** Longer than the grace window, so that a restart can come back after it with no fire due meanwhile. */
const FREQUENCY = '*/20 * * * * ?';
const PERIOD_MS = 20_000;

/**
 * Fires missed while no service process ran, with a real agent, so a late fire is a
 * run that really happened. The grace window (10 s) is longer than `Skip`'s on-time tolerance
 * (5 s, fire-plan.ts), so that a restart 5.5 s after a fire is late for `Skip` yet within grace.
 */
describe('timed invocations across a restart', () => {
  let app: TestApp;
  let agent: RunningAgent;
  let commandId: string;

  beforeAll(async () => {
    app = await startTestApp({ MIN_INTERVAL_SECONDS: '1', MISFIRE_GRACE_SECONDS: String(GRACE_SECONDS) });
    agent = await startAgent(app);
    commandId = await newCommand(app, {}, 'echo ran');
  });
  afterAll(async () => {
    await agent?.stop();
    await app.close();
  });

  const invoke = async (params: Record<string, string> = {}): Promise<string> =>
    (
      await call(app, 'InvokeCommand', {
        CommandId: commandId,
        InstanceIds: JSON.stringify([agent.instanceId]),
        Timed: 'true',
        Frequency: FREQUENCY,
        ...params,
      })
    ).InvokeId;
  const at = (rows: RunRow[], time: number): RunRow[] => rows.filter((r) => r.scheduled_at.getTime() === time);
  const recordAt = (invokeId: string, time: number, status: string): Promise<RunRow[]> =>
    eventually(
      async () => {
        const rows = await runRecords(app, invokeId);
        expect(at(rows, time).map((r) => r.status)).toContain(status);
        return rows;
      },
      { timeoutMs: 30_000, description: `a ${status} record for ${new Date(time).toISOString()}` },
    );
  const history = async (invokeId: string): Promise<Result[]> =>
    (await call(app, 'DescribeInvocationResults', { InvokeId: invokeId, IncludeHistory: 'true', PageSize: '50' })).Invocation.InvocationResults
      .InvocationResult;

  /** Waits until `ms` before the next fire time; returns that fire time. */
  async function untilBeforeFire(ms: number): Promise<number> {
    const now = Date.now();
    let mark = Math.ceil(now / PERIOD_MS) * PERIOD_MS;
    if (mark - now < ms + 200) mark += PERIOD_MS;
    await new Promise((r) => setTimeout(r, mark - now - ms));
    return mark;
  }

  /** The service down from just before `mark` until `downUntil`; returns when it was started again. */
  async function downAcross(mark: number, downUntil: number): Promise<number> {
    await app.stopServer();
    expect(Date.now()).toBeLessThan(mark); // really down at the fire time
    await new Promise((r) => setTimeout(r, Math.max(0, downUntil - Date.now())));
    const restartedAt = Date.now();
    await app.startServer();
    return restartedAt;
  }

  it('back within the grace window: the default fires once, late, as a real run; Skip does not fire late', async () => {
    const fireLate = await invoke();
    const skip = await invoke({ MisfirePolicy: 'Skip' });
    const mark = await untilBeforeFire(1000);
    const restartedAt = await downAcross(mark, mark + 5500);

    const late = at(await recordAt(fireLate, mark, 'Success'), mark);
    const skipped = at(await recordAt(skip, mark, 'Missed'), mark);
    await call(app, 'StopInvocation', { InvokeId: fireLate });
    await call(app, 'StopInvocation', { InvokeId: skip });

    expect(late).toHaveLength(1);
    expect(late[0].start_time!.getTime()).toBeGreaterThanOrEqual(mark);
    expect(late[0].start_time!.getTime()).toBeGreaterThanOrEqual(restartedAt);
    expect(late[0].created_at.getTime()).toBeGreaterThanOrEqual(restartedAt); // late, as it had to be
    expect((await runRecords(app, fireLate)).filter((r) => r.status === 'Missed')).toEqual([]);

    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({ status: 'Missed', error_code: 'Misfire', start_time: null });
    expect(skipped[0].error_info).toContain('1 scheduled fire(s)');
  }, 90_000);

  it('back after the grace window: the default records one collapsed miss and continues; FireOnceNow runs once, late', async () => {
    const collapse = await invoke();
    const fireOnceNow = await invoke({ MisfirePolicy: 'FireOnceNow' });
    const mark = await untilBeforeFire(1000);
    // Two fire times missed, the later one by more than the grace window when the service returns.
    const restartedAt = await downAcross(mark, mark + PERIOD_MS + (GRACE_SECONDS + 1) * 1000);

    await recordAt(collapse, mark + 2 * PERIOD_MS, 'Success'); // the schedule goes on
    const forced = at(await recordAt(fireOnceNow, mark + PERIOD_MS, 'Success'), mark + PERIOD_MS);
    await call(app, 'StopInvocation', { InvokeId: collapse });
    await call(app, 'StopInvocation', { InvokeId: fireOnceNow });

    // What an operator sees: one Missed result standing for both times, then runs again.
    const results = (await history(collapse)).filter((r) => Date.parse(r.ScheduledTime) >= mark);
    const missed = results.filter((r) => r.InvocationStatus === 'Missed');
    expect(missed).toHaveLength(1);
    expect(Date.parse(missed[0].ScheduledTime)).toBe(mark);
    expect(missed[0]).toMatchObject({ ErrorCode: 'Misfire', StartTime: '' });
    expect(missed[0].ErrorInfo).toContain('2 scheduled fire(s)');
    expect(results.filter((r) => Date.parse(r.ScheduledTime) === mark + PERIOD_MS)).toEqual([]);
    const next = results.filter((r) => Date.parse(r.ScheduledTime) === mark + 2 * PERIOD_MS);
    expect(next).toHaveLength(1);
    expect(next[0].InvocationStatus).toBe('Success');
    expect(Date.parse(next[0].StartTime)).toBeGreaterThanOrEqual(mark + 2 * PERIOD_MS);
    expect(next[0].Repeats).toBe(missed[0].Repeats + 1);

    // FireOnceNow: the latest missed time runs, however late; the one before it is recorded missed.
    expect(forced).toHaveLength(1);
    expect(forced[0].start_time!.getTime()).toBeGreaterThanOrEqual(restartedAt);
    const forcedMissed = at(await runRecords(app, fireOnceNow), mark);
    expect(forcedMissed).toHaveLength(1);
    expect(forcedMissed[0]).toMatchObject({ status: 'Missed', error_code: 'Misfire' });
    expect(forcedMissed[0].error_info).toContain('1 scheduled fire(s)');
  }, 120_000);

  it('a stored frequency that no longer computes is stopped with an Error run, and does not stall the others', async () => {
    const invokeEverySecond = async (): Promise<string> =>
      (await call(app, 'InvokeCommand', { CommandId: commandId, InstanceIds: JSON.stringify([agent.instanceId]), Timed: 'true', Frequency: '* * * * * ?' }))
        .InvokeId;
    const broken = await invokeEverySecond();
    const healthy = await invokeEverySecond();
    // As if an upgrade had dropped a time zone the expression names.
    await app.sql(`UPDATE invocations SET frequency = '* * * * * ? Mars/Olympus_Mons', next_fire_at = now() WHERE invoke_id = $1`, [broken]);
    await eventually(
      async () => {
        expect((await runRecords(app, healthy)).length).toBeGreaterThanOrEqual(3);
        const [state] = await app.sql<{ next_fire_at: Date | null }>('SELECT next_fire_at FROM invocations WHERE invoke_id = $1', [broken]);
        expect(state.next_fire_at).toBeNull();
      },
      { timeoutMs: 15_000, description: 'the broken schedule stopped and the healthy one fired three times' },
    );
    await call(app, 'StopInvocation', { InvokeId: healthy });
    const brokenRows = await runRecords(app, broken);
    expect(brokenRows.filter((r) => r.status === 'Error')).toHaveLength(1);
  }, 30_000);
});
