import { RunningAgent, startAgent } from '../../support/agents';
import { eventually } from '../../support/eventually';
import { call, newCommand, newInstance } from '../../support/factories';
import { RestSuite } from './suite';

const HOUR_MS = 3600_000;

/** Invocations over REST: one run by a real agent, read back decoded; a timed one; stopping. */
export function invocationTests(suite: RestSuite): void {
  describe('invocations', () => {
    let agent: RunningAgent;
    beforeAll(async () => {
      agent = await startAgent(suite.app);
    });
    afterAll(async () => {
      await agent?.stop();
    });

    it('invokes a command on a real agent and reads its output back decoded through /results', async () => {
      const text = 'héllo wörld ✓ 日本';
      const created = await suite.admin.call('POST', '/v1/commands', {
        body: { name: 'utf8', type: 'RunShellScript', content: `printf '%s\\n' '${text}'; echo err >&2` },
      });
      const since = new Date(Date.now() - 1000).toISOString();
      const invoked = await suite.admin.call('POST', '/v1/invocations', { body: { commandId: created.body.commandId, instanceIds: [agent.instanceId] } });
      expect(invoked).toMatchObject({ status: 201, body: { invokeId: expect.stringMatching(/^t-/) } });
      const { invokeId } = invoked.body;

      const done = await eventually(
        async () => {
          const answer = await suite.admin.call('GET', '/v1/invocations/{invokeId}', { params: { invokeId } });
          expect(answer.body.status).toBe('Success');
          return answer;
        },
        { description: 'the invocation succeeded' },
      );
      expect(done.body).toMatchObject({
        invokeId,
        commandId: created.body.commandId,
        commandName: 'utf8',
        timed: false,
        frequency: null,
        nextFireTimes: [],
        instanceCount: 1,
        progress: { finished: 1, total: 1 },
        instances: [{ instanceId: agent.instanceId, status: 'Success', exitCode: 0, startedAt: expect.any(String), finishedAt: expect.any(String) }],
      });

      const results = await suite.admin.call('GET', '/v1/invocations/{invokeId}/results', { params: { invokeId } });
      expect(results.body).toMatchObject({ totalCount: 1, nextToken: null });
      expect(results.body.items[0]).toMatchObject({ instanceId: agent.instanceId, status: 'Success', exitCode: 0, dropped: 0, repeats: 1 });
      expect(results.body.items[0].output).toContain(`${text}\n`);
      const rpc = await call(suite.app, 'DescribeInvocationResults', { InvokeId: invokeId, ContentEncoding: 'PlainText' });
      expect(rpc.Invocation.InvocationResults.InvocationResult[0].Output).toBe(results.body.items[0].output);

      const filtered = await suite.admin.call('GET', '/v1/invocations/{invokeId}/results', {
        params: { invokeId },
        query: { instanceId: agent.instanceId, status: 'Failed' },
      });
      expect(filtered.body.totalCount).toBe(0);

      const ids = async (query: Record<string, string | boolean>) =>
        (await suite.admin.call('GET', '/v1/invocations', { query })).body.items.map((i: { invokeId: string }) => i.invokeId);
      expect(await ids({ commandId: created.body.commandId })).toEqual([invokeId]);
      expect(await ids({ instanceId: agent.instanceId, status: 'Success', timed: false, since })).toContain(invokeId);
      expect(await ids({ commandId: created.body.commandId, until: since })).toEqual([]);
      expect(await ids({ commandId: created.body.commandId, since: new Date(Date.now() + 60_000).toISOString() })).toEqual([]);
      expect(await ids({ commandId: created.body.commandId, timed: true })).toEqual([]);
    });

    it('creates a timed invocation from a frequency alone, shows its next fire times, and stops it', async () => {
      const instanceId = await newInstance(suite.app);
      const commandId = await newCommand(suite.app);
      const invoked = await suite.admin.call('POST', '/v1/invocations', {
        body: { commandId, instanceIds: [instanceId], frequency: 'rate(1h)', misfirePolicy: 'Skip' },
      });
      expect(invoked.status).toBe(201);
      const { invokeId } = invoked.body;
      const detail = await suite.admin.call('GET', '/v1/invocations/{invokeId}', { params: { invokeId } });
      expect(detail.body).toMatchObject({
        timed: true,
        status: 'Scheduled',
        frequency: 'rate(1h)',
        misfirePolicy: 'Skip',
        progress: { finished: 0, total: 1 },
        instances: [{ instanceId, status: 'Scheduled', repeats: 0, exitCode: null }],
      });
      const times = (detail.body.nextFireTimes as string[]).map((t) => Date.parse(t));
      expect(times).toHaveLength(5);
      expect(times.slice(1).map((t, i) => t - times[i])).toEqual([HOUR_MS, HOUR_MS, HOUR_MS, HOUR_MS]);
      const [stored] = await suite.app.sql<{ next_fire_at: Date }>('SELECT next_fire_at FROM invocations WHERE invoke_id = $1', [invokeId]);
      expect(times[0]).toBe(stored.next_fire_at.getTime());

      const listed = await suite.admin.call('GET', '/v1/invocations', { query: { timed: true, commandId } });
      expect(listed.body.items).toEqual([expect.objectContaining({ invokeId, nextFireTimes: detail.body.nextFireTimes })]);

      const stopped = await suite.admin.call('POST', '/v1/invocations/{invokeId}/stop', { params: { invokeId } });
      expect(stopped).toMatchObject({ status: 200, body: { invokeId, status: 'Stopped', nextFireTimes: [] } });
      const rpc = await call(suite.app, 'DescribeInvocations', { InvokeId: invokeId });
      expect(rpc.Invocations.Invocation[0].InvocationStatus).toBe('Stopped');
    });

    it('stops a pending run on chosen instances only: that run is Cancelled, the other stays Pending', async () => {
      const [first, second] = [await newInstance(suite.app), await newInstance(suite.app)];
      const invokeId = (await call(suite.app, 'InvokeCommand', { CommandId: await newCommand(suite.app), InstanceIds: JSON.stringify([first, second]) }))
        .InvokeId;
      const stopped = await suite.admin.call('POST', '/v1/invocations/{invokeId}/stop', { params: { invokeId }, body: { instanceIds: [first] } });
      expect(stopped.status).toBe(200);
      const statuses = Object.fromEntries(stopped.body.instances.map((i: { instanceId: string; status: string }) => [i.instanceId, i.status]));
      expect(statuses).toEqual({ [first]: 'Cancelled', [second]: 'Pending' });
      expect(stopped.body.progress).toEqual({ finished: 1, total: 2 });
      const cancelled = await suite.admin.call('GET', '/v1/invocations/{invokeId}/results', { params: { invokeId }, query: { status: 'Cancelled' } });
      expect(cancelled.body.items.map((r: { instanceId: string }) => r.instanceId)).toEqual([first]);
    });
  });
}
