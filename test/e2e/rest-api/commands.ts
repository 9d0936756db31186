import { call, newCommand, newInstance } from '../../support/factories';
import { tableSnapshot } from '../../support/test-app';
import { refusal, RestSuite, rpcRefusal, unique } from './suite';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

/** The command catalogue over REST, checked against what the RPC API sees of it. */
export function commandTests(suite: RestSuite): void {
  describe('commands', () => {
    it('creates a command (201) that GET and DescribeCommands show alike, content as UTF-8 text', async () => {
      const script = 'echo "grüße ✓"\nexit 0';
      const body = { name: unique('create'), type: 'RunShellScript', content: script, workingDir: '/tmp', timeout: 120, description: 'made over REST' };
      const created = await suite.admin.call('POST', '/v1/commands', { body });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        ...body,
        commandId: expect.stringMatching(/^c-/),
        enableParameter: false,
        parameterNames: [],
        createdAt: expect.any(String),
        invokeTimes: 0,
      });
      const fetched = await suite.admin.call('GET', '/v1/commands/{commandId}', { params: { commandId: created.body.commandId } });
      expect(fetched).toMatchObject({ status: 200, body: created.body });
      const rpc = await call(suite.app, 'DescribeCommands', { CommandId: created.body.commandId });
      expect(rpc.Commands.Command[0]).toMatchObject({ Name: body.name, CommandContent: b64(script), WorkingDir: '/tmp', Timeout: 120 });
    });

    it('lists with exact filters and pages with nextToken until null', async () => {
      const name = unique('paged');
      const ids = [await newCommand(suite.app, { Name: name }), await newCommand(suite.app, { Name: name }), await newCommand(suite.app, { Name: name })];
      await newCommand(suite.app, { Name: `${name}-other`, Type: 'RunBatScript' });
      const seen: string[] = [];
      let nextToken: string | undefined;
      do {
        const answer = await suite.admin.call('GET', '/v1/commands', { query: { name, pageSize: 2, nextToken } });
        expect(answer.status).toBe(200);
        expect(answer.body.totalCount).toBe(3);
        seen.push(...answer.body.items.map((c: { commandId: string }) => c.commandId));
        nextToken = answer.body.nextToken ?? undefined;
      } while (nextToken);
      expect(seen.sort()).toEqual([...ids].sort());
      const byType = await suite.admin.call('GET', '/v1/commands', { query: { type: 'RunBatScript', name: `${name}-other` } });
      expect(byType.body.items).toHaveLength(1);
      const byId = await suite.admin.call('GET', '/v1/commands', { query: { commandId: ids[1] } });
      expect(byId.body.items.map((c: { commandId: string }) => c.commandId)).toEqual([ids[1]]);
    });

    it('PATCH changes only the fields given and DescribeCommands sees the change; invokeTimes counts invocations', async () => {
      const commandId = await newCommand(suite.app, { Name: unique('patch'), Description: 'before' }, 'echo before');
      const patched = await suite.admin.call('PATCH', '/v1/commands/{commandId}', { params: { commandId }, body: { content: 'echo after', timeout: 30 } });
      expect(patched).toMatchObject({ status: 200, body: { commandId, content: 'echo after', timeout: 30, description: 'before' } });
      const rpc = await call(suite.app, 'DescribeCommands', { CommandId: commandId });
      expect(rpc.Commands.Command[0]).toMatchObject({ CommandContent: b64('echo after'), Timeout: 30 });
      const cleared = await suite.admin.call('PATCH', '/v1/commands/{commandId}', { params: { commandId }, body: { description: '' } });
      expect(cleared.body.description).toBe('');
      await call(suite.app, 'InvokeCommand', { CommandId: commandId, InstanceIds: JSON.stringify([await newInstance(suite.app)]) });
      const counted = await suite.admin.call('GET', '/v1/commands/{commandId}', { params: { commandId } });
      expect(counted.body.invokeTimes).toBe(1);
    });

    it('DELETE answers 204, then the command is gone: 404 InvalidCmdId.NotFound for GET, PATCH and DELETE, as over RPC', async () => {
      const commandId = await newCommand(suite.app);
      const deleted = await suite.admin.call('DELETE', '/v1/commands/{commandId}', { params: { commandId } });
      expect(deleted.status).toBe(204);
      expect(deleted.body).toBeUndefined();
      const params = { commandId };
      expect(refusal(await suite.admin.call('GET', '/v1/commands/{commandId}', { params }))).toEqual({ status: 404, code: 'InvalidCmdId.NotFound' });
      expect(refusal(await suite.admin.call('PATCH', '/v1/commands/{commandId}', { params, body: { name: 'x' } }))).toEqual({
        status: 404,
        code: 'InvalidCmdId.NotFound',
      });
      expect(refusal(await suite.admin.call('DELETE', '/v1/commands/{commandId}', { params }))).toEqual({ status: 404, code: 'InvalidCmdId.NotFound' });
      expect(await rpcRefusal(suite.app, 'DeleteCommand', { CommandId: commandId })).toEqual({ status: 404, code: 'InvalidCmdId.NotFound' });
    });

    it('refuses malformed commands with the code and status CreateCommand gives the same mistake, creating nothing', async () => {
      const valid = { name: 'ok', type: 'RunShellScript', content: 'true' };
      const cases: Array<[Record<string, unknown>, Record<string, string>, number, string]> = [
        [{ ...valid, name: 'n'.repeat(129) }, { Name: 'n'.repeat(129) }, 400, 'CmdName.ExceedLimit'],
        [{ ...valid, type: 'RunPythonScript' }, { Type: 'RunPythonScript' }, 400, 'InvalidCmdType.NotFound'],
        [{ ...valid, content: '' }, { CommandContent: '', ContentEncoding: 'PlainText' }, 400, 'MissingParameter.CommandContent'],
        [
          { ...valid, content: 'x'.repeat(24 * 1024 + 1) },
          { CommandContent: 'x'.repeat(24 * 1024 + 1), ContentEncoding: 'PlainText' },
          400,
          'CmdContent.ExceedLimit',
        ],
        [{ ...valid, timeout: 5 }, { Timeout: '5' }, 400, 'InvalidParam.Timeout'],
        [{ ...valid, timeout: 86401 }, { Timeout: '86401' }, 400, 'InvalidTimeout.ExceedLimit'],
        [{ ...valid, description: 'd'.repeat(513) }, { Description: 'd'.repeat(513) }, 400, 'CmdDesc.ExceedLimit'],
        [{ type: 'RunShellScript', content: 'true' }, { Name: '' }, 400, 'MissingParameter.Name'],
      ];
      const before = await tableSnapshot(suite.app);
      for (const [body, rpcOverride, status, code] of cases) {
        const rest = await suite.admin.call('POST', '/v1/commands', { body });
        expect({ ...refusal(rest), body }).toEqual({ status, code, body });
        const rpcParams = { Name: 'ok', Type: 'RunShellScript', CommandContent: b64('true'), ...rpcOverride };
        expect(await rpcRefusal(suite.app, 'CreateCommand', rpcParams)).toEqual({ status, code }); // an empty RPC value is an absent one
      }
      const noRegion = await suite.admin.call('POST', '/v1/commands', { query: { regionId: undefined }, body: valid });
      expect(refusal(noRegion)).toEqual({ status: 400, code: 'MissingParameter.RegionId' });
      const badRegion = await suite.admin.call('GET', '/v1/commands', { query: { regionId: 'xx-nowhere-1' } });
      expect(refusal(badRegion)).toEqual({ status: 404, code: 'InvalidRegionId.NotFound' });
      expect(await rpcRefusal(suite.app, 'DescribeCommands', { RegionId: 'xx-nowhere-1' })).toEqual({ status: 404, code: 'InvalidRegionId.NotFound' });
      expect(refusal(await suite.admin.call('GET', '/v1/commands', { query: { pageSize: 51 } }))).toEqual({ status: 400, code: 'InvalidParam.PageSize' });
      expect(refusal(await suite.admin.call('GET', '/v1/commands', { query: { nextToken: 'bogus' } }))).toEqual({
        status: 400,
        code: 'InvalidParameter.NextToken',
      });
      expect(await tableSnapshot(suite.app)).toEqual(before);
    });
  });
}
