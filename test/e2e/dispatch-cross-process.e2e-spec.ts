import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registeredAgentState, RunningAgent, startAgent } from '../support/agents';
import { eventually } from '../support/eventually';
import { call, newCommand } from '../support/factories';
import { ServerProcess, startReplica } from '../support/server-processes';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * The agent long-polls for 20 s at a time (POLL_WAIT_SECONDS in apps/agent/src/agent-runner.ts).
 * A run that reaches it well within that proves the waiting poll was woken, not that it expired.
 */
const WOKEN_WITHIN_MS = 5000;

/**
 * Work reaches an agent at once whichever service process took the API call. The agent
 * long-polls process B (a replica); InvokeCommand goes to process A (the test app); both share
 * the database, and only PostgreSQL LISTEN/NOTIFY links them.
 */
describe('dispatch across service processes', () => {
  let app: TestApp;
  let replica: ServerProcess;
  let agent: RunningAgent;

  beforeAll(async () => {
    app = await startTestApp();
    replica = await startReplica(app);
    const state = await registeredAgentState(app);
    const credentials = { ...state.credentials, server: `http://127.0.0.1:${replica.port}` };
    writeFileSync(join(state.stateDir, 'credentials.json'), JSON.stringify(credentials), { mode: 0o600 });
    agent = await startAgent(app, { ...state, credentials });
  }, 60_000);
  afterAll(async () => {
    await agent?.stop();
    await replica?.kill();
    await app.close();
  });

  const results = async (invokeId: string): Promise<Array<Record<string, any>>> =>
    (await call(app, 'DescribeInvocationResults', { InvokeId: invokeId })).Invocation.InvocationResults.InvocationResult;

  it('a run invoked on process A reaches the agent waiting on process B at once, and finishes Success', async () => {
    expect(agent.output()).toContain(`service http://127.0.0.1:${replica.port}`);
    // Twice: the second time the agent is in a poll it started after the first run, not its first.
    for (const word of ['first', 'second']) {
      // The agent's poll is waiting on B by now (nothing outside B shows a poll waiting).
      await new Promise((r) => setTimeout(r, 1000));
      const commandId = await newCommand(app, {}, `echo ${word}`);
      const invokedAt = Date.now();
      const { InvokeId: invokeId } = await call(app, 'InvokeCommand', { CommandId: commandId, InstanceIds: JSON.stringify([agent.instanceId]) });
      const [result] = await eventually(
        async () => {
          const rows = await results(invokeId);
          expect(rows[0]?.InvocationStatus).toBe('Success');
          return rows;
        },
        { timeoutMs: 30_000, description: 'the run succeeded' },
      );
      expect(Date.now() - invokedAt).toBeLessThan(WOKEN_WITHIN_MS);
      expect(Buffer.from(result.Output, 'base64').toString()).toBe(`${word}\n`);
    }
  }, 60_000);
});
