import { RpcClient } from '@ca/signing';
import { RunningAgent, startAgent } from '../support/agents';
import { call, newCommand, REGION } from '../support/factories';
import { ServerProcess, startReplica } from '../support/server-processes';
import { ADMIN_KEY_ID, ADMIN_KEY_SECRET, startTestApp, TestApp } from '../support/test-app';
import { runRecords, scheduledTimes, stopBetweenFires } from '../support/timed-runs';

const SCHEDULES = 3;
const FREQUENCY = '*/2 * * * * ?';
const PERIOD_MS = 2000;
const RUN_MS = 10_000;

/**
 * Several service processes on one database fire each scheduled time exactly
 * once, and every fire runs on real agents — also while one process is killed with SIGKILL
 * mid-run and restarted; a stop issued through one process ends the fires on all of them. The
 * test's own in-process service is one replica (the agents poll it); the others are separate
 * processes.
 */
describe('timed invocations on several service processes', () => {
  let app: TestApp;
  let agents: RunningAgent[] = [];
  let replicas: ServerProcess[] = [];

  beforeAll(async () => {
    app = await startTestApp({ MIN_INTERVAL_SECONDS: '1' });
    agents = [await startAgent(app), await startAgent(app)];
  });
  afterEach(async () => {
    await Promise.all(replicas.map((r) => r.kill('SIGKILL')));
    replicas = [];
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await app.close();
  });

  /** SCHEDULES invocations firing every 2 s, each on both agents. */
  async function startSchedules(): Promise<string[]> {
    const commandId = await newCommand(app, {}, 'echo run');
    const invokeIds: string[] = [];
    for (let i = 0; i < SCHEDULES; i++) {
      const { InvokeId } = await call(app, 'InvokeCommand', {
        CommandId: commandId,
        InstanceIds: JSON.stringify(agents.map((a) => a.instanceId)),
        Timed: 'true',
        Frequency: FREQUENCY,
      });
      invokeIds.push(InvokeId as string);
    }
    return invokeIds;
  }

  /**
   * Stops every invocation through the newest separate process (not the one the agents poll),
   * waits a few fire periods, then checks each invocation: on each instance, one Success run
   * for each time the schedule has between creation and stop, none early, none after the stop
   * (from whichever process), none doubled, none missing.
   */
  async function stopThroughReplicaAndAudit(invokeIds: string[]): Promise<number> {
    const replica = replicas[replicas.length - 1];
    const client = new RpcClient({ endpoint: `http://127.0.0.1:${replica.port}`, accessKeyId: ADMIN_KEY_ID, accessKeySecret: ADMIN_KEY_SECRET });
    await stopBetweenFires(app, invokeIds, PERIOD_MS, async (InvokeId) => {
      const response = await client.call('StopInvocation', { RegionId: REGION, InvokeId });
      expect(response.status).toBe(200);
    });
    // Nothing may fire after the stop: give three periods for a stray fire to appear.
    await new Promise((r) => setTimeout(r, 3 * PERIOD_MS));
    let runs = 0;
    for (const invokeId of invokeIds) {
      const expected = await scheduledTimes(app, invokeId);
      expect(expected.length).toBeGreaterThanOrEqual(RUN_MS / PERIOD_MS - 1);
      const rows = await runRecords(app, invokeId);
      for (const agent of agents) {
        const mine = rows.filter((r) => r.instance_id === agent.instanceId);
        expect(mine.map((r) => r.scheduled_at.getTime())).toEqual(expected);
        for (const row of mine) {
          expect(row.status).toBe('Success');
          expect(row.created_at.getTime()).toBeGreaterThanOrEqual(row.scheduled_at.getTime());
          expect(row.start_time!.getTime()).toBeGreaterThanOrEqual(row.scheduled_at.getTime());
        }
        runs += mine.length;
      }
    }
    return runs;
  }

  it.each([2, 3])(
    '%i processes: every scheduled time runs exactly once, and a stop through one of them ends the fires on all',
    async (processes) => {
      for (let i = 1; i < processes; i++) replicas.push(await startReplica(app));
      const invokeIds = await startSchedules();
      await new Promise((r) => setTimeout(r, RUN_MS)); // the schedules fire for a while
      const runs = await stopThroughReplicaAndAudit(invokeIds);
      expect(runs).toBeGreaterThanOrEqual(SCHEDULES * agents.length * (RUN_MS / PERIOD_MS - 1));
    },
    90_000,
  );

  it('3 processes with one killed by SIGKILL mid-run and restarted, repeatedly: none lost, none doubled', async () => {
    replicas.push(await startReplica(app), await startReplica(app));
    const invokeIds = await startSchedules();
    const until = Date.now() + RUN_MS;
    let kills = 0;
    // At least three kills however slowly replicas start on a loaded machine, and at least RUN_MS.
    while (kills < 3 || Date.now() < until) {
      await new Promise((r) => setTimeout(r, 1500 + Math.random() * 1000));
      const victim = replicas.shift()!;
      await victim.kill('SIGKILL');
      kills++;
      replicas.push(await startReplica(app));
    }
    await stopThroughReplicaAndAudit(invokeIds);
  }, 120_000);
});
