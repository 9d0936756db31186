import { call, newCommand, newInstance, REGION } from '../support/factories';
import { startTestApp, tableCounts, tableSnapshot, TestApp } from '../support/test-app';

const REQUEST_ID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const INVOKE_ID = /^t-[0-9a-f]{32}$/;
const sorted = (values: string[]): string[] => [...values].sort();
const token = (): string => `tok-${Math.random().toString(36).slice(2)}-${Date.now()}`;

/**
 * What InvokeCommand leaves behind, read back: DescribeInvocations and
 * DescribeInvocationResults at once and with their filters and paging, ClientToken
 * idempotency, StopInvocation and command parameters. No agent runs here, so every one-shot
 * record stays Pending until the test stops it (the delivery timeout is set far away).
 */
describe('invocations: reads, idempotency, stop, parameters', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ DELIVERY_TIMEOUT_SECONDS: '3600' });
  });
  afterAll(async () => {
    await app.close();
  });

  const invoke = async (params: Record<string, string>): Promise<string> => (await call(app, 'InvokeCommand', params)).InvokeId as string;

  async function invocation(invokeId: string): Promise<Record<string, any>> {
    const body = await call(app, 'DescribeInvocations', { InvokeId: invokeId });
    expect(body.TotalCount).toBe(1);
    return body.Invocations.Invocation[0];
  }

  async function results(params: Record<string, string>): Promise<Record<string, any>> {
    const body = await call(app, 'DescribeInvocationResults', params);
    // Alibaba nests the paging of this action inside `Invocation`, not at the top level.
    expect(body.TotalCount).toBeUndefined();
    return body.Invocation;
  }

  const statusByInstance = async (invokeId: string): Promise<Record<string, string>> =>
    Object.fromEntries((await results({ InvokeId: invokeId })).InvocationResults.InvocationResult.map((r: any) => [r.InstanceId, r.InvocationStatus]));

  /** Sends `action` (RegionId defaults to REGION) and expects a refusal that wrote nothing. */
  async function expectRefused(action: string, params: Record<string, string>, code: string, status: number): Promise<void> {
    const before = await tableSnapshot(app);
    const response = await app.admin.call(action, { RegionId: REGION, ...params });
    expect({ status: response.status, code: response.body.Code }).toEqual({ status, code });
    expect(response.body).toEqual({
      RequestId: expect.stringMatching(REQUEST_ID),
      HostId: 'cloud-assistant',
      Code: code,
      Message: expect.any(String),
    });
    await expect(tableSnapshot(app)).resolves.toEqual(before);
  }

  describe('a new invocation is visible at once', () => {
    it('in DescribeInvocations and DescribeInvocationResults, with one Pending row per instance', async () => {
      const instances = [await newInstance(app), await newInstance(app)];
      const commandId = await newCommand(app, { Name: 'visible-at-once' }, 'echo visible');
      for (let round = 1; round <= 3; round++) {
        const before = await tableCounts(app);
        const invokeId = await invoke({ CommandId: commandId, InstanceIds: JSON.stringify(instances) });
        expect(invokeId).toMatch(INVOKE_ID);

        const described = await invocation(invokeId);
        const result = await results({ InvokeId: invokeId });
        await expect(tableCounts(app)).resolves.toEqual({
          ...before,
          invocations: before.invocations + 1,
          invocation_records: before.invocation_records + 2,
        });

        expect(described).toMatchObject({
          InvokeId: invokeId,
          CommandId: commandId,
          CommandName: 'visible-at-once',
          CommandType: 'RunShellScript',
          CommandContent: Buffer.from('echo visible').toString('base64'),
          InvocationStatus: 'Pending',
          Timed: false,
          RepeatMode: 'Once',
          Parameters: '{}',
          Timeout: 60,
          CreationTime: expect.stringMatching(ISO_TIME),
        });
        expect(described.InvokeInstances.InvokeInstance.map((i: any) => [i.InstanceId, i.InvocationStatus]).sort()).toEqual(
          sorted(instances).map((id) => [id, 'Pending']),
        );

        expect(result).toMatchObject({ TotalCount: 2, PageNumber: 1, NextToken: '' });
        const rows = result.InvocationResults.InvocationResult;
        expect(rows.map((r: any) => r.InstanceId).sort()).toEqual(sorted(instances));
        for (const row of rows) {
          expect(row).toMatchObject({
            InvokeId: invokeId,
            CommandId: commandId,
            InvocationStatus: 'Pending',
            Output: '',
            Dropped: 0,
            FinishedTime: '',
            StopTime: '',
          });
        }
        const command = (await call(app, 'DescribeCommands', { CommandId: commandId })).Commands.Command[0];
        expect(command.InvokeTimes).toBe(round);
      }
    });
  });

  describe('filters', () => {
    let x: string, y: string, commandId: string, commandName: string, otherCommandId: string;
    const ids: Record<'once' | 'stopped' | 'timed' | 'other', string> = {} as never;

    beforeAll(async () => {
      [x, y] = [await newInstance(app), await newInstance(app)];
      commandName = `filtered-${Math.random().toString(36).slice(2, 8)}`;
      commandId = await newCommand(app, { Name: commandName });
      otherCommandId = await newCommand(app);
      ids.once = await invoke({ CommandId: commandId, InstanceIds: JSON.stringify([x]) });
      ids.stopped = await invoke({ CommandId: commandId, InstanceIds: JSON.stringify([x, y]) });
      await call(app, 'StopInvocation', { InvokeId: ids.stopped });
      ids.timed = await invoke({ CommandId: commandId, 'InstanceId.1': y, RepeatMode: 'Period', Frequency: 'rate(1h)' });
      ids.other = await invoke({ CommandId: otherCommandId, InstanceIds: JSON.stringify([x]) });
    });

    const invokeIds = async (params: Record<string, string>): Promise<string[]> => {
      const body = await call(app, 'DescribeInvocations', { MaxResults: '50', ...params });
      expect(body.TotalCount).toBe(body.Invocations.Invocation.length);
      return body.Invocations.Invocation.map((i: any) => i.InvokeId).sort();
    };

    it('DescribeInvocations by InvokeId, CommandId, CommandName and InstanceId', async () => {
      await expect(invokeIds({ InvokeId: ids.once })).resolves.toEqual([ids.once]);
      await expect(invokeIds({ CommandId: commandId })).resolves.toEqual(sorted([ids.once, ids.stopped, ids.timed]));
      await expect(invokeIds({ CommandId: otherCommandId })).resolves.toEqual([ids.other]);
      await expect(invokeIds({ CommandName: commandName })).resolves.toEqual(sorted([ids.once, ids.stopped, ids.timed]));
      await expect(invokeIds({ InstanceId: x })).resolves.toEqual(sorted([ids.once, ids.stopped, ids.other]));
      await expect(invokeIds({ InstanceId: y })).resolves.toEqual(sorted([ids.stopped, ids.timed]));
      await expect(invokeIds({ InvokeId: 't-00000000000000000000000000000000' })).resolves.toEqual([]);
    });

    it('DescribeInvocations by InvocationStatus', async () => {
      await expect(invokeIds({ CommandId: commandId, InvocationStatus: 'Pending' })).resolves.toEqual([ids.once]);
      await expect(invokeIds({ CommandId: commandId, InvocationStatus: 'Stopped' })).resolves.toEqual([ids.stopped]);
      await expect(invokeIds({ CommandId: commandId, InvocationStatus: 'Scheduled' })).resolves.toEqual([ids.timed]);
      await expect(invokeIds({ CommandId: commandId, InvocationStatus: 'Success' })).resolves.toEqual([]);
    });

    it('DescribeInvocations by InvokeStatus, the name the official SDK sends', async () => {
      await expect(invokeIds({ CommandId: commandId, InvokeStatus: 'Stopped' })).resolves.toEqual([ids.stopped]);
    });

    it('DescribeInvocations by Timed and by RepeatMode', async () => {
      await expect(invokeIds({ CommandId: commandId, Timed: 'true' })).resolves.toEqual([ids.timed]);
      await expect(invokeIds({ CommandId: commandId, Timed: 'false' })).resolves.toEqual(sorted([ids.once, ids.stopped]));
      await expect(invokeIds({ CommandId: commandId, RepeatMode: 'Period' })).resolves.toEqual([ids.timed]);
      await expect(invokeIds({ CommandId: commandId, RepeatMode: 'Once' })).resolves.toEqual(sorted([ids.once, ids.stopped]));
    });

    it('DescribeInvocationResults by InvokeId, InstanceId and CommandId', async () => {
      const rows = async (params: Record<string, string>): Promise<string[]> =>
        (await results({ MaxResults: '50', ...params })).InvocationResults.InvocationResult.map((r: any) => `${r.InvokeId}@${r.InstanceId}`).sort();
      await expect(rows({ InvokeId: ids.stopped })).resolves.toEqual(sorted([`${ids.stopped}@${x}`, `${ids.stopped}@${y}`]));
      await expect(rows({ CommandId: commandId, InstanceId: x })).resolves.toEqual(sorted([`${ids.once}@${x}`, `${ids.stopped}@${x}`]));
      await expect(rows({ CommandId: otherCommandId })).resolves.toEqual([`${ids.other}@${x}`]);
      // The timed invocation has not fired yet: it has no result rows.
      await expect(rows({ InvokeId: ids.timed })).resolves.toEqual([]);
    });

    it('DescribeInvocationResults by InvokeRecordStatus, with Alibaba’s values', async () => {
      const rows = async (status: string): Promise<string[]> =>
        (await results({ CommandId: commandId, InvokeRecordStatus: status })).InvocationResults.InvocationResult.map((r: any) => r.InvokeId);
      await expect(rows('Stopped')).resolves.toEqual([ids.stopped, ids.stopped]);
      await expect(rows('Running')).resolves.toEqual([ids.once]);
    });
  });

  describe('IncludeHistory', () => {
    it('lists every run of a timed invocation; without it, only the latest run on each instance', async () => {
      const [p, q] = [await newInstance(app), await newInstance(app)];
      const commandId = await newCommand(app);
      const invokeId = await invoke({ CommandId: commandId, InstanceIds: JSON.stringify([p, q]), Timed: 'true', Frequency: 'rate(1h)' });
      // Three earlier fires on both instances, as the scheduler records them (these tests are about reading them back).
      // The latest still Running: a Pending one this old would be Aborted by the delivery timeout at any moment.
      const statuses = ['Success', 'Failed', 'Running'];
      for (const instanceId of [p, q]) {
        for (let run = 1; run <= 3; run++) {
          const at = new Date(Date.now() - (4 - run) * 3600_000);
          await app.sql(
            `INSERT INTO invocation_records (invoke_id, instance_id, scheduled_at, repeats, status, exit_code, output, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $3, $3)`,
            [invokeId, instanceId, at, run, statuses[run - 1], run === 3 ? null : run - 1, Buffer.from(`run ${run} on ${instanceId}`)],
          );
        }
      }
      const runsOf = (body: Record<string, any>): string[] =>
        body.InvocationResults.InvocationResult.map((r: any) => `${r.InstanceId}#${r.Repeats}:${r.InvocationStatus}`).sort();

      const latest = await results({ InvokeId: invokeId });
      expect(latest.TotalCount).toBe(2);
      expect(runsOf(latest)).toEqual(sorted([`${p}#3:Running`, `${q}#3:Running`]));

      const history = await results({ InvokeId: invokeId, IncludeHistory: 'true' });
      expect(history.TotalCount).toBe(6);
      expect(runsOf(history)).toEqual(sorted([p, q].flatMap((id) => statuses.map((s, i) => `${id}#${i + 1}:${s}`))));
      for (const row of history.InvocationResults.InvocationResult) {
        expect(Buffer.from(row.Output, 'base64').toString()).toBe(`run ${row.Repeats} on ${row.InstanceId}`);
      }

      const onP = await results({ InvokeId: invokeId, IncludeHistory: 'true', InstanceId: p });
      expect(runsOf(onP)).toEqual(statuses.map((s, i) => `${p}#${i + 1}:${s}`).sort());

      const first = await results({ InvokeId: invokeId, IncludeHistory: 'true', MaxResults: '4' });
      const second = await results({ InvokeId: invokeId, IncludeHistory: 'true', MaxResults: '4', NextToken: first.NextToken });
      expect([runsOf(first).length, runsOf(second).length, second.NextToken]).toEqual([4, 2, '']);
      expect(new Set([...runsOf(first), ...runsOf(second)]).size).toBe(6);

      const described = await invocation(invokeId);
      expect(described.InvokeInstances.InvokeInstance.map((i: any) => i.Repeats)).toEqual([3, 3]);
      // The latest run's output, only when asked for.
      expect(described.InvokeInstances.InvokeInstance.map((i: any) => i.Output)).toEqual(['', '']);
      const withOutput = (await call(app, 'DescribeInvocations', { InvokeId: invokeId, IncludeOutput: 'true' })).Invocations.Invocation[0];
      expect(withOutput.InvokeInstances.InvokeInstance.map((i: any) => Buffer.from(i.Output, 'base64').toString())).toEqual([`run 3 on ${p}`, `run 3 on ${q}`]);
    });
  });

  describe('paging over 7 invocations', () => {
    let commandId: string;
    const created: string[] = [];

    beforeAll(async () => {
      const instanceId = await newInstance(app);
      commandId = await newCommand(app);
      for (let i = 0; i < 7; i++) created.push(await invoke({ CommandId: commandId, InstanceIds: JSON.stringify([instanceId]) }));
    });

    it('DescribeInvocations with PageNumber/PageSize', async () => {
      const seen: string[] = [];
      for (const [pageNumber, size] of [
        [1, 3],
        [2, 3],
        [3, 1],
      ] as const) {
        const body = await call(app, 'DescribeInvocations', { CommandId: commandId, PageNumber: String(pageNumber), PageSize: '3' });
        expect(body).toMatchObject({ TotalCount: 7, PageNumber: pageNumber, PageSize: 3 });
        expect(body.Invocations.Invocation).toHaveLength(size);
        seen.push(...body.Invocations.Invocation.map((i: any) => i.InvokeId));
      }
      expect(sorted(seen)).toEqual(sorted(created));
    });

    it('DescribeInvocations and DescribeInvocationResults with MaxResults/NextToken', async () => {
      for (const action of ['DescribeInvocations', 'DescribeInvocationResults']) {
        const seen: string[] = [];
        const sizes: number[] = [];
        let next = '';
        for (let guard = 0; guard < 10; guard++) {
          const body = await call(app, action, { CommandId: commandId, MaxResults: '3', ...(next ? { NextToken: next } : {}) });
          const listed = action === 'DescribeInvocations' ? body : body.Invocation;
          const items = action === 'DescribeInvocations' ? listed.Invocations.Invocation : listed.InvocationResults.InvocationResult;
          expect(listed.TotalCount).toBe(7);
          sizes.push(items.length);
          seen.push(...items.map((i: any) => i.InvokeId));
          next = listed.NextToken;
          if (next === '') break;
        }
        expect(sizes).toEqual([3, 3, 1]);
        expect(sorted(seen)).toEqual(sorted(created));
      }
    });

    it.each(['DescribeInvocations', 'DescribeInvocationResults'])('%s refuses a forged NextToken and MaxResults over 50', async (action) => {
      await expectRefused(action, { CommandId: commandId, NextToken: 'forged-token' }, 'InvalidParameter.NextToken', 400);
      await expectRefused(action, { CommandId: commandId, MaxResults: '51' }, 'InvalidParameter.MaxResults', 400);
      await expectRefused(action, { CommandId: commandId, PageSize: '51' }, 'InvalidParam.PageSize', 400);
    });
  });

  describe('a NextToken walk while new invocations arrive', () => {
    it.each(['DescribeInvocations', 'DescribeInvocationResults'])('%s neither repeats nor skips, and keeps the TotalCount it started with', async (action) => {
      const instanceId = await newInstance(app);
      const commandId = await newCommand(app);
      const existing: string[] = [];
      for (let i = 0; i < 5; i++) existing.push(await invoke({ CommandId: commandId, InstanceIds: JSON.stringify([instanceId]) }));
      const page = async (next: string): Promise<{ ids: string[]; total: number; next: string }> => {
        const body = await call(app, action, { CommandId: commandId, MaxResults: '2', ...(next ? { NextToken: next } : {}) });
        const listed = action === 'DescribeInvocations' ? body : body.Invocation;
        const items = action === 'DescribeInvocations' ? listed.Invocations.Invocation : listed.InvocationResults.InvocationResult;
        return { ids: items.map((i: any) => i.InvokeId), total: listed.TotalCount, next: listed.NextToken };
      };

      const pages = [await page('')];
      // Newer invocations land on top of the list: paging by offset would show page 1 again.
      for (let i = 0; i < 3; i++) await invoke({ CommandId: commandId, InstanceIds: JSON.stringify([instanceId]) });
      while (pages.at(-1)!.next !== '' && pages.length < 10) pages.push(await page(pages.at(-1)!.next));

      expect(pages.map((p) => [p.ids.length, p.total])).toEqual([
        [2, 5],
        [2, 5],
        [1, 5],
      ]);
      expect(pages.flatMap((p) => p.ids)).toEqual([...existing].reverse());
    });
  });

  describe('ClientToken idempotency', () => {
    let instances: string[];
    let commandId: string;

    beforeAll(async () => {
      instances = [await newInstance(app), await newInstance(app)];
      commandId = await newCommand(app);
    });

    const countWithToken = async (clientToken: string): Promise<number> =>
      (await app.sql<{ n: number }>('SELECT count(*)::int AS n FROM invocations WHERE client_token = $1', [clientToken]))[0].n;

    it('the same token and parameters return the same InvokeId and record one invocation', async () => {
      const clientToken = token();
      const params = { CommandId: commandId, InstanceIds: JSON.stringify(instances), Timeout: '30', ClientToken: clientToken };
      const before = await tableCounts(app);
      const first = await invoke(params);
      const second = await invoke(params);
      // The SDK's repeated list form is the same request.
      const third = await invoke({ ...params, InstanceIds: '', 'InstanceId.1': instances[0], 'InstanceId.2': instances[1] });
      expect(second).toBe(first);
      expect(third).toBe(first);
      await expect(tableCounts(app)).resolves.toEqual({
        ...before,
        invocations: before.invocations + 1,
        invocation_records: before.invocation_records + 2,
      });
      await expect(countWithToken(clientToken)).resolves.toBe(1);
    });

    it.each<[string, Record<string, string>]>([
      ['another instance list', { InstanceIds: '' }],
      ['another Timeout', { Timeout: '45' }],
      ['another command', { CommandId: '' }],
      ['a timed invocation instead', { RepeatMode: 'Period', Frequency: 'rate(1h)' }],
    ])('the same token with %s → IdempotentParameterMismatch (403), nothing written', async (_title, change) => {
      const clientToken = token();
      const base = { CommandId: commandId, InstanceIds: JSON.stringify(instances), Timeout: '30', ClientToken: clientToken };
      const invokeId = await invoke(base);
      const changed = { ...base, ...change };
      if (change.InstanceIds === '') changed.InstanceIds = JSON.stringify([instances[0]]);
      if (change.CommandId === '') changed.CommandId = await newCommand(app);
      await expectRefused('InvokeCommand', changed, 'IdempotentParameterMismatch', 403);
      await expect(countWithToken(clientToken)).resolves.toBe(1);
      await expect(invoke(base)).resolves.toBe(invokeId);
    });

    it('10 concurrent calls with one token: one invocation, the same InvokeId for all', async () => {
      const clientToken = token();
      const before = await tableCounts(app);
      const responses = await Promise.all(
        Array.from({ length: 10 }, () =>
          app.admin.call('InvokeCommand', {
            RegionId: REGION,
            CommandId: commandId,
            InstanceIds: JSON.stringify(instances),
            ClientToken: clientToken,
          }),
        ),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
      const invokeIds = new Set(responses.map((r) => r.body.InvokeId));
      expect(invokeIds.size).toBe(1);
      expect([...invokeIds][0]).toMatch(INVOKE_ID);
      await expect(countWithToken(clientToken)).resolves.toBe(1);
      await expect(tableCounts(app)).resolves.toEqual({
        ...before,
        invocations: before.invocations + 1,
        invocation_records: before.invocation_records + 2,
      });
    });
  });

  describe('StopInvocation', () => {
    let a: string, b: string, commandId: string;

    beforeAll(async () => {
      [a, b] = [await newInstance(app), await newInstance(app)];
      commandId = await newCommand(app);
    });

    it('stops the whole invocation: every record Cancelled with a StopTime, the invocation Stopped', async () => {
      const invokeId = await invoke({ CommandId: commandId, InstanceIds: JSON.stringify([a, b]) });
      await call(app, 'StopInvocation', { InvokeId: invokeId });
      const rows = (await results({ InvokeId: invokeId })).InvocationResults.InvocationResult;
      expect(rows).toHaveLength(2);
      for (const row of rows) expect(row).toMatchObject({ InvocationStatus: 'Cancelled', StopTime: expect.stringMatching(ISO_TIME) });
      const described = await invocation(invokeId);
      expect(described.InvocationStatus).toBe('Stopped');
      expect(described.InvokeInstances.InvokeInstance.map((i: any) => i.InvocationStatus)).toEqual(['Cancelled', 'Cancelled']);
    });

    it('with InstanceId.1, stops only that instance’s record; stopping the other too leaves the invocation Stopped', async () => {
      const invokeId = await invoke({ CommandId: commandId, InstanceIds: JSON.stringify([a, b]) });
      await call(app, 'StopInvocation', { InvokeId: invokeId, 'InstanceId.1': a });
      await expect(statusByInstance(invokeId)).resolves.toEqual({ [a]: 'Cancelled', [b]: 'Pending' });
      await expect(invocation(invokeId)).resolves.not.toMatchObject({ InvocationStatus: 'Stopped' });

      await call(app, 'StopInvocation', { InvokeId: invokeId, 'InstanceId.1': b });
      await expect(statusByInstance(invokeId)).resolves.toEqual({ [a]: 'Cancelled', [b]: 'Cancelled' });
      await expect(invocation(invokeId)).resolves.toMatchObject({ InvocationStatus: 'Stopped' });
    });

    it('stops a timed invocation: Stopped, and no next fire time any more', async () => {
      const invokeId = await invoke({ CommandId: commandId, 'InstanceId.1': a, RepeatMode: 'Period', Frequency: 'rate(1h)' });
      await expect(invocation(invokeId)).resolves.toMatchObject({
        InvocationStatus: 'Scheduled',
        Timed: true,
        NextFireTime: expect.stringMatching(ISO_TIME),
      });
      await call(app, 'StopInvocation', { InvokeId: invokeId });
      await expect(invocation(invokeId)).resolves.toMatchObject({ InvocationStatus: 'Stopped', Timed: true, NextFireTime: '' });
    });

    it('refuses an unknown InvokeId, one of another region, or none at all, writing nothing', async () => {
      const invokeId = await invoke({ CommandId: commandId, InstanceIds: JSON.stringify([a]) });
      await expectRefused('StopInvocation', { InvokeId: 't-00000000000000000000000000000000' }, 'InvalidInvokeId.NotFound', 404);
      await expectRefused('StopInvocation', { InvokeId: invokeId, RegionId: 'cn-shanghai' }, 'InvalidInvokeId.NotFound', 404);
      await expectRefused('StopInvocation', {}, 'MissingParameter.InvokeId', 400);
      await expect(statusByInstance(invokeId)).resolves.toEqual({ [a]: 'Pending' });
    });

    it('refuses an instance the invocation does not target (InvalidInstanceId.NotFound), stopping nothing', async () => {
      const invokeId = await invoke({ CommandId: commandId, InstanceIds: JSON.stringify([a]) });
      await expectRefused('StopInvocation', { InvokeId: invokeId, 'InstanceId.1': b }, 'InvalidInstanceId.NotFound', 404);
      await expect(statusByInstance(invokeId)).resolves.toEqual({ [a]: 'Pending' });
      await expect(invocation(invokeId)).resolves.toMatchObject({ InvocationStatus: 'Pending' });
    });
  });

  describe('command parameters', () => {
    let instanceId: string;
    let commandId: string;

    beforeAll(async () => {
      instanceId = await newInstance(app);
      commandId = await newCommand(app, { EnableParameter: 'true' }, 'echo {{greeting}}, {{name}}');
    });

    it.each<[string, string | undefined]>([
      ['no Parameters at all', undefined],
      ['a declared parameter without a value', JSON.stringify({ greeting: 'hello' })],
      ['an undeclared parameter', JSON.stringify({ greeting: 'hello', name: 'ops', colour: 'red' })],
      ['a misspelt parameter', JSON.stringify({ greeting: 'hello', nmae: 'ops' })],
      ['Parameters that are not a JSON object', '["hello","ops"]'],
    ])('refuses %s: InvalidParameter.Parameters (400), nothing written', async (_title, parameters) => {
      await expectRefused(
        'InvokeCommand',
        { CommandId: commandId, InstanceIds: JSON.stringify([instanceId]), ...(parameters === undefined ? {} : { Parameters: parameters }) },
        'InvalidParameter.Parameters',
        400,
      );
    });

    it('accepts every declared parameter and shows them as a JSON string', async () => {
      const values = { greeting: 'hello', name: 'ops team' };
      const invokeId = await invoke({ CommandId: commandId, InstanceIds: JSON.stringify([instanceId]), Parameters: JSON.stringify(values) });
      const described = await invocation(invokeId);
      expect(typeof described.Parameters).toBe('string');
      expect(JSON.parse(described.Parameters)).toEqual(values);
    });
  });
});
