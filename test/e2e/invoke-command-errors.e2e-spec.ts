import { XMLParser } from 'fast-xml-parser';
import { ERROR_CATALOG } from '../../apps/server/src/api/error-catalog';
import { call, newCommand, newInstance, REGION } from '../support/factories';
import { startTestApp, tableCounts, TestApp } from '../support/test-app';

const REQUEST_ID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;
const xml = new XMLParser({ parseTagValue: false });

/**
 * Every InvokeCommand error of SPEC §2.2: the code, the HTTP status, the seed's message, in JSON
 * and in XML — and nothing written to the database.
 */
describe('InvokeCommand errors', () => {
  let app: TestApp;
  let commandId: string;
  const instances: Record<'ready' | 'classic' | 'stopped' | 'noClient' | 'stoppedNoClient', string> = {} as never;

  beforeAll(async () => {
    app = await startTestApp();
    commandId = await newCommand(app);
    instances.ready = await newInstance(app);
    instances.classic = await newInstance(app, { networkType: 'classic' });
    instances.stopped = await newInstance(app, { status: 'Stopped' });
    instances.noClient = await newInstance(app, { withClient: false });
    instances.stoppedNoClient = await newInstance(app, { status: 'Stopped', withClient: false });
  });
  afterAll(async () => {
    await app.close();
  });

  const base = (): Record<string, string> => ({
    RegionId: REGION,
    CommandId: commandId,
    InstanceIds: JSON.stringify([instances.ready]),
  });
  const without = (params: Record<string, string>, ...names: string[]): Record<string, string> =>
    Object.fromEntries(Object.entries(params).filter(([k]) => !names.includes(k)));

  type Case = [title: string, params: () => Record<string, string>, code: keyof typeof ERROR_CATALOG];
  const cases: Case[] = [
    ['no RegionId', () => without(base(), 'RegionId'), 'MissingParameter.RegionId'],
    ['no instance list', () => without(base(), 'InstanceIds'), 'MissingParameter.InstanceIds'],
    ['an empty instance list', () => ({ ...base(), InstanceIds: '[]' }), 'MissingParameter.InstanceIds'],
    ['no CommandId', () => without(base(), 'CommandId'), 'MissingParameter.CommandId'],
    ['Timed=true without Frequency', () => ({ ...base(), Timed: 'true' }), 'MissingParameter.Frequency'],
    ['Timed=TRUE (any case) without Frequency', () => ({ ...base(), Timed: 'TRUE' }), 'MissingParameter.Frequency'],
    ['an unknown region', () => ({ ...base(), RegionId: 'xx-nowhere-1' }), 'InvalidRegionId.NotFound'],
    ['an unknown command', () => ({ ...base(), CommandId: 'c-00000000000000000000000000000000' }), 'InvalidCmdId.NotFound'],
    ['a command of another region', () => ({ ...base(), RegionId: 'cn-shanghai' }), 'InvalidCmdId.NotFound'],
    ['an unknown instance', () => ({ ...base(), InstanceIds: JSON.stringify([instances.ready, 'i-doesnotexist']) }), 'InvalidInstance.NotFound'],
    ['a classic-network instance', () => ({ ...base(), InstanceIds: JSON.stringify([instances.classic]) }), 'InvalidInstance.NotVpc'],
    ['a stopped instance', () => ({ ...base(), InstanceIds: JSON.stringify([instances.stopped]) }), 'InvalidInstanceStatus'],
    ['an instance without an agent', () => ({ ...base(), InstanceIds: JSON.stringify([instances.noClient]) }), 'InvalidInstance.NoClient'],
    // The documented order: missing parameters first, then region, command, instances.
    ['no RegionId and no CommandId → RegionId first', () => without(base(), 'RegionId', 'CommandId'), 'MissingParameter.RegionId'],
    ['no InstanceIds and no CommandId → InstanceIds first', () => without(base(), 'InstanceIds', 'CommandId'), 'MissingParameter.InstanceIds'],
    ['unknown region and command → region first', () => ({ ...base(), RegionId: 'xx-nowhere-1', CommandId: 'c-none' }), 'InvalidRegionId.NotFound'],
    ['unknown command and instance → command first', () => ({ ...base(), CommandId: 'c-none', InstanceIds: '["i-none"]' }), 'InvalidCmdId.NotFound'],
    ['unknown and classic instances → NotFound first', () => ({ ...base(), InstanceIds: JSON.stringify([instances.classic, 'i-none']) }), 'InvalidInstance.NotFound'],
    ['classic and stopped instances → NotVpc first', () => ({ ...base(), InstanceIds: JSON.stringify([instances.stopped, instances.classic]) }), 'InvalidInstance.NotVpc'],
    ['stopped and client-less → status first', () => ({ ...base(), InstanceIds: JSON.stringify([instances.noClient, instances.stoppedNoClient]) }), 'InvalidInstanceStatus'],
    ['missing Frequency before an unknown region', () => ({ ...base(), RegionId: 'xx-nowhere-1', Timed: 'true' }), 'MissingParameter.Frequency'],
    // Further 400s with codes of their own.
    ['more than 100 instances', () => ({ ...base(), InstanceIds: JSON.stringify(Array.from({ length: 101 }, (_, i) => `i-${i}`)) }), 'InstanceIds.ExceedLimit'],
    ['a duplicate instance id', () => ({ ...base(), InstanceIds: JSON.stringify([instances.ready, instances.ready]) }), 'InstanceIds.Duplicated'],
    ['an unparseable Frequency', () => ({ ...base(), Timed: 'true', Frequency: 'every tuesday' }), 'InvalidParam.Frequency'],
    ['a Frequency that never fires again', () => ({ ...base(), Timed: 'true', Frequency: '0 0 0 1 1 ? 2020' }), 'InvalidParam.Frequency'],
  ];

  describe.each(['JSON', 'XML'])('as %s', (format) => {
    it.each(cases)('%s → %s', async (_title, params, code) => {
      const before = await tableCounts(app);
      const response = await app.admin.callRaw('InvokeCommand', { ...params(), Format: format });
      const expected = ERROR_CATALOG[code];
      expect(response.status).toBe(expected.status);
      const body = format === 'XML' ? xml.parse(response.text).Error : JSON.parse(response.text);
      expect(body).toEqual({ RequestId: expect.stringMatching(REQUEST_ID), HostId: 'cloud-assistant', Code: code, Message: expect.any(String) });
      if (code.startsWith('Missing') || code.startsWith('Invalid') && !code.startsWith('InvalidParam.')) {
        expect(body.Message).toBe(expected.message);
      }
      expect(response.headers.get('content-type')).toContain(format === 'XML' ? 'xml' : 'json');
      await expect(tableCounts(app)).resolves.toEqual(before);
    });
  });

  it('an unknown Action → InvalidAction.NotFound (404)', async () => {
    const response = await app.admin.callRaw('LaunchMissiles', { RegionId: REGION });
    expect(response.status).toBe(404);
    expect(JSON.parse(response.text)).toMatchObject({ Code: 'InvalidAction.NotFound', HostId: 'cloud-assistant' });
  });

  it('InternalError.Dispatch (500) when the records cannot be written, and nothing is half-written', async () => {
    const poisoned = await newInstance(app);
    await app.sql(`CREATE FUNCTION refuse_poisoned() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.instance_id = '${poisoned}' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$`);
    await app.sql('CREATE TRIGGER refuse_poisoned BEFORE INSERT ON invocation_records FOR EACH ROW EXECUTE FUNCTION refuse_poisoned()');
    try {
      const before = await tableCounts(app);
      const response = await app.admin.callRaw('InvokeCommand', { ...base(), InstanceIds: JSON.stringify([instances.ready, poisoned]) });
      expect(response.status).toBe(500);
      expect(JSON.parse(response.text)).toMatchObject({
        Code: 'InternalError.Dispatch',
        Message: ERROR_CATALOG['InternalError.Dispatch'].message,
      });
      // The invocation row was inserted before the failing records: the rollback took it too.
      await expect(tableCounts(app)).resolves.toEqual(before);
    } finally {
      await app.sql('DROP TRIGGER refuse_poisoned ON invocation_records');
      await app.sql('DROP FUNCTION refuse_poisoned()');
    }
  });

  it('the same request succeeds once the instances qualify', async () => {
    const body = await call(app, 'InvokeCommand', base());
    expect(body.InvokeId).toMatch(/^t-[0-9a-f]{32}$/);
  });
});
