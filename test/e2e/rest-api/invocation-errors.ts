import { call, newCommand, newInstance } from '../../support/factories';
import { tableSnapshot } from '../../support/test-app';
import { refusal, RestSuite, rpcRefusal } from './suite';

/** Refused invocations answer InvokeCommand's code and status for the same mistake, and create nothing. */
export function invocationErrorTests(suite: RestSuite): void {
  describe('invocation errors', () => {
    let commandId: string;
    let instanceId: string;
    let noClient: string;
    beforeAll(async () => {
      commandId = await newCommand(suite.app);
      instanceId = await newInstance(suite.app);
      noClient = await newInstance(suite.app, { withClient: false });
    });

    it('refuses each bad invocation as InvokeCommand does, creating nothing', async () => {
      const many = Array.from({ length: 101 }, (_, i) => `i-many${i}`);
      const cases: Array<[Record<string, unknown>, Record<string, string>, number, string]> = [
        [{ commandId, instanceIds: [instanceId], frequency: 'every tuesday' }, { Timed: 'true', Frequency: 'every tuesday' }, 400, 'InvalidParam.Frequency'],
        [{ commandId, instanceIds: [instanceId], frequency: 'rate(1s)' }, { Timed: 'true', Frequency: 'rate(1s)' }, 400, 'InvalidParam.Frequency'],
        [{ commandId, instanceIds: [instanceId], timed: true }, { Timed: 'true' }, 400, 'MissingParameter.Frequency'],
        [{ commandId, instanceIds: [] }, { InstanceIds: '[]' }, 400, 'MissingParameter.InstanceIds'],
        [{ instanceIds: [instanceId] }, { CommandId: '' }, 400, 'MissingParameter.CommandId'],
        [{ commandId: 'c-nosuchcommand', instanceIds: [instanceId] }, { CommandId: 'c-nosuchcommand' }, 404, 'InvalidCmdId.NotFound'],
        [{ commandId, instanceIds: ['i-nosuchinstance'] }, { InstanceIds: '["i-nosuchinstance"]' }, 404, 'InvalidInstance.NotFound'],
        [{ commandId, instanceIds: [noClient] }, { InstanceIds: JSON.stringify([noClient]) }, 400, 'InvalidInstance.NoClient'],
        [{ commandId, instanceIds: many }, { InstanceIds: JSON.stringify(many) }, 400, 'InstanceIds.ExceedLimit'],
        [{ commandId, instanceIds: [instanceId, instanceId] }, { InstanceIds: JSON.stringify([instanceId, instanceId]) }, 400, 'InstanceIds.Duplicated'],
        [{ commandId, instanceIds: ['bad id!'] }, { InstanceIds: '["bad id!"]' }, 400, 'InvalidInstanceId.Malformed'],
        [{ commandId, instanceIds: [instanceId], parameters: { x: '1' } }, { Parameters: '{"x":"1"}' }, 400, 'InvalidParameter.Parameters'],
        [{ commandId, instanceIds: [instanceId], timeout: 86401 }, { Timeout: '86401' }, 400, 'InvalidTimeout.ExceedLimit'],
        [
          { commandId, instanceIds: [instanceId], misfirePolicy: 'Sometimes', frequency: 'rate(1h)' },
          { Timed: 'true', Frequency: 'rate(1h)', MisfirePolicy: 'Sometimes' },
          400,
          'InvalidParam.MisfirePolicy',
        ],
      ];
      const before = await tableSnapshot(suite.app);
      for (const [body, rpcOverride, status, code] of cases) {
        const rest = await suite.admin.call('POST', '/v1/invocations', { body });
        expect({ ...refusal(rest), body }).toEqual({ status, code, body });
        const rpcParams = { CommandId: commandId, InstanceIds: JSON.stringify([instanceId]), ...rpcOverride };
        expect({ ...(await rpcRefusal(suite.app, 'InvokeCommand', rpcParams)), rpcParams }).toEqual({ status, code, rpcParams });
      }
      const contradiction = await suite.admin.call('POST', '/v1/invocations', {
        body: { commandId, instanceIds: [instanceId], timed: false, frequency: 'rate(1h)' },
      });
      expect(refusal(contradiction)).toEqual({ status: 400, code: 'InvalidParam.RepeatMode' });
      expect(await tableSnapshot(suite.app)).toEqual(before);
    });

    it('refuses parameters that render over 24 KB as InvokeCommand does: CmdContent.ExceedLimit, creating nothing', async () => {
      const repeating = await newCommand(suite.app, { EnableParameter: 'true' }, '{{a}}'.repeat(4900));
      const value = 'x'.repeat(20 * 1024);
      const before = await tableSnapshot(suite.app);
      const rest = await suite.admin.call('POST', '/v1/invocations', { body: { commandId: repeating, instanceIds: [instanceId], parameters: { a: value } } });
      expect(refusal(rest)).toEqual({ status: 400, code: 'CmdContent.ExceedLimit' });
      const rpcParams = { CommandId: repeating, InstanceIds: JSON.stringify([instanceId]), Parameters: JSON.stringify({ a: value }) };
      expect(await rpcRefusal(suite.app, 'InvokeCommand', rpcParams)).toEqual({ status: 400, code: 'CmdContent.ExceedLimit' });
      expect(await tableSnapshot(suite.app)).toEqual(before);
    });

    it('answers 404 InvalidInvokeId.NotFound for an unknown invocation on every route, as StopInvocation does', async () => {
      const params = { invokeId: 't-nosuchinvocation' };
      const notFound = { status: 404, code: 'InvalidInvokeId.NotFound' };
      expect(refusal(await suite.admin.call('GET', '/v1/invocations/{invokeId}', { params }))).toEqual(notFound);
      expect(refusal(await suite.admin.call('GET', '/v1/invocations/{invokeId}/results', { params }))).toEqual(notFound);
      expect(refusal(await suite.admin.call('POST', '/v1/invocations/{invokeId}/stop', { params }))).toEqual(notFound);
      expect(await rpcRefusal(suite.app, 'StopInvocation', { InvokeId: params.invokeId })).toEqual(notFound);
    });

    it('answers 404 InvalidInstanceId.NotFound when a stop names an instance the invocation does not target', async () => {
      const invokeId = (await call(suite.app, 'InvokeCommand', { CommandId: commandId, InstanceIds: JSON.stringify([instanceId]) })).InvokeId;
      const stop = await suite.admin.call('POST', '/v1/invocations/{invokeId}/stop', { params: { invokeId }, body: { instanceIds: ['i-elsewhere'] } });
      expect(refusal(stop)).toEqual({ status: 404, code: 'InvalidInstanceId.NotFound' });
      expect(await rpcRefusal(suite.app, 'StopInvocation', { InvokeId: invokeId, 'InstanceId.1': 'i-elsewhere' })).toEqual(refusal(stop));
      const [record] = await suite.app.sql<{ status: string }>('SELECT status FROM invocation_records WHERE invoke_id = $1', [invokeId]);
      expect(record.status).toBe('Pending');
    });

    it('refuses malformed list filters', async () => {
      const list = (query: Record<string, string>) => suite.admin.call('GET', '/v1/invocations', { query });
      expect(refusal(await list({ since: 'yesterday' }))).toEqual({ status: 400, code: 'InvalidParameter.Since' });
      expect(refusal(await list({ status: 'Done' }))).toEqual({ status: 400, code: 'InvalidParameter.InvocationStatus' });
      expect(refusal(await list({ timed: 'maybe' }))).toEqual({ status: 400, code: 'InvalidParameter.Timed' });
      expect(await rpcRefusal(suite.app, 'DescribeInvocations', { InvocationStatus: 'Done' })).toEqual({
        status: 400,
        code: 'InvalidParameter.InvocationStatus',
      });
    });
  });

  describe('frequency preview', () => {
    it('previews the next fire times as DescribeFrequencyPreview does', async () => {
      const preview = await suite.admin.call('GET', '/v1/frequency-preview', { query: { frequency: '0 30 2 * * ? America/New_York', count: 3 } });
      expect(preview).toMatchObject({ status: 200, body: { frequency: '0 30 2 * * ? America/New_York', timeZone: 'America/New_York' } });
      expect(preview.body.nextFireTimes).toHaveLength(3);
      const rpc = await call(suite.app, 'DescribeFrequencyPreview', { Frequency: '0 30 2 * * ? America/New_York', Count: '3' });
      expect(preview.body.nextFireTimes.map((t: string) => Date.parse(t))).toEqual(rpc.FireTimes.FireTime.map((t: { Time: string }) => Date.parse(t.Time)));
      expect(preview.body.fireTimes[0]).toEqual({
        time: preview.body.nextFireTimes[0],
        localTime: rpc.FireTimes.FireTime[0].LocalTime,
        daylightSavingGap: false,
        daylightSavingOverlap: false,
      });
      const readonly = await suite.readonly.call('GET', '/v1/frequency-preview', { query: { frequency: 'rate(1h)' } });
      expect(readonly.body.nextFireTimes).toHaveLength(5);
    });

    it('refuses a bad frequency or count with the RPC codes', async () => {
      const preview = (query: Record<string, string | undefined>) => suite.admin.call('GET', '/v1/frequency-preview', { query });
      expect(refusal(await preview({ frequency: 'rate(1s)' }))).toEqual({ status: 400, code: 'InvalidParam.Frequency' });
      expect(await rpcRefusal(suite.app, 'DescribeFrequencyPreview', { Frequency: 'rate(1s)' })).toEqual({ status: 400, code: 'InvalidParam.Frequency' });
      expect(refusal(await preview({ frequency: undefined }))).toEqual({ status: 400, code: 'MissingParameter.Frequency' });
      expect(refusal(await preview({ frequency: 'rate(1h)', count: '0' }))).toEqual({ status: 400, code: 'InvalidParam.Count' });
    });
  });
}
