import { XMLParser } from 'fast-xml-parser';
import { randomUUID } from 'node:crypto';
import type { RawRpcResponse } from '@ca/signing';
import { ERROR_CATALOG } from '../../apps/server/src/common/error-catalog';
import { call, newCommand, newInstance, REGION } from '../support/factories';
import { startTestApp, tableSnapshot, TestApp } from '../support/test-app';

const REQUEST_ID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;
const xml = new XMLParser({ parseTagValue: false });
type Code = keyof typeof ERROR_CATALOG;
type Params = Record<string, string>;

/** Alibaba's error body, from a JSON or an XML (root `<Error>`) answer. */
function errorBody(response: RawRpcResponse, format: string): Record<string, unknown> {
  expect(response.headers.get('content-type')).toContain(format === 'XML' ? 'xml' : 'json');
  return format === 'XML' ? xml.parse(response.text).Error : JSON.parse(response.text);
}

/**
 * Every InvokeCommand error: the code, the HTTP status, the seed's message, in JSON
 * and in XML — and nothing written to the database (row counts and content).
 */
describe('InvokeCommand errors', () => {
  let app: TestApp;
  let commandId: string;
  /** 24,500 bytes of `{{a}}`: within the 24 KB limit as written, 98 MB with a 20 KB value. */
  let repeatingCommandId: string;
  let shortCommandId: string;
  const instances: Record<'ready' | 'classic' | 'stopped' | 'noClient' | 'stoppedNoClient', string> = {} as never;

  beforeAll(async () => {
    app = await startTestApp();
    commandId = await newCommand(app);
    repeatingCommandId = await newCommand(app, { EnableParameter: 'true' }, '{{a}}'.repeat(4900));
    shortCommandId = await newCommand(app, { EnableParameter: 'true' }, 'echo {{a}}');
    instances.ready = await newInstance(app);
    instances.classic = await newInstance(app, { networkType: 'classic' });
    instances.stopped = await newInstance(app, { status: 'Stopped' });
    instances.noClient = await newInstance(app, { withClient: false });
    instances.stoppedNoClient = await newInstance(app, { status: 'Stopped', withClient: false });
  });
  afterAll(async () => {
    await app.close();
  });

  const base = (): Params => ({
    RegionId: REGION,
    CommandId: commandId,
    InstanceIds: JSON.stringify([instances.ready]),
  });
  const without = (params: Params, ...names: string[]): Params => Object.fromEntries(Object.entries(params).filter(([k]) => !names.includes(k)));
  const list = (...ids: string[]): Params => ({ ...base(), InstanceIds: JSON.stringify(ids) });

  type Case = [title: string, params: () => Params, code: Code];
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
    ['an unknown instance', () => list(instances.ready, 'i-doesnotexist'), 'InvalidInstance.NotFound'],
    ['a classic-network instance', () => list(instances.classic), 'InvalidInstance.NotVpc'],
    ['a stopped instance', () => list(instances.stopped), 'InvalidInstanceStatus'],
    ['an instance without an agent', () => list(instances.noClient), 'InvalidInstance.NoClient'],
    // The documented order: missing parameters (RegionId, InstanceIds, CommandId, Frequency),
    // then region, command, instances (NotFound, NotVpc, status, NoClient). Each adjacent pair:
    ['no RegionId and no InstanceIds → RegionId first', () => without(base(), 'RegionId', 'InstanceIds'), 'MissingParameter.RegionId'],
    ['no RegionId and no CommandId → RegionId first', () => without(base(), 'RegionId', 'CommandId'), 'MissingParameter.RegionId'],
    ['no InstanceIds and no CommandId → InstanceIds first', () => without(base(), 'InstanceIds', 'CommandId'), 'MissingParameter.InstanceIds'],
    ['no CommandId, Timed=true, no Frequency → CommandId first', () => ({ ...without(base(), 'CommandId'), Timed: 'true' }), 'MissingParameter.CommandId'],
    ['missing Frequency before an unknown region', () => ({ ...base(), RegionId: 'xx-nowhere-1', Timed: 'true' }), 'MissingParameter.Frequency'],
    ['unknown region and command → region first', () => ({ ...base(), RegionId: 'xx-nowhere-1', CommandId: 'c-none' }), 'InvalidRegionId.NotFound'],
    ['unknown command and instance → command first', () => ({ ...base(), CommandId: 'c-none', InstanceIds: '["i-none"]' }), 'InvalidCmdId.NotFound'],
    ['unknown and classic instances → NotFound first', () => list(instances.classic, 'i-none'), 'InvalidInstance.NotFound'],
    ['classic and stopped instances → NotVpc first', () => list(instances.stopped, instances.classic), 'InvalidInstance.NotVpc'],
    ['stopped and client-less → status first', () => list(instances.noClient, instances.stoppedNoClient), 'InvalidInstanceStatus'],
    // Further 400s with codes of their own.
    ['more than 100 instances', () => ({ ...base(), InstanceIds: JSON.stringify(Array.from({ length: 101 }, (_, i) => `i-${i}`)) }), 'InstanceIds.ExceedLimit'],
    ['a duplicate instance id', () => list(instances.ready, instances.ready), 'InstanceIds.Duplicated'],
    ['an unparseable Frequency', () => ({ ...base(), Timed: 'true', Frequency: 'every tuesday' }), 'InvalidParam.Frequency'],
    ['a Frequency that never fires again', () => ({ ...base(), Timed: 'true', Frequency: '0 0 0 1 1 ? 2020' }), 'InvalidParam.Frequency'],
    [
      '{{a}} 4,900 times with a 20 KB value (98 MB rendered)',
      () => ({ ...base(), CommandId: repeatingCommandId, Parameters: JSON.stringify({ a: 'x'.repeat(20 * 1024) }) }),
      'CmdContent.ExceedLimit',
    ],
    [
      'a rendering one byte over 24 KB',
      () => ({ ...base(), CommandId: shortCommandId, Parameters: JSON.stringify({ a: 'x'.repeat(24 * 1024 - 4) }) }),
      'CmdContent.ExceedLimit',
    ],
  ];

  /**
   * The same refusals on both write paths (invoke-command.service.ts): a plain one-shot request
   * goes through the group-committing OneShotInvocationWriter; one with a ClientToken, or a timed
   * one, through the TypeORM transaction (checkInstances). A timed variant makes no sense for the
   * cases about Timed/Frequency themselves, so those keep their own parameters.
   */
  const paths: Array<[path: string, extra: (params: Params) => Params | undefined]> = [
    ['one-shot writer', () => ({})],
    ['transaction (ClientToken)', () => ({ ClientToken: `ct-${randomUUID()}` })],
    [
      'transaction (Timed, valid Frequency, ClientToken)',
      (params) => ('Timed' in params ? undefined : { Timed: 'true', Frequency: 'rate(1h)', ClientToken: `ct-${randomUUID()}` }),
    ],
  ];
  // Built before beforeAll: only the parameters' names are looked at here, not their values.
  const matrix = paths.flatMap(([path, extra]) =>
    cases.flatMap(([title, params, code]) => (extra(params()) ? [[path, title, code, () => ({ ...params(), ...extra(params())! })] as const] : [])),
  );

  describe.each(['JSON', 'XML'])('as %s', (format) => {
    it.each(matrix)('via the %s: %s → %s', async (_path, _title, code, params) => {
      const before = await tableSnapshot(app);
      const response = await app.admin.callRaw('InvokeCommand', { ...params(), Format: format });
      const expected = ERROR_CATALOG[code];
      expect(response.status).toBe(expected.status);
      const body = errorBody(response, format);
      expect(body).toEqual({ RequestId: expect.stringMatching(REQUEST_ID), HostId: 'cloud-assistant', Code: code, Message: expect.any(String) });
      if (code.startsWith('Missing') || (code.startsWith('Invalid') && !code.startsWith('InvalidParam.'))) {
        expect(body.Message).toBe(expected.message);
      }
      await expect(tableSnapshot(app)).resolves.toEqual(before);
    });

    it('an unknown Action → InvalidAction.NotFound (404), nothing written', async () => {
      const before = await tableSnapshot(app);
      const response = await app.admin.callRaw('LaunchMissiles', { RegionId: REGION, Format: format });
      expect(response.status).toBe(404);
      expect(errorBody(response, format)).toEqual({
        RequestId: expect.stringMatching(REQUEST_ID),
        HostId: 'cloud-assistant',
        Code: 'InvalidAction.NotFound',
        Message: 'Specified api is not found, please check your url and method: LaunchMissiles',
      });
      await expect(tableSnapshot(app)).resolves.toEqual(before);
    });

    it.each(paths.slice(0, 2))(
      'InternalError.Dispatch (500) via the %s when the records cannot be written, and nothing is half-written',
      async (_path, extra) => {
        const poisoned = await newInstance(app);
        await app.sql(`CREATE FUNCTION refuse_poisoned() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN IF NEW.instance_id = '${poisoned}' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$`);
        await app.sql('CREATE TRIGGER refuse_poisoned BEFORE INSERT ON invocation_records FOR EACH ROW EXECUTE FUNCTION refuse_poisoned()');
        try {
          const before = await tableSnapshot(app);
          const params = { ...list(instances.ready, poisoned), Format: format };
          const response = await app.admin.callRaw('InvokeCommand', { ...params, ...extra(params) });
          expect(response.status).toBe(500);
          expect(errorBody(response, format)).toEqual({
            RequestId: expect.stringMatching(REQUEST_ID),
            HostId: 'cloud-assistant',
            Code: 'InternalError.Dispatch',
            Message: ERROR_CATALOG['InternalError.Dispatch'].message,
          });
          // The invocation row was inserted before the failing records: the rollback took it too.
          await expect(tableSnapshot(app)).resolves.toEqual(before);
        } finally {
          await app.sql('DROP TRIGGER refuse_poisoned ON invocation_records');
          await app.sql('DROP FUNCTION refuse_poisoned()');
        }
      },
    );
  });

  it.each(paths)('a rendering of exactly 24 KB succeeds via the %s, and is stored as rendered', async (_path, extra) => {
    const params = { ...base(), CommandId: shortCommandId, Parameters: JSON.stringify({ a: 'x'.repeat(24 * 1024 - 5) }) };
    const body = await call(app, 'InvokeCommand', { ...params, ...extra(params) });
    const [row] = await app.sql<{ size: number }>('SELECT octet_length(command_content)::int AS size FROM invocations WHERE invoke_id = $1', [body.InvokeId]);
    expect(row.size).toBe(24 * 1024);
  });

  it('RunCommand refuses parameters that render over 24 KB: CmdContent.ExceedLimit, neither command nor invocation written', async () => {
    const before = await tableSnapshot(app);
    const response = await app.admin.call('RunCommand', {
      RegionId: REGION,
      InstanceIds: JSON.stringify([instances.ready]),
      Type: 'RunShellScript',
      ContentEncoding: 'PlainText',
      CommandContent: '{{a}}'.repeat(4900),
      EnableParameter: 'true',
      Parameters: JSON.stringify({ a: 'x'.repeat(20 * 1024) }),
    });
    expect(response).toMatchObject({ status: 400, body: { Code: 'CmdContent.ExceedLimit' } });
    await expect(tableSnapshot(app)).resolves.toEqual(before);
  });

  it.each(paths)('the same request succeeds via the %s once the instances qualify', async (_path, extra) => {
    const body = await call(app, 'InvokeCommand', { ...base(), ...extra(base()) });
    expect(body.InvokeId).toMatch(/^t-[0-9a-f]{32}$/);
  });
});
