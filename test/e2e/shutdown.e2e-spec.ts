import { AgentActions } from '@ca/protocol';
import { RpcClient } from '@ca/signing';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { registeredAgentState, startAgent } from '../support/agents';
import { eventually } from '../support/eventually';
import { call, newCommand } from '../support/factories';
import { exited } from '../support/processes';
import { startReplica } from '../support/server-processes';
import { TcpProxy } from '../support/tcp-proxy';
import { ADMIN_KEY_ID, ADMIN_KEY_SECRET, startTestApp, TestApp } from '../support/test-app';

/** A transaction of the test's own holding a row lock, to stop a request at a chosen point. */
async function holdRow(app: TestApp, table: 'commands' | 'invocations', where: string, id: string): Promise<{ release(): Promise<void> }> {
  const client = new Client({ connectionString: app.database.url });
  await client.connect();
  await client.query('BEGIN');
  await client.query(`SELECT 1 FROM ${table} WHERE ${where} = $1 FOR UPDATE`, [id]);
  return {
    release: async () => {
      await client.query('COMMIT');
      await client.end();
    },
  };
}

/** Until some statement of the service waits for a lock whose text contains `fragment`. */
async function untilWaitingOnLock(app: TestApp, fragment: string): Promise<void> {
  await eventually(
    async () => {
      const [row] = await app.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND position($1 in query) > 0`,
        [fragment],
      );
      expect(row.n).toBeGreaterThan(0);
    },
    { timeoutMs: 10_000, description: `a statement containing "${fragment}" waits on a lock` },
  );
}

/** SIGTERM drains — requests in flight are answered, long polls released, then exit 0. */
describe('graceful shutdown', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers the requests in flight — a slow one too — and the long polls, then exits 0, well before a poll would end', async () => {
    const replica = await startReplica(app);
    const endpoint = `http://127.0.0.1:${replica.port}`;
    const state = await registeredAgentState(app);
    const agent = new RpcClient({ endpoint, accessKeyId: state.credentials.accessKeyId, accessKeySecret: state.credentials.accessKeySecret });
    const admin = new RpcClient({ endpoint, accessKeyId: ADMIN_KEY_ID, accessKeySecret: ADMIN_KEY_SECRET });
    await admin.call('DescribeRegions'); // warm: connections open
    const commandId = await newCommand(app);

    const poll = agent.call(AgentActions.poll, { WaitSeconds: '30' });
    // A slow request: its statement waits on a row the test holds until after the signal.
    const held = await holdRow(app, 'commands', 'command_id', commandId);
    const slow = admin.call('ModifyCommand', { RegionId: 'cn-hangzhou', CommandId: commandId, Name: 'renamed-while-stopping' });
    await untilWaitingOnLock(app, 'commands');
    const inFlight = Array.from({ length: 20 }, () => admin.call('DescribeCommands', { RegionId: 'cn-hangzhou' }));
    const started = Date.now();
    replica.child.kill('SIGTERM');

    await expect(poll).resolves.toMatchObject({ status: 200, body: { Tasks: [], StopRecordIds: [] } });
    // The slow request stays in flight a while into the drain, which must wait for it.
    await new Promise((r) => setTimeout(r, 1000));
    await held.release();
    await expect(slow).resolves.toMatchObject({ status: 200 });
    await expect(app.sql('SELECT name FROM commands WHERE command_id = $1', [commandId])).resolves.toEqual([{ name: 'renamed-while-stopping' }]);
    const answers = await Promise.allSettled(inFlight);
    for (const answer of answers) {
      // Accepted before the signal: answered in full. Not yet accepted: refused at connect, never half-answered.
      if (answer.status === 'fulfilled') expect(answer.value.status).toBe(200);
      else expect(String((answer.reason as Error).cause ?? answer.reason)).toMatch(/ECONNREFUSED|ECONNRESET|other side closed|SocketError/);
    }
    const code = await Promise.race([exited(replica.child), new Promise((r) => setTimeout(() => r('timeout'), 20_000))]);
    if (code !== 0) console.log(replica.output());
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(25_000); // the poll asked to wait 30 s
  }, 60_000);

  /**
   * Replica A claims a run for its agent's poll, but the agent's connection is gone before the
   * answer is written (the test holds the invocation's row, so the claim waits mid-statement,
   * then cuts the agent's connection to A and points it at replica B). Without the release the
   * run would stay "delivered" until REDELIVER_AFTER_SECONDS (10 s) and B's next look.
   */
  it.each([
    ['while A keeps serving', false],
    ['while A is stopping (SIGTERM), and A still exits 0', true],
  ])(
    'a run claimed for an answer that never left goes straight to the agent through another replica, and runs once: %s',
    async (_name, terminate) => {
      const replicaA = await startReplica(app);
      const replicaB = await startReplica(app);
      const toA = new TcpProxy('127.0.0.1', replicaA.port);
      await toA.start();
      const toB = new TcpProxy('127.0.0.1', replicaB.port);
      const state = await registeredAgentState(app);
      state.credentials.server = `http://127.0.0.1:${toA.port}`;
      writeFileSync(join(state.stateDir, 'credentials.json'), JSON.stringify(state.credentials), { mode: 0o600 });
      const commandId = await newCommand(app, {}, 'echo ran-once');
      const { InvokeId: invokeId } = await call(app, 'InvokeCommand', { CommandId: commandId, InstanceIds: JSON.stringify([state.instanceId]) });
      const [{ record_id: recordId }] = await app.sql<{ record_id: string }>('SELECT record_id FROM invocation_records WHERE invoke_id = $1', [invokeId]);
      const held = await holdRow(app, 'invocations', 'invoke_id', invokeId as string);
      const agent = await startAgent(app, state);
      try {
        await untilWaitingOnLock(app, 'WITH picked AS'); // A's claim: the record is A's, the answer not written
        if (terminate) replicaA.child.kill('SIGTERM');
        await toA.cut(); // the agent's connection to A is gone
        toB.port = toA.port; // the agent's address now leads to B
        await toB.start();
        // Time for the agent's retried poll to reach B before A's claim completes (not visible from outside).
        await new Promise((r) => setTimeout(r, 300));
        const released = Date.now();
        await held.release(); // A's claim completes, for a connection that is gone

        await eventually(() => expect(agent.executions()).toContain(recordId), { timeoutMs: 5_000, description: 'B delivered the released run' });
        const deliveredIn = Date.now() - released;
        await eventually(
          async () => expect(await app.sql('SELECT status FROM invocation_records WHERE record_id = $1', [recordId])).toEqual([{ status: 'Success' }]),
          { description: 'the run succeeded' },
        );
        expect(deliveredIn).toBeLessThan(5_000); // REDELIVER_AFTER_SECONDS is 10
        // Nothing more may happen: a second run, had it started, would have logged by now.
        await new Promise((r) => setTimeout(r, 1000));
        expect(agent.executions().filter((id) => id === recordId)).toHaveLength(1);
        if (terminate) {
          const code = await Promise.race([exited(replicaA.child), new Promise((r) => setTimeout(() => r('timeout'), 20_000))]);
          if (code !== 0) console.log(replicaA.output());
          expect(code).toBe(0);
          expect(replicaA.output()).toMatch(/released 1 run/);
        }
      } finally {
        await agent.stop();
        await Promise.all([replicaA.kill('SIGKILL'), replicaB.kill('SIGKILL')]);
        await toB.cut();
      }
    },
    90_000,
  );
});
