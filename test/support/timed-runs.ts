import { nextFireTimes, storedFrequency } from '@ca/frequency';
import { eventually } from './eventually';
import type { TestApp } from './test-app';

export interface RunRow {
  instance_id: string;
  scheduled_at: Date;
  created_at: Date;
  start_time: Date | null;
  status: string;
  error_code: string;
  error_info: string;
}

/** Every record of an invocation, by instance then scheduled time. */
export function runRecords(app: TestApp, invokeId: string): Promise<RunRow[]> {
  return app.sql<RunRow>(
    `SELECT instance_id, scheduled_at, created_at, start_time, status, error_code, error_info
       FROM invocation_records WHERE invoke_id = $1 ORDER BY instance_id, scheduled_at`,
    [invokeId],
  );
}

/**
 * The fire times the schedule itself has after the invocation's creation, up to its stop (or
 * `until`), computed by the shared frequency library: what the records are checked against, so
 * a time no process fired is missing from the records, not from the expectation.
 */
export async function scheduledTimes(app: TestApp, invokeId: string, until?: Date): Promise<number[]> {
  const [invocation] = await app.sql<{ frequency: string; time_zone: string; created_at: Date; stopped_at: Date | null }>(
    'SELECT frequency, time_zone, created_at, stopped_at FROM invocations WHERE invoke_id = $1',
    [invokeId],
  );
  const end = until ?? invocation.stopped_at;
  if (!end) throw new Error(`invocation ${invokeId} is not stopped and no end was given`);
  const frequency = storedFrequency(invocation.frequency, invocation.time_zone);
  const times: number[] = [];
  let cursor = invocation.created_at;
  for (;;) {
    const batch = nextFireTimes(frequency, cursor, invocation.created_at, 100);
    for (const time of batch) {
      if (time > end) return times;
      times.push(time.getTime());
    }
    if (batch.length < 100) return times;
    cursor = batch[batch.length - 1];
  }
}

/**
 * Stops the invocations (all firing every `periodMs`) in the middle of a period whose fire has
 * already run to Success on every instance: no fire is then in flight at the stop, so each
 * scheduled time up to the stop must have exactly one Success run and none may come after it.
 */
export async function stopBetweenFires(app: TestApp, invokeIds: string[], periodMs: number, stop: (invokeId: string) => Promise<unknown>): Promise<void> {
  const [{ instances }] = await app.sql<{ instances: number }>(
    'SELECT sum(cardinality(instance_ids))::int AS instances FROM invocations WHERE invoke_id = ANY($1)',
    [invokeIds],
  );
  for (let attempt = 0; attempt < 10; attempt++) {
    // The fire just past, or, in the second half of a period, the coming one.
    const now = Date.now();
    const last = new Date(Math.floor(now / periodMs) * periodMs + (now % periodMs < periodMs / 2 ? 0 : periodMs));
    await eventually(
      async () => {
        const [{ n }] = await app.sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM invocation_records WHERE invoke_id = ANY($1) AND scheduled_at = $2 AND status = 'Success'`,
          [invokeIds, last],
        );
        expect(n).toBe(instances);
      },
      { timeoutMs: 15_000, description: `every instance ran the fire of ${last.toISOString()} to Success` },
    );
    if (Date.now() < last.getTime() + periodMs / 2) {
      await Promise.all(invokeIds.map(stop));
      return;
    }
  }
  throw new Error('found no quiet moment to stop the invocations in');
}
