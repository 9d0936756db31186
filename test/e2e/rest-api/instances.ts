import { call, newCommand, newInstance } from '../../support/factories';
import { refusal, RestSuite, rpcRefusal } from './suite';

/** The inventory over REST, with DescribeCloudAssistantStatus's view of each agent. */
export function instanceTests(suite: RestSuite): void {
  describe('instances', () => {
    it('shows an instance with a registered agent as online, and one without as not', async () => {
      const withAgent = await newInstance(suite.app);
      const without = await newInstance(suite.app, { withClient: false });
      const online = await suite.admin.call('GET', '/v1/instances/{instanceId}', { params: { instanceId: withAgent } });
      expect(online).toMatchObject({
        status: 200,
        body: {
          instanceId: withAgent,
          regionId: 'cn-hangzhou',
          status: 'Running',
          agentOnline: true,
          hostname: 'test-host',
          agentVersion: 'test',
          managed: false,
        },
      });
      expect(online.body.lastHeartbeatAt).not.toBeNull();
      const offline = await suite.admin.call('GET', '/v1/instances/{instanceId}', { params: { instanceId: without } });
      expect(offline.body).toMatchObject({
        instanceId: without,
        agentOnline: false,
        hostname: null,
        agentVersion: null,
        lastHeartbeatAt: null,
        agentRegisteredAt: null,
      });
      const rpc = await call(suite.app, 'DescribeCloudAssistantStatus', { 'InstanceId.1': withAgent, 'InstanceId.2': without });
      const rpcOnline = Object.fromEntries(
        rpc.InstanceCloudAssistantStatusSet.InstanceCloudAssistantStatus.map((s: { InstanceId: string; CloudAssistantStatus: string }) => [
          s.InstanceId,
          s.CloudAssistantStatus === 'true',
        ]),
      );
      expect(rpcOnline).toEqual({ [withAgent]: true, [without]: false });
    });

    it('lists by ids and by status, with the active task count of each', async () => {
      const busy = await newInstance(suite.app);
      const idle = await newInstance(suite.app);
      const stopped = await newInstance(suite.app, { status: 'Stopped', withClient: false });
      await call(suite.app, 'InvokeCommand', { CommandId: await newCommand(suite.app), InstanceIds: JSON.stringify([busy]) });
      // No agent runs here: make the run Running as if one had picked it up (a Pending one is not active).
      await suite.app.sql(`UPDATE invocation_records SET status = 'Running', start_time = now() WHERE instance_id = $1`, [busy]);
      const listed = await suite.admin.call('GET', '/v1/instances', { query: { instanceIds: `${busy},${idle},${stopped}` } });
      expect(listed.body.totalCount).toBe(3);
      const byId = Object.fromEntries(listed.body.items.map((i: { instanceId: string }) => [i.instanceId, i]));
      expect(byId[busy]).toMatchObject({ activeTaskCount: 1, invocationCount: 1, lastInvokedAt: expect.any(String) });
      expect(byId[idle]).toMatchObject({ activeTaskCount: 0, invocationCount: 0, lastInvokedAt: null });
      const onlyStopped = await suite.admin.call('GET', '/v1/instances', { query: { instanceIds: `${busy},${stopped}`, status: 'Stopped' } });
      expect(onlyStopped.body.items.map((i: { instanceId: string }) => i.instanceId)).toEqual([stopped]);
      const firstPage = await suite.admin.call('GET', '/v1/instances', { query: { pageSize: 1 } });
      expect(firstPage.body).toMatchObject({ items: [expect.any(Object)], nextToken: expect.any(String) });
    });

    it('answers 404 InvalidInstanceId.NotFound for an unknown instance and 400 for a malformed id or filter', async () => {
      const unknown = await suite.admin.call('GET', '/v1/instances/{instanceId}', { params: { instanceId: 'i-doesnotexist' } });
      expect(refusal(unknown)).toEqual({ status: 404, code: 'InvalidInstanceId.NotFound' });
      const malformed = await suite.admin.call('GET', '/v1/instances/{instanceId}', { params: { instanceId: '-bad' } });
      expect(refusal(malformed)).toEqual({ status: 400, code: 'InvalidInstanceId.Malformed' });
      expect(await rpcRefusal(suite.app, 'DeregisterInstance', { InstanceId: '-bad' })).toEqual({ status: 400, code: 'InvalidInstanceId.Malformed' });
      const badStatus = await suite.admin.call('GET', '/v1/instances', { query: { status: 'Exploded' } });
      expect(refusal(badStatus)).toEqual({ status: 400, code: 'InvalidParameter.Status' });
      const noRegion = await suite.admin.call('GET', '/v1/instances', { query: { regionId: undefined } });
      expect(refusal(noRegion)).toEqual({ status: 400, code: 'MissingParameter.RegionId' });
    });
  });
}
