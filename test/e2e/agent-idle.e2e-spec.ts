import { AgentActions, AgentPollResponse } from '@ca/protocol';
import { RpcClient } from '@ca/signing';
import { registeredAgentState } from '../support/agents';
import { eventually } from '../support/eventually';
import { call, newCommand } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * What an idle agent costs is kept low (heartbeats written in batches, a timed-out long poll
 * answered without a second look); these check that nothing an idle agent relies on was lost.
 */
describe('idle agents: heartbeats and timed-out polls', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  const agentClient = (credentials: { accessKeyId: string; accessKeySecret: string }): RpcClient =>
    new RpcClient({ endpoint: app.endpoint, accessKeyId: credentials.accessKeyId, accessKeySecret: credentials.accessKeySecret });

  it("records every agent's heartbeat time, version and hostname, agents heartbeating together included", async () => {
    const agents = await Promise.all([registeredAgentState(app), registeredAgentState(app), registeredAgentState(app)]);
    const ids = agents.map((a) => a.instanceId);
    await app.sql(`UPDATE instances SET last_heartbeat_at = now() - interval '1 hour' WHERE instance_id = ANY($1)`, [ids]);
    const answers = await Promise.all(
      agents.map((a, i) => agentClient(a.credentials).call(AgentActions.heartbeat, i === 2 ? {} : { AgentVersion: `9.9.${i}`, Hostname: `host-${i}` })),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);

    const rows = await eventually(
      async () => {
        const found = await app.sql<{ instance_id: string; agent_version: string; agent_hostname: string; fresh: boolean }>(
          `SELECT instance_id, agent_version, agent_hostname, last_heartbeat_at > now() - interval '1 minute' AS fresh
             FROM instances WHERE instance_id = ANY($1)`,
          [ids],
        );
        expect(found.map((r) => r.fresh)).toEqual([true, true, true]);
        return found;
      },
      { description: 'the three agents heartbeat' },
    );
    const byId = Object.fromEntries(rows.map((r) => [r.instance_id, r]));
    expect(byId[ids[0]]).toMatchObject({ agent_version: '9.9.0', agent_hostname: 'host-0' });
    expect(byId[ids[1]]).toMatchObject({ agent_version: '9.9.1', agent_hostname: 'host-1' });
    // A heartbeat naming neither keeps what registration recorded.
    expect(byId[ids[2]].agent_version).not.toBe('');

    const status = await call(app, 'DescribeCloudAssistantStatus', { InstanceIds: JSON.stringify(ids) });
    const online = status.InstanceCloudAssistantStatusSet.InstanceCloudAssistantStatus.map((s: { CloudAssistantStatus: string }) => s.CloudAssistantStatus);
    expect(online).toEqual(['true', 'true', 'true']);
  });

  it('a long poll that times out still repeats the stops pending for the agent', async () => {
    const agent = await registeredAgentState(app);
    const client = agentClient(agent.credentials);
    const commandId = await newCommand(app, {}, 'sleep 600');
    const { InvokeId } = await call(app, 'InvokeCommand', { CommandId: commandId, InstanceIds: JSON.stringify([agent.instanceId]) });
    const delivered = await client.call(AgentActions.poll, { WaitSeconds: '5' });
    const [task] = (delivered.body as unknown as AgentPollResponse).Tasks;
    expect(task.InvokeId).toBe(InvokeId);
    await client.call(AgentActions.poll, { WaitSeconds: '0', Acks: task.RecordId });
    await call(app, 'StopInvocation', { InvokeId, InstanceId: JSON.stringify([agent.instanceId]) });
    // An old stop (the agent may have lost the answer that carried it): no reason to answer early,
    // but every answer, the timed-out one too, carries it until the agent reports the run.
    await app.sql(`UPDATE invocation_records SET stop_requested_at = now() - interval '1 minute' WHERE record_id = $1`, [task.RecordId]);
    const timedOut = await client.call(AgentActions.poll, { WaitSeconds: '1' });
    expect(timedOut.status).toBe(200);
    expect(timedOut.body).toMatchObject({ Tasks: [], StopRecordIds: [task.RecordId] });
  });

  it('refuses a heartbeat whose hostname or version carries control characters, and keeps what it had', async () => {
    const agent = await registeredAgentState(app);
    const client = agentClient(agent.credentials);
    for (const [field, value] of [
      ['Hostname', 'web-1\n[error] forged'],
      ['AgentVersion', '1.0\u001b[31m'],
    ]) {
      const answer = await client.call(AgentActions.heartbeat, { [field]: value });
      expect({ status: answer.status, code: answer.body.Code }).toEqual({ status: 400, code: `InvalidParameter.${field}` });
    }
    const [row] = await app.sql<{ agent_hostname: string; agent_version: string }>(
      'SELECT agent_hostname, agent_version FROM instances WHERE instance_id = $1',
      [agent.instanceId],
    );
    expect(row).toEqual({ agent_hostname: 'test-host', agent_version: 'test' });
  });
});
