import { call, newCommand, newInstance, REGION } from '../support/factories';
import { $Ecs, ecsClient, popClient } from '../support/sdk-clients';
import { ADMIN_KEY_ID, ADMIN_KEY_SECRET, startTestApp, TestApp } from '../support/test-app';

/** The official SDKs, unchanged, pointed at the service: V1 through pop-core, V3 through the ECS client. */
describe('official Alibaba SDKs', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  describe('@alicloud/pop-core (V1, HMAC-SHA1)', () => {
    it("accepts the seed's own request example over GET: Timed, Frequency `0 0-5 14 * * ?`, a bare InstanceIds", async () => {
      const pop = popClient(app.endpoint, ADMIN_KEY_ID, ADMIN_KEY_SECRET);
      const instanceId = await newInstance(app);
      const commandId = await newCommand(app);
      const body = await pop.request('InvokeCommand', {
        RegionId: REGION,
        InstanceIds: instanceId,
        CommandId: commandId,
        Timed: 'true',
        Frequency: '0 0-5 14 * * ?',
      });
      expect(body.InvokeId).toMatch(/^t-[0-9a-f]{32}$/);
      expect(body.RequestId).toMatch(/^[0-9A-F-]{36}$/);

      const described = await pop.request('DescribeInvocations', { RegionId: REGION, InvokeId: body.InvokeId });
      const invocation = described.Invocations.Invocation[0];
      expect(invocation).toMatchObject({
        InvokeId: body.InvokeId,
        CommandId: commandId,
        Timed: true,
        Frequency: '0 0-5 14 * * ?',
        InvocationStatus: 'Scheduled',
        TimeZone: '+08:00',
      });
      // 14:00 at UTC+08:00 is 06:00 UTC.
      expect(invocation.NextFireTime).toMatch(/T06:0[0-5]:00Z$/);
      expect(invocation.InvokeInstances.InvokeInstance).toEqual([expect.objectContaining({ InstanceId: instanceId })]);
    });

    it('drives the one-shot flow over form POST: invoke, describe, results, stop', async () => {
      const pop = popClient(app.endpoint, ADMIN_KEY_ID, ADMIN_KEY_SECRET);
      const post = { method: 'POST' };
      const instances = [await newInstance(app), await newInstance(app)];
      const created = await pop.request(
        'CreateCommand',
        { RegionId: REGION, Name: 'uptime', Type: 'RunShellScript', CommandContent: Buffer.from('uptime').toString('base64') },
        post,
      );
      const invoked = await pop.request('InvokeCommand', { RegionId: REGION, CommandId: created.CommandId, InstanceIds: JSON.stringify(instances) }, post);
      const invocations = await pop.request('DescribeInvocations', { RegionId: REGION, InvokeId: invoked.InvokeId }, post);
      expect(invocations.TotalCount).toBe(1);
      expect(invocations.Invocations.Invocation[0].InvocationStatus).toBe('Pending');

      const results = await pop.request('DescribeInvocationResults', { RegionId: REGION, InvokeId: invoked.InvokeId }, post);
      expect(results.Invocation.TotalCount).toBe(2);
      expect(results.Invocation.InvocationResults.InvocationResult.map((r: { InstanceId: string }) => r.InstanceId).sort()).toEqual([...instances].sort());
      expect(results.Invocation.InvocationResults.InvocationResult.every((r: { InvocationStatus: string }) => r.InvocationStatus === 'Pending')).toBe(true);

      await pop.request('StopInvocation', { RegionId: REGION, InvokeId: invoked.InvokeId }, post);
      const stopped = await pop.request('DescribeInvocationResults', { RegionId: REGION, InvokeId: invoked.InvokeId });
      expect(stopped.Invocation.InvocationResults.InvocationResult.map((r: { InvocationStatus: string }) => r.InvocationStatus)).toEqual([
        'Cancelled',
        'Cancelled',
      ]);
    });

    it('surfaces an error body as a thrown error carrying its Code', async () => {
      const pop = popClient(app.endpoint, ADMIN_KEY_ID, ADMIN_KEY_SECRET);
      await expect(pop.request('InvokeCommand', { RegionId: REGION, InstanceIds: '["i-1"]' })).rejects.toMatchObject({
        code: 'MissingParameter.CommandId',
      });
    });
  });

  describe('@alicloud/ecs20140526 (V3, ACS3-HMAC-SHA256)', () => {
    it('lists regions', async () => {
      const ecs = ecsClient(app.port, ADMIN_KEY_ID, ADMIN_KEY_SECRET);
      const response = await ecs.describeRegions(new $Ecs.DescribeRegionsRequest({ acceptLanguage: 'en-US' }));
      const ids = response.body!.regions!.region!.map((r) => r.regionId);
      expect(ids).toEqual(expect.arrayContaining(['cn-hangzhou', 'cn-shanghai', 'cn-beijing', 'ap-southeast-1', 'us-west-1', 'eu-central-1']));
      expect(response.body!.regions!.region!.find((r) => r.regionId === 'cn-hangzhou')!.localName).toBe('China (Hangzhou)');
    });

    it('creates a command, invokes it on InstanceId.N, and reads it back typed', async () => {
      const ecs = ecsClient(app.port, ADMIN_KEY_ID, ADMIN_KEY_SECRET);
      const instances = [await newInstance(app), await newInstance(app)];
      const created = await ecs.createCommand(
        new $Ecs.CreateCommandRequest({
          regionId: REGION,
          name: 'disk usage',
          type: 'RunShellScript',
          commandContent: Buffer.from('df -h {{mount}}').toString('base64'),
          enableParameter: true,
          timeout: 120,
        }),
      );
      const commandId = created.body!.commandId!;
      const invoked = await ecs.invokeCommand(
        new $Ecs.InvokeCommandRequest({ regionId: REGION, commandId, instanceId: instances, parameters: { mount: '/' }, clientToken: 'sdk-v3-token' }),
      );
      const invokeId = invoked.body!.invokeId!;
      expect(invokeId).toMatch(/^t-/);

      const again = await ecs.invokeCommand(
        new $Ecs.InvokeCommandRequest({ regionId: REGION, commandId, instanceId: instances, parameters: { mount: '/' }, clientToken: 'sdk-v3-token' }),
      );
      expect(again.body!.invokeId).toBe(invokeId);

      const described = await ecs.describeInvocations(new $Ecs.DescribeInvocationsRequest({ regionId: REGION, invokeId, includeOutput: true }));
      const invocation = described.body!.invocations!.invocation![0];
      expect(invocation.commandId).toBe(commandId);
      expect(Buffer.from(invocation.commandContent!, 'base64').toString()).toBe('df -h /');
      expect(invocation.invocationStatus).toBe('Pending');
      expect(invocation.invokeInstances!.invokeInstance!.map((i) => i.instanceId)).toEqual(instances);
      expect(invocation.timeout).toBe(120);

      const results = await ecs.describeInvocationResults(new $Ecs.DescribeInvocationResultsRequest({ regionId: REGION, invokeId }));
      expect(results.body!.invocation!.totalCount).toBe(2);
      expect(results.body!.invocation!.invocationResults!.invocationResult!.map((r) => r.invocationStatus)).toEqual(['Pending', 'Pending']);

      const commands = await ecs.describeCommands(new $Ecs.DescribeCommandsRequest({ regionId: REGION, commandId }));
      expect(commands.body!.commands!.command![0]).toMatchObject({ name: 'disk usage', invokeTimes: 1, enableParameter: true });
      expect(commands.body!.commands!.command![0].parameterNames!.parameterName).toEqual(['mount']);
    });

    it('throws on an error status with the Code and HTTP status of the answer', async () => {
      const ecs = ecsClient(app.port, ADMIN_KEY_ID, ADMIN_KEY_SECRET);
      await expect(ecs.invokeCommand(new $Ecs.InvokeCommandRequest({ regionId: REGION, commandId: 'c-nope', instanceId: ['i-nope'] }))).rejects.toMatchObject({
        code: 'InvalidCmdId.NotFound',
        statusCode: 404,
      });
    });
  });

  it('both SDKs see what the other wrote', async () => {
    const commandId = await newCommand(app, { Name: 'shared' });
    const ecs = ecsClient(app.port, ADMIN_KEY_ID, ADMIN_KEY_SECRET);
    const viaV3 = await ecs.describeCommands(new $Ecs.DescribeCommandsRequest({ regionId: REGION, name: 'shared' }));
    expect(viaV3.body!.commands!.command!.map((c) => c.commandId)).toContain(commandId);
    const viaV1 = await call(app, 'DescribeCommands', { CommandId: commandId });
    expect(viaV1.Commands.Command[0].Name).toBe('shared');
  });
});
