import { RunningAgent, startAgent } from '../support/agents';
import { eventually } from '../support/eventually';
import { call, newCommand } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';
import { runRecords } from '../support/timed-runs';

/** How late a run may start after its scheduled time: generous, for a loaded machine (no performance claim). */
const LATENESS_BOUND_MS = 2000;

type Row = Record<string, any>;

/** With a real agent: timed invocations as persistent cron jobs in UTC+08:00. */
describe('timed invocations', () => {
  let app: TestApp;
  let agent: RunningAgent;
  let other: RunningAgent;

  beforeAll(async () => {
    app = await startTestApp({ MIN_INTERVAL_SECONDS: '1' });
    agent = await startAgent(app);
    other = await startAgent(app);
  });
  afterAll(async () => {
    await agent?.stop();
    await other?.stop();
    await app.close();
  });

  async function history(invokeId: string): Promise<Row[]> {
    const body = await call(app, 'DescribeInvocationResults', { InvokeId: invokeId, IncludeHistory: 'true', PageSize: '50' });
    return body.Invocation.InvocationResults.InvocationResult;
  }

  it('`*/2 * * * * ?` fires every 2 s, never early, each run recorded once; StopInvocation ends the fires', async () => {
    const commandId = await newCommand(app, {}, 'echo tick');
    const { InvokeId } = await call(app, 'InvokeCommand', {
      CommandId: commandId,
      InstanceIds: JSON.stringify([agent.instanceId]),
      Timed: 'true',
      Frequency: '*/2 * * * * ?',
    });
    const described = (await call(app, 'DescribeInvocations', { InvokeId })).Invocations.Invocation[0];
    expect(described).toMatchObject({ Timed: true, Frequency: '*/2 * * * * ?', TimeZone: '+08:00', InvocationStatus: 'Scheduled' });
    expect(Number(described.NextFireTime.slice(17, 19)) % 2).toBe(0);

    const runs = await eventually(
      async () => {
        const rows = await history(InvokeId);
        expect(rows.filter((r) => r.InvocationStatus === 'Success').length).toBeGreaterThanOrEqual(3);
        return rows;
      },
      { description: 'three fires ran to Success' },
    );
    await call(app, 'StopInvocation', { InvokeId });
    const stoppedAt = Date.now();
    const ran = runs.filter((r) => r.InvocationStatus === 'Success').sort((a, b) => a.Repeats - b.Repeats);
    for (const run of ran) {
      const scheduled = Date.parse(run.ScheduledTime);
      expect(new Date(scheduled).getUTCSeconds() % 2).toBe(0);
      expect(scheduled).toBeLessThanOrEqual(Date.parse(run.StartTime));
      expect(Date.parse(run.StartTime) - scheduled).toBeLessThan(LATENESS_BOUND_MS);
      expect(Buffer.from(run.Output, 'base64').toString()).toBe('tick\n');
    }
    for (let i = 1; i < ran.length; i++) {
      expect(Date.parse(ran[i].ScheduledTime) - Date.parse(ran[i - 1].ScheduledTime)).toBe(2000);
      expect(ran[i].Repeats).toBe(ran[i - 1].Repeats + 1);
    }

    // Longer than a period: a fire after the stop would have a record by now.
    await new Promise((r) => setTimeout(r, 3000));
    const after = await history(InvokeId);
    expect(after.filter((r) => Date.parse(r.ScheduledTime) > stoppedAt)).toEqual([]);
    const stopped = (await call(app, 'DescribeInvocations', { InvokeId })).Invocations.Invocation[0];
    expect(stopped).toMatchObject({ InvocationStatus: 'Stopped', NextFireTime: '' });
    const [{ n }] = await app.sql<{ n: number }>('SELECT count(*)::int - count(DISTINCT scheduled_at)::int AS n FROM invocation_records WHERE invoke_id = $1', [
      InvokeId,
    ]);
    expect(n).toBe(0);
    // Never early, by the database's own clock: each record is written at or after its time.
    const records = await runRecords(app, InvokeId);
    expect(records.length).toBeGreaterThanOrEqual(3);
    for (const record of records) expect(record.created_at.getTime()).toBeGreaterThanOrEqual(record.scheduled_at.getTime());
  }, 40_000);

  it('StopInvocation with InstanceId.N stops the fires on those instances only; stopping the rest stops the invocation', async () => {
    const commandId = await newCommand(app, {}, 'echo tick');
    const { InvokeId } = await call(app, 'InvokeCommand', {
      CommandId: commandId,
      InstanceIds: JSON.stringify([agent.instanceId, other.instanceId]),
      Timed: 'true',
      Frequency: '*/2 * * * * ?',
    });
    const successesOn = (rows: Row[], instanceId: string, after = 0): number =>
      rows.filter((r) => r.InstanceId === instanceId && r.InvocationStatus === 'Success' && Date.parse(r.ScheduledTime) > after).length;
    await eventually(
      async () => {
        const rows = await history(InvokeId);
        expect(successesOn(rows, agent.instanceId)).toBeGreaterThanOrEqual(1);
        expect(successesOn(rows, other.instanceId)).toBeGreaterThanOrEqual(1);
      },
      { description: 'a fire ran to Success on both instances' },
    );

    await call(app, 'StopInvocation', { InvokeId, 'InstanceId.1': other.instanceId });
    const [{ stoppedAt }] = await app.sql<{ stoppedAt: Date }>('SELECT now() AS "stoppedAt"');
    const later = await eventually(
      async () => {
        const rows = await history(InvokeId);
        expect(successesOn(rows, agent.instanceId, stoppedAt.getTime())).toBeGreaterThanOrEqual(2);
        return rows;
      },
      { description: 'two more fires on the instance not stopped' },
    );
    expect(later.filter((r) => r.InstanceId === other.instanceId && Date.parse(r.ScheduledTime) > stoppedAt.getTime())).toEqual([]);
    const partly = (await call(app, 'DescribeInvocations', { InvokeId })).Invocations.Invocation[0];
    expect(partly.InvocationStatus).not.toBe('Stopped');
    expect(partly.NextFireTime).not.toBe('');

    await call(app, 'StopInvocation', { InvokeId, 'InstanceId.1': agent.instanceId });
    const [{ allStoppedAt }] = await app.sql<{ allStoppedAt: Date }>('SELECT now() AS "allStoppedAt"');
    // Longer than a period: a fire after the stop would have a record by now.
    await new Promise((r) => setTimeout(r, 3000));
    expect((await runRecords(app, InvokeId)).filter((r) => r.scheduled_at > allStoppedAt)).toEqual([]);
    const stopped = (await call(app, 'DescribeInvocations', { InvokeId })).Invocations.Invocation[0];
    expect(stopped).toMatchObject({ InvocationStatus: 'Stopped', NextFireTime: '' });
  }, 60_000);

  it("the seed's `0 0-5 14 * * ?` fires at 14:00:00–14:05:00 in UTC+08:00", async () => {
    const body = await call(app, 'DescribeFrequencyPreview', { Frequency: '0 0-5 14 * * ?', Count: '6' });
    expect(body.TimeZone).toBe('+08:00');
    const times = body.FireTimes.FireTime as Row[];
    expect(times.map((t) => t.LocalTime.slice(11))).toEqual([
      '14:00:00+08:00',
      '14:01:00+08:00',
      '14:02:00+08:00',
      '14:03:00+08:00',
      '14:04:00+08:00',
      '14:05:00+08:00',
    ]);
    expect(times.map((t) => t.Time.slice(11))).toEqual(['06:00:00Z', '06:01:00Z', '06:02:00Z', '06:03:00Z', '06:04:00Z', '06:05:00Z']);
    expect(new Set(times.map((t) => t.Time.slice(0, 10))).size).toBe(1);
  });

  it('flags daylight-saving gaps and overlaps in the preview', async () => {
    const body = await call(app, 'DescribeFrequencyPreview', { Frequency: '0 30 2 ? * SUN America/New_York', Count: '60' });
    const times = body.FireTimes.FireTime as Row[];
    const gap = times.find((t) => t.DaylightSavingGap);
    expect(gap?.Time.slice(5, 7)).toBe('03'); // the March spring-forward
    const overlapBody = await call(app, 'DescribeFrequencyPreview', { Frequency: '0 30 1 ? * SUN America/New_York', Count: '60' });
    expect((overlapBody.FireTimes.FireTime as Row[]).some((t) => t.DaylightSavingOverlap)).toBe(true);
  });

  it('a fire while the previous run on that instance still runs is recorded as Skipped, not dropped', async () => {
    const commandId = await newCommand(app, {}, 'sleep 3');
    const { InvokeId } = await call(app, 'InvokeCommand', {
      CommandId: commandId,
      InstanceIds: JSON.stringify([agent.instanceId]),
      Timed: 'true',
      Frequency: '* * * * * ?',
    });
    const rows = await eventually(
      async () => {
        const all = await history(InvokeId);
        expect(all.map((r) => r.InvocationStatus)).toContain('Skipped');
        return all;
      },
      { timeoutMs: 15_000, description: 'a fire was Skipped' },
    );
    await call(app, 'StopInvocation', { InvokeId });
    expect(rows.find((r) => r.InvocationStatus === 'Skipped')).toMatchObject({ ErrorCode: 'PreviousRunNotFinished' });
  });

  it('refuses a Frequency under the minimum interval or one that never fires again', async () => {
    const commandId = await newCommand(app);
    for (const frequency of ['0 0 0 1 1 ? 2020', 'rate(0s)', 'at(2020-01-01 00:00:00)']) {
      const response = await app.admin.call('InvokeCommand', {
        RegionId: 'cn-hangzhou',
        CommandId: commandId,
        InstanceIds: JSON.stringify([agent.instanceId]),
        Timed: 'true',
        Frequency: frequency,
      });
      expect(response).toMatchObject({ status: 400, body: { Code: 'InvalidParam.Frequency' } });
    }
  });
});
