import { XMLParser } from 'fast-xml-parser';
import { call, newActivation, newCommand, registerAgent, REGION } from '../support/factories';
import { startTestApp, tableCounts, tableSnapshot, TestApp } from '../support/test-app';

const REQUEST_ID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const b64 = (text: string): string => Buffer.from(text).toString('base64');
const unique = (prefix: string): string => `${prefix}-${Math.random().toString(36).slice(2, 10)}`;

/**
 * The catalogue actions — commands, inventory, activations, regions — with
 * Alibaba's response shapes and its codes where it documents one. Every refused
 * request is checked for its Code, its HTTP status, and for having written nothing.
 */
describe('catalogue: commands, instances, activations, regions', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  /** Sends `action` (RegionId defaults to REGION; an `undefined` value drops the parameter) and expects a refusal that wrote nothing. */
  async function expectRefused(
    action: string,
    params: Record<string, string | undefined>,
    code: string | RegExp,
    status: number,
  ): Promise<Record<string, any>> {
    const merged = Object.fromEntries(Object.entries({ RegionId: REGION, ...params }).filter((entry): entry is [string, string] => entry[1] !== undefined));
    const before = await tableSnapshot(app);
    const response = await app.admin.call(action, merged);
    expect({ status: response.status, code: response.body.Code }).toEqual({
      status,
      code: typeof code === 'string' ? code : expect.stringMatching(code),
    });
    expect(response.body).toEqual({
      RequestId: expect.stringMatching(REQUEST_ID),
      HostId: 'cloud-assistant',
      Code: expect.any(String),
      Message: expect.any(String),
    });
    await expect(tableSnapshot(app)).resolves.toEqual(before);
    return response.body;
  }

  async function describeCommand(commandId: string, extra: Record<string, string> = {}): Promise<Record<string, any>> {
    const body = await call(app, 'DescribeCommands', { CommandId: commandId, ...extra });
    expect(body.TotalCount).toBe(1);
    return body.Commands.Command[0];
  }

  describe('CreateCommand / DescribeCommands', () => {
    it('stores Base64 content and describes it with Alibaba’s fields and defaults', async () => {
      const script = '#!/bin/bash\necho "héllo wörld" | tr a-z A-Z\n';
      const created = await call(app, 'CreateCommand', {
        Name: 'upper-case',
        Description: 'shouts',
        Type: 'RunShellScript',
        CommandContent: b64(script),
        WorkingDir: '/tmp',
      });
      expect(created.CommandId).toMatch(/^c-[0-9a-f]{32}$/);
      expect(created.RequestId).toMatch(REQUEST_ID);

      const command = await describeCommand(created.CommandId);
      expect(command).toMatchObject({
        CommandId: created.CommandId,
        Name: 'upper-case',
        Description: 'shouts',
        Type: 'RunShellScript',
        CommandContent: b64(script),
        WorkingDir: '/tmp',
        Timeout: 60,
        EnableParameter: false,
        ParameterNames: { ParameterName: [] },
        InvokeTimes: 0,
        CreationTime: expect.stringMatching(ISO_TIME),
      });
      const plain = await describeCommand(created.CommandId, { ContentEncoding: 'PlainText' });
      expect(plain.CommandContent).toBe(script);
    });

    it('accepts ContentEncoding=PlainText (any case) and keeps the bytes exactly', async () => {
      const script = 'echo "a  b" && printf \'%s\\n\' 你好 | wc -c\n';
      for (const encoding of ['PlainText', 'plaintext']) {
        const commandId = await newCommand(app, { ContentEncoding: encoding, CommandContent: script });
        const command = await describeCommand(commandId);
        expect(Buffer.from(command.CommandContent, 'base64').toString('utf8')).toBe(script);
      }
    });

    it.each(['RunShellScript', 'RunBatScript', 'RunPowerShellScript'])('accepts Type=%s', async (type) => {
      const commandId = await newCommand(app, { Type: type });
      await expect(describeCommand(commandId)).resolves.toMatchObject({ Type: type });
    });

    it('EnableParameter=true lists the {{name}} parameters once each, in order, without built-ins', async () => {
      const script = 'echo {{name}} in {{dir}}; cd {{dir}}; echo {{ACS::InstanceId}} {{name}}';
      const withParams = await newCommand(app, { EnableParameter: 'true', CommandContent: b64(script) });
      await expect(describeCommand(withParams)).resolves.toMatchObject({
        EnableParameter: true,
        ParameterNames: { ParameterName: ['name', 'dir'] },
      });
      const withoutParams = await newCommand(app, { EnableParameter: 'false', CommandContent: b64(script) });
      await expect(describeCommand(withoutParams)).resolves.toMatchObject({
        EnableParameter: false,
        ParameterNames: { ParameterName: [] },
      });
    });

    it('accepts a Name of 128 characters (any charset) and a Description of 512', async () => {
      const name = '命'.repeat(128);
      const description = 'd'.repeat(512);
      const commandId = await newCommand(app, { Name: name, Description: description });
      await expect(describeCommand(commandId)).resolves.toMatchObject({ Name: name, Description: description });
    });

    it('accepts Timeout up to 86400 seconds', async () => {
      const commandId = await newCommand(app, { Timeout: '86400' });
      await expect(describeCommand(commandId)).resolves.toMatchObject({ Timeout: 86400 });
    });

    const valid = { Name: 'ok', Type: 'RunShellScript', CommandContent: b64('true') };
    it.each<[string, Record<string, string | undefined>, string | RegExp, number]>([
      ['no RegionId', { RegionId: undefined }, 'MissingParameter.RegionId', 400],
      ['an unknown region', { RegionId: 'xx-nowhere-1' }, 'InvalidRegionId.NotFound', 404],
      ['no Name', { Name: undefined }, 'MissingParameter.Name', 400],
      ['no Type', { Type: undefined }, 'MissingParameter.Type', 400],
      ['no CommandContent', { CommandContent: undefined }, 'MissingParameter.CommandContent', 400],
      ['an unknown Type', { Type: 'RunPythonScript' }, 'InvalidCmdType.NotFound', 400],
      ['a Name of 129 characters', { Name: 'n'.repeat(129) }, 'CmdName.ExceedLimit', 400],
      ['a Description of 513 characters', { Description: 'd'.repeat(513) }, 'CmdDesc.ExceedLimit', 400],
      ['CommandContent that is not Base64', { CommandContent: 'echo hi; not base64!' }, 'CmdContent.DecodeError', 400],
      ['CommandContent over 24 KB', { CommandContent: b64('x'.repeat(30 * 1024)) }, 'CmdContent.ExceedLimit', 400],
      ['Timeout over 86400', { Timeout: '86401' }, 'InvalidTimeout.ExceedLimit', 400],
      ['Timeout 0', { Timeout: '0' }, /Timeout/, 400],
      ['a negative Timeout', { Timeout: '-5' }, /Timeout/, 400],
      ['a non-numeric Timeout', { Timeout: 'soon' }, /Timeout/, 400],
      ['a WorkingDir over 200 characters', { WorkingDir: `/${'w'.repeat(200)}` }, 'InvalidParameter.WorkingDir', 400],
      ['EnableParameter that is not a boolean', { EnableParameter: 'maybe' }, /EnableParameter/, 400],
    ])('refuses %s', async (_title, params, code, status) => {
      await expectRefused('CreateCommand', { ...valid, ...params }, code, status);
    });

    it('filters by CommandId, Type and Name; an unknown CommandId is an empty page, not an error', async () => {
      const region = 'cn-zhangjiakou';
      const shell = await newCommand(app, { RegionId: region, Name: 'alpha' });
      const bat = await newCommand(app, { RegionId: region, Name: 'beta', Type: 'RunBatScript' });
      const ids = async (params: Record<string, string>): Promise<string[]> =>
        (await call(app, 'DescribeCommands', { RegionId: region, ...params })).Commands.Command.map((c: any) => c.CommandId).sort();

      await expect(ids({})).resolves.toEqual([shell, bat].sort());
      await expect(ids({ CommandId: bat })).resolves.toEqual([bat]);
      await expect(ids({ Type: 'RunBatScript' })).resolves.toEqual([bat]);
      await expect(ids({ Name: 'alpha' })).resolves.toEqual([shell]);
      const none = await call(app, 'DescribeCommands', { RegionId: region, CommandId: 'c-00000000000000000000000000000000' });
      expect(none).toMatchObject({ TotalCount: 0, Commands: { Command: [] } });
      // A command of another region is not visible here.
      await expect(ids({ CommandId: await newCommand(app) })).resolves.toEqual([]);
    });

    it('refuses an unknown Type filter with Alibaba’s DescribeCommands code', async () => {
      await expectRefused('DescribeCommands', { Type: 'RunPythonScript' }, 'InvalidCommandType.NotFound', 400);
    });
  });

  describe('ModifyCommand / DeleteCommand', () => {
    it('changes Name, Description, WorkingDir and Timeout, and never the Type', async () => {
      const commandId = await newCommand(app, { Name: 'before', Description: 'old', WorkingDir: '/old', Timeout: '30' });
      await call(app, 'ModifyCommand', {
        CommandId: commandId,
        Name: 'after',
        Description: 'new',
        WorkingDir: '/new',
        Timeout: '120',
        Type: 'RunBatScript',
      });
      await expect(describeCommand(commandId)).resolves.toMatchObject({
        Name: 'after',
        Description: 'new',
        WorkingDir: '/new',
        Timeout: 120,
        Type: 'RunShellScript',
      });
      // Fields not given are left as they are.
      await call(app, 'ModifyCommand', { CommandId: commandId, Timeout: '90' });
      await expect(describeCommand(commandId)).resolves.toMatchObject({ Name: 'after', Description: 'new', Timeout: 90 });
    });

    it.each<[string, Record<string, string | undefined>, string | RegExp, number]>([
      ['no CommandId', { CommandId: undefined }, 'MissingParameter.CommandId', 400],
      ['an unknown CommandId', { CommandId: 'c-00000000000000000000000000000000' }, 'InvalidCmdId.NotFound', 404],
      ['a command of another region', { RegionId: 'cn-shanghai' }, 'InvalidCmdId.NotFound', 404],
      ['an unknown region', { RegionId: 'xx-nowhere-1' }, 'InvalidRegionId.NotFound', 404],
      ['a Name of 129 characters', { Name: 'n'.repeat(129) }, 'CmdName.ExceedLimit', 400],
      ['a Description of 513 characters', { Description: 'd'.repeat(513) }, 'CmdDesc.ExceedLimit', 400],
      ['Timeout over 86400', { Timeout: '86401' }, 'InvalidTimeout.ExceedLimit', 400],
      ['Timeout 0', { Timeout: '0' }, /Timeout/, 400],
    ])('refuses %s and leaves the command as it was', async (_title, params, code, status) => {
      const commandId = await newCommand(app, { Name: 'untouched', Timeout: '45' });
      const before = await describeCommand(commandId);
      await expectRefused('ModifyCommand', { CommandId: commandId, Name: 'changed', ...params }, code, status);
      await expect(describeCommand(commandId)).resolves.toEqual(before);
    });

    it('deletes a command: gone from DescribeCommands, then unknown to every action', async () => {
      const commandId = await newCommand(app);
      const kept = await newCommand(app);
      const before = await tableCounts(app);
      await call(app, 'DeleteCommand', { CommandId: commandId });
      await expect(tableCounts(app)).resolves.toEqual({ ...before, commands: before.commands - 1 });

      await expect(call(app, 'DescribeCommands', { CommandId: commandId })).resolves.toMatchObject({
        TotalCount: 0,
        Commands: { Command: [] },
      });
      await expect(describeCommand(kept)).resolves.toMatchObject({ CommandId: kept });
      await expectRefused('DeleteCommand', { CommandId: commandId }, 'InvalidCmdId.NotFound', 404);
      await expectRefused('ModifyCommand', { CommandId: commandId, Name: 'ghost' }, 'InvalidCmdId.NotFound', 404);
      await expectRefused('InvokeCommand', { CommandId: commandId, InstanceIds: '["i-any"]' }, 'InvalidCmdId.NotFound', 404);
    });

    it.each<[string, Record<string, string | undefined>, string, number]>([
      ['no CommandId', { CommandId: undefined }, 'MissingParameter.CommandId', 400],
      ['an unknown CommandId', { CommandId: 'c-00000000000000000000000000000000' }, 'InvalidCmdId.NotFound', 404],
      ['a command of another region', { RegionId: 'cn-shanghai' }, 'InvalidCmdId.NotFound', 404],
    ])('DeleteCommand refuses %s', async (_title, params, code, status) => {
      const commandId = await newCommand(app);
      await expectRefused('DeleteCommand', { CommandId: commandId, ...params }, code, status);
      await expect(describeCommand(commandId)).resolves.toMatchObject({ CommandId: commandId });
    });
  });

  describe('paging DescribeCommands over 12 commands', () => {
    const region = 'cn-shanghai';
    const created: string[] = [];

    beforeAll(async () => {
      for (let i = 0; i < 12; i++) created.push(await newCommand(app, { RegionId: region, Name: `page-${i}` }));
    });

    const page = (params: Record<string, string>): Promise<Record<string, any>> => call(app, 'DescribeCommands', { RegionId: region, ...params });
    const idsOf = (body: Record<string, any>): string[] => body.Commands.Command.map((c: any) => c.CommandId);

    it('answers 10 by default with TotalCount 12', async () => {
      const body = await page({});
      expect(body).toMatchObject({ TotalCount: 12, PageNumber: 1, PageSize: 10 });
      expect(idsOf(body)).toHaveLength(10);
      expect(body.NextToken).not.toBe('');
    });

    it('PageNumber/PageSize: 5 + 5 + 2, no duplicate, none missing, then an empty page', async () => {
      const seen: string[] = [];
      for (const [pageNumber, size] of [
        [1, 5],
        [2, 5],
        [3, 2],
      ] as const) {
        const body = await page({ PageNumber: String(pageNumber), PageSize: '5' });
        expect(body).toMatchObject({ TotalCount: 12, PageNumber: pageNumber, PageSize: 5 });
        expect(idsOf(body)).toHaveLength(size);
        seen.push(...idsOf(body));
      }
      expect(new Set(seen).size).toBe(12);
      expect([...seen].sort()).toEqual([...created].sort());
      const beyond = await page({ PageNumber: '4', PageSize: '5' });
      expect(beyond).toMatchObject({ TotalCount: 12, Commands: { Command: [] } });
    });

    it('MaxResults/NextToken: follows the tokens to the end; the last page has an empty NextToken', async () => {
      const seen: string[] = [];
      const sizes: number[] = [];
      let token = '';
      for (let guard = 0; guard < 10; guard++) {
        const body = await page(token ? { MaxResults: '5', NextToken: token } : { MaxResults: '5' });
        expect(body.TotalCount).toBe(12);
        sizes.push(idsOf(body).length);
        seen.push(...idsOf(body));
        token = body.NextToken;
        expect(typeof token).toBe('string');
        if (token === '') break;
      }
      expect(sizes).toEqual([5, 5, 2]);
      expect(new Set(seen).size).toBe(12);
      expect([...seen].sort()).toEqual([...created].sort());
    });

    it('MaxResults=50 returns everything with an empty NextToken', async () => {
      const body = await page({ MaxResults: '50' });
      expect(idsOf(body)).toHaveLength(12);
      expect(body.NextToken).toBe('');
    });

    it.each<[string, Record<string, string>, string]>([
      ['a forged NextToken', { NextToken: 'not-a-token-we-issued' }, 'InvalidParameter.NextToken'],
      ['a forged NextToken with MaxResults', { MaxResults: '5', NextToken: 'AAAA' }, 'InvalidParameter.NextToken'],
      ['PageSize over 50', { PageSize: '51' }, 'InvalidParam.PageSize'],
      ['PageSize 0', { PageSize: '0' }, 'InvalidParam.PageSize'],
      ['PageNumber 0', { PageNumber: '0' }, 'InvalidParam.PageNumber'],
      ['MaxResults over 50', { MaxResults: '51' }, 'InvalidParameter.MaxResults'],
      ['MaxResults 0', { MaxResults: '0' }, 'InvalidParameter.MaxResults'],
    ])('refuses %s with 400', async (_title, params, code) => {
      await expectRefused('DescribeCommands', { RegionId: region, ...params }, code, 400);
    });
  });

  describe('XML', () => {
    it('DescribeCommands with Format=XML: root <DescribeCommandsResponse>, lists as repeated elements', async () => {
      const region = 'cn-qingdao';
      const first = await newCommand(app, { RegionId: region, EnableParameter: 'true' }, 'echo {{who}} {{where}}');
      const second = await newCommand(app, { RegionId: region });
      const response = await app.admin.callRaw('DescribeCommands', { RegionId: region, Format: 'XML' });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('xml');

      const parsed = new XMLParser({ parseTagValue: false }).parse(response.text);
      expect(Object.keys(parsed).filter((k) => k !== '?xml')).toEqual(['DescribeCommandsResponse']);
      const root = parsed.DescribeCommandsResponse;
      expect(root.RequestId).toMatch(REQUEST_ID);
      expect(root.TotalCount).toBe('2');
      expect(Object.keys(root.Commands)).toEqual(['Command']);
      expect(Array.isArray(root.Commands.Command)).toBe(true);
      expect(root.Commands.Command.map((c: any) => c.CommandId).sort()).toEqual([first, second].sort());
      const withParams = root.Commands.Command.find((c: any) => c.CommandId === first);
      expect(withParams.ParameterNames.ParameterName).toEqual(['who', 'where']);
      expect(withParams.CommandContent).toBe(b64('echo {{who}} {{where}}'));
    });
  });

  describe('RegisterInstance / DeregisterInstance / DescribeInstances', () => {
    const describeOne = async (instanceId: string): Promise<Record<string, any>> => {
      const body = await call(app, 'DescribeInstances', { InstanceIds: JSON.stringify([instanceId]) });
      expect(body.TotalCount).toBe(1);
      return body.Instances.Instance[0];
    };

    it('generates an i- id when none is given, with the documented defaults', async () => {
      const before = await tableCounts(app);
      const { InstanceId } = await call(app, 'RegisterInstance', {});
      expect(InstanceId).toMatch(/^i-[A-Za-z0-9]+$/);
      await expect(tableCounts(app)).resolves.toEqual({ ...before, instances: before.instances + 1 });
      await expect(describeOne(InstanceId)).resolves.toMatchObject({
        InstanceId,
        RegionId: REGION,
        InstanceNetworkType: 'vpc',
        Status: 'Running',
      });
      const { InstanceId: other } = await call(app, 'RegisterInstance', {});
      expect(other).not.toBe(InstanceId);
    });

    it('registering an existing id updates it and creates nothing', async () => {
      const instanceId = unique('i-update');
      await call(app, 'RegisterInstance', { InstanceId: instanceId, InstanceName: 'web-1', OSType: 'linux', Status: 'Running' });
      const before = await tableCounts(app);
      const again = await call(app, 'RegisterInstance', { InstanceId: instanceId, Status: 'Stopped', InstanceNetworkType: 'classic' });
      expect(again.InstanceId).toBe(instanceId);
      await expect(tableCounts(app)).resolves.toEqual(before);
      await expect(describeOne(instanceId)).resolves.toMatchObject({
        InstanceId: instanceId,
        InstanceName: 'web-1',
        OSType: 'linux',
        Status: 'Stopped',
        InstanceNetworkType: 'classic',
      });
    });

    it.each<[string, Record<string, string | undefined>, string, number]>([
      ['no RegionId', { RegionId: undefined }, 'MissingParameter.RegionId', 400],
      ['an unknown region', { RegionId: 'xx-nowhere-1' }, 'InvalidRegionId.NotFound', 404],
      ['InstanceNetworkType=ipv6', { InstanceNetworkType: 'ipv6' }, 'InvalidParameter.InstanceNetworkType', 400],
      ['Status=Exploded', { Status: 'Exploded' }, 'InvalidParameter.Status', 400],
      ['OSType=macos', { OSType: 'macos' }, 'InvalidParameter.OSType', 400],
    ])('RegisterInstance refuses %s', async (_title, params, code, status) => {
      await expectRefused('RegisterInstance', { InstanceId: unique('i-refused'), ...params }, code, status);
    });

    it('a bad enum value on an existing id leaves it unchanged', async () => {
      const instanceId = unique('i-keep');
      await call(app, 'RegisterInstance', { InstanceId: instanceId, Status: 'Running' });
      const before = await describeOne(instanceId);
      await expectRefused('RegisterInstance', { InstanceId: instanceId, Status: 'Stopped', OSType: 'beos' }, 'InvalidParameter.OSType', 400);
      await expect(describeOne(instanceId)).resolves.toEqual(before);
    });

    it('DescribeInstances selects by the JSON list, the bare id and the InstanceId.N form alike', async () => {
      const [a, b, c] = [unique('i-sel'), unique('i-sel'), unique('i-sel')];
      for (const id of [a, b, c]) await call(app, 'RegisterInstance', { InstanceId: id });
      const ids = async (params: Record<string, string>): Promise<string[]> => {
        const body = await call(app, 'DescribeInstances', params);
        expect(body.TotalCount).toBe(body.Instances.Instance.length);
        return body.Instances.Instance.map((i: any) => i.InstanceId).sort();
      };
      await expect(ids({ InstanceIds: JSON.stringify([a, c]) })).resolves.toEqual([a, c].sort());
      await expect(ids({ 'InstanceId.1': a, 'InstanceId.2': c })).resolves.toEqual([a, c].sort());
      await expect(ids({ InstanceIds: b })).resolves.toEqual([b]);
      await expect(ids({ InstanceIds: JSON.stringify([b, 'i-unknown-zzz']) })).resolves.toEqual([b]);
    });

    it('DescribeInstances pages', async () => {
      const region = 'cn-huhehaote';
      const created: string[] = [];
      for (let i = 0; i < 5; i++) created.push((await call(app, 'RegisterInstance', { RegionId: region })).InstanceId);
      const seen: string[] = [];
      for (const pageNumber of [1, 2, 3]) {
        const body = await call(app, 'DescribeInstances', { RegionId: region, PageNumber: String(pageNumber), PageSize: '2' });
        expect(body).toMatchObject({ TotalCount: 5, PageNumber: pageNumber, PageSize: 2 });
        seen.push(...body.Instances.Instance.map((i: any) => i.InstanceId));
      }
      expect([...seen].sort()).toEqual([...created].sort());
    });

    it('DeregisterInstance removes it; a second time is InvalidInstance.NotFound', async () => {
      const { InstanceId } = await call(app, 'RegisterInstance', {});
      const before = await tableCounts(app);
      await call(app, 'DeregisterInstance', { InstanceId });
      await expect(tableCounts(app)).resolves.toEqual({ ...before, instances: before.instances - 1 });
      await expect(call(app, 'DescribeInstances', { InstanceIds: JSON.stringify([InstanceId]) })).resolves.toMatchObject({
        TotalCount: 0,
        Instances: { Instance: [] },
      });
      await expectRefused('DeregisterInstance', { InstanceId }, 'InvalidInstance.NotFound', 404);
      await expectRefused('DeregisterInstance', { InstanceId: undefined }, 'MissingParameter.InstanceId', 400);
    });
  });

  describe('activations', () => {
    const region = 'cn-beijing';

    it('CreateActivation returns the code once; DescribeActivations lists a bare ActivationList without it', async () => {
      const created = await call(app, 'CreateActivation', { RegionId: region, Description: 'lab', InstanceName: 'lab-node' });
      expect(created.ActivationId).toMatch(REQUEST_ID);
      expect(typeof created.ActivationCode).toBe('string');
      expect(created.ActivationCode.length).toBeGreaterThanOrEqual(16);

      const response = await app.admin.call('DescribeActivations', { RegionId: region, ActivationId: created.ActivationId });
      expect(response.status).toBe(200);
      expect(JSON.stringify(response.body)).not.toContain(created.ActivationCode);
      const body = response.body as Record<string, any>;
      expect(Array.isArray(body.ActivationList)).toBe(true);
      expect(body).toMatchObject({ TotalCount: 1 });
      expect(body.ActivationList[0]).toMatchObject({
        ActivationId: created.ActivationId,
        Description: 'lab',
        InstanceName: 'lab-node',
        InstanceCount: 10,
        RegisteredCount: 0,
        DeregisteredCount: 0,
        TimeToLiveInHours: 4,
        Disabled: false,
        CreationTime: expect.stringMatching(ISO_TIME),
      });
    });

    it('DescribeActivations pages', async () => {
      const pagingRegion = 'cn-chengdu';
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await newActivation(app, { RegionId: pagingRegion })).activationId);
      const first = await call(app, 'DescribeActivations', { RegionId: pagingRegion, PageSize: '2', PageNumber: '1' });
      const second = await call(app, 'DescribeActivations', { RegionId: pagingRegion, PageSize: '2', PageNumber: '2' });
      expect(first).toMatchObject({ TotalCount: 3, PageSize: 2, PageNumber: 1 });
      expect(first.ActivationList).toHaveLength(2);
      expect(second.ActivationList).toHaveLength(1);
      expect([...first.ActivationList, ...second.ActivationList].map((a: any) => a.ActivationId).sort()).toEqual(ids.sort());
    });

    it('accepts a single IPv4 address as IpAddressRange', async () => {
      const { activationId } = await newActivation(app, { RegionId: region, IpAddressRange: '192.168.1.10' });
      const body = await call(app, 'DescribeActivations', { RegionId: region, ActivationId: activationId });
      expect(body.ActivationList[0].IpAddressRange).toBe('192.168.1.10');
    });

    it.each<[string, Record<string, string | undefined>, string | RegExp, number]>([
      ['no RegionId', { RegionId: undefined }, 'MissingParameter.RegionId', 400],
      ['an unknown region', { RegionId: 'xx-nowhere-1' }, 'InvalidRegionId.NotFound', 404],
      ['InstanceCount over 1000', { InstanceCount: '1001' }, 'ActivationLimitation.Invalid', 400],
      ['InstanceCount 0', { InstanceCount: '0' }, /./, 400],
      ['TimeToLiveInHours 0', { TimeToLiveInHours: '0' }, /./, 400],
      ['an IpAddressRange that is no address', { IpAddressRange: 'anywhere' }, 'AddressRange.InvalidPattern', 400],
      ['a Description over 100 characters', { Description: 'd'.repeat(101) }, 'ActivationDesc.ExceedLimit', 400],
    ])('CreateActivation refuses %s', async (_title, params, code, status) => {
      await expectRefused('CreateActivation', params, code, status);
    });

    it('DisableActivation returns the record with Disabled=true, and DescribeActivations shows it', async () => {
      const { activationId } = await newActivation(app, { RegionId: region });
      const body = await call(app, 'DisableActivation', { RegionId: region, ActivationId: activationId });
      expect(body.Activation).toMatchObject({ ActivationId: activationId, Disabled: true, InstanceCount: 10 });
      const listed = await call(app, 'DescribeActivations', { RegionId: region, ActivationId: activationId });
      expect(listed.ActivationList[0].Disabled).toBe(true);
    });

    it('DeleteActivation returns the deleted record; it is then gone and unknown', async () => {
      const { activationId } = await newActivation(app, { RegionId: region, Description: 'short-lived' });
      const before = await tableCounts(app);
      const body = await call(app, 'DeleteActivation', { RegionId: region, ActivationId: activationId });
      expect(body.Activation).toMatchObject({ ActivationId: activationId, Description: 'short-lived', RegisteredCount: 0 });
      await expect(tableCounts(app)).resolves.toEqual({ ...before, activations: before.activations - 1 });
      await expect(call(app, 'DescribeActivations', { RegionId: region, ActivationId: activationId })).resolves.toMatchObject({
        TotalCount: 0,
        ActivationList: [],
      });
      await expectRefused('DeleteActivation', { RegionId: region, ActivationId: activationId }, 'ActivationId.NotFound', 404);
      await expectRefused('DisableActivation', { RegionId: region, ActivationId: activationId }, 'ActivationId.NotFound', 404);
    });

    it.each(['DisableActivation', 'DeleteActivation'])('%s refuses a missing or unknown ActivationId, or one of another region', async (action) => {
      const { activationId } = await newActivation(app, { RegionId: region });
      await expectRefused(action, { RegionId: region }, 'MissingParameter.ActivationId', 400);
      await expectRefused(action, { RegionId: region, ActivationId: '00000000-0000-0000-0000-000000000000' }, 'ActivationId.NotFound', 404);
      await expectRefused(action, { RegionId: 'cn-shenzhen', ActivationId: activationId }, 'ActivationId.NotFound', 404);
      const listed = await call(app, 'DescribeActivations', { RegionId: region, ActivationId: activationId });
      expect(listed.ActivationList[0].Disabled).toBe(false);
    });

    it('DeleteActivation refuses an activation an instance registered with (ActivationId.InUse)', async () => {
      const activation = await newActivation(app);
      const registered = await registerAgent(app, activation);
      expect(registered.status).toBe(200);
      await expectRefused('DeleteActivation', { ActivationId: activation.activationId }, 'ActivationId.InUse', 403);
      await expect(call(app, 'DescribeActivations', { ActivationId: activation.activationId })).resolves.toMatchObject({ TotalCount: 1 });
    });
  });

  describe('DescribeRegions', () => {
    const regionsOf = async (params: Record<string, string>): Promise<Array<Record<string, any>>> => {
      const response = await app.admin.call('DescribeRegions', params);
      expect(response.status).toBe(200);
      return (response.body as any).Regions.Region;
    };

    it('needs no RegionId and lists every region once, available, with an endpoint', async () => {
      const regions = await regionsOf({});
      expect(regions.length).toBeGreaterThanOrEqual(20);
      expect(new Set(regions.map((r) => r.RegionId)).size).toBe(regions.length);
      for (const region of regions) {
        expect(region).toMatchObject({
          RegionId: expect.any(String),
          LocalName: expect.any(String),
          RegionEndpoint: expect.stringMatching(/\S/),
          Status: 'available',
        });
      }
    });

    it('names regions in Chinese by default and for zh-CN, in English for en-US', async () => {
      const hangzhou = async (params: Record<string, string>): Promise<string> =>
        (await regionsOf(params)).find((r) => r.RegionId === 'cn-hangzhou')!.LocalName;
      await expect(hangzhou({})).resolves.toBe('华东1（杭州）');
      await expect(hangzhou({ AcceptLanguage: 'zh-CN' })).resolves.toBe('华东1（杭州）');
      await expect(hangzhou({ AcceptLanguage: 'en-US' })).resolves.toBe('China (Hangzhou)');
    });

    it('refuses an unknown AcceptLanguage', async () => {
      await expectRefused('DescribeRegions', { RegionId: undefined, AcceptLanguage: 'xx-XX' }, 'InvalidAcceptLanguage.NotFound', 400);
    });
  });
});
