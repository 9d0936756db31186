import { registeredAgentState } from '../support/agents';
import { call, newCommand } from '../support/factories';
import { ServerProcess, startReplica } from '../support/server-processes';
import { startTestApp, TestApp } from '../support/test-app';

const SCHEDULES = 8;
const RUN_MS = 8000;

/**
 * SPEC §5.2/§5.4: several service processes on one database fire each scheduled time exactly
 * once — also while one of them is killed with SIGKILL mid-run and restarted. The test's own
 * in-process service is one replica; the others are separate processes.
 */
describe('timed invocations on several service processes', () => {
  let app: TestApp;
  let replicas: ServerProcess[] = [];

  beforeEach(async () => {
    app = await startTestApp({ MIN_INTERVAL_SECONDS: '1' });
  });
  afterEach(async () => {
    await Promise.all(replicas.map((r) => r.kill('SIGKILL')));
    replicas = [];
    await app.close();
  });

  /** Starts SCHEDULES every-second invocations, one instance each (no agent: records are the evidence). */
  async function startSchedules(): Promise<Array<{ invokeId: string; createdAt: number }>> {
    const commandId = await newCommand(app);
    const schedules = [];
    for (let i = 0; i < SCHEDULES; i++) {
      const { instanceId } = await registeredAgentState(app);
      const createdAt = Date.now();
      const { InvokeId } = await call(app, 'InvokeCommand', { CommandId: commandId, InstanceIds: JSON.stringify([instanceId]), Timed: 'true', Frequency: '* * * * * ?' });
      schedules.push({ invokeId: InvokeId as string, createdAt });
    }
    return schedules;
  }

  /** Every second from the first fire to the stop is recorded, exactly once. */
  async function audit(schedules: Array<{ invokeId: string; createdAt: number }>, stoppedAt: number): Promise<{ runs: number; scheduled: number }> {
    let runs = 0;
    let scheduled = 0;
    for (const { invokeId, createdAt } of schedules) {
      const rows = await app.sql<{ at: Date; status: string }>(
        'SELECT scheduled_at AS at, status FROM invocation_records WHERE invoke_id = $1 ORDER BY scheduled_at',
        [invokeId],
      );
      const times = rows.map((r) => r.at.getTime());
      expect(new Set(times).size).toBe(times.length); // none doubled
      expect(rows.filter((r) => r.status === 'Missed')).toEqual([]);
      const first = Math.floor(createdAt / 1000) * 1000 + 1000;
      expect(times[0]).toBeLessThanOrEqual(first + 1000); // the first fire after creation (creation took a moment)
      const expected: number[] = [];
      for (let t = times[0]; t <= times[times.length - 1]; t += 1000) expected.push(t);
      expect(times).toEqual(expected); // none missing in between
      expect(times[times.length - 1]).toBeGreaterThanOrEqual(stoppedAt - 2000); // none missing at the end
      runs += times.length;
      scheduled += expected.length;
    }
    return { runs, scheduled };
  }

  async function stopAll(schedules: Array<{ invokeId: string }>): Promise<number> {
    const stoppedAt = Date.now();
    for (const { invokeId } of schedules) await call(app, 'StopInvocation', { InvokeId: invokeId });
    await new Promise((r) => setTimeout(r, 1500));
    return stoppedAt;
  }

  it.each([2, 3])('%i processes: every scheduled time runs exactly once', async (processes) => {
    for (let i = 1; i < processes; i++) replicas.push(await startReplica(app));
    const schedules = await startSchedules();
    await new Promise((r) => setTimeout(r, RUN_MS));
    const stoppedAt = await stopAll(schedules);
    const { runs, scheduled } = await audit(schedules, stoppedAt);
    expect(runs).toBe(scheduled);
    expect(runs).toBeGreaterThanOrEqual(SCHEDULES * (RUN_MS / 1000 - 1));
  }, 60_000);

  it('3 processes with one killed by SIGKILL mid-run and restarted, repeatedly: none lost, none doubled', async () => {
    replicas.push(await startReplica(app), await startReplica(app));
    const schedules = await startSchedules();
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
    const stoppedAt = await stopAll(schedules);
    const { runs, scheduled } = await audit(schedules, stoppedAt);
    expect(runs).toBe(scheduled);
  }, 90_000);
});
