import type { NewRecord } from '../runs/new-records';
import { DueFire, FireBatchPlan, planFireBatch, planFires } from './fire-plan';

const at = (seconds: number): Date => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));

describe(planFires.name, () => {
  const grace = { graceMs: 60_000, truncated: false };

  it('runs an on-time fire and misses nothing', () => {
    expect(planFires([at(10)], at(10), { ...grace, policy: null })).toEqual({ fireAt: at(10) });
  });

  it('runs the latest fire within the grace window once, late, and collapses the older ones', () => {
    expect(planFires([at(0), at(30), at(60)], at(100), { ...grace, policy: null })).toEqual({
      fireAt: at(60),
      missed: { first: at(0), last: at(30), count: 2, countIsLowerBound: false },
    });
  });

  it('runs nothing when even the latest fire is older than the grace window', () => {
    expect(planFires([at(0), at(10)], at(200), { ...grace, policy: null })).toEqual({
      missed: { first: at(0), last: at(10), count: 2, countIsLowerBound: false },
    });
  });

  it('FireOnceNow runs the latest fire however late', () => {
    expect(planFires([at(0), at(10)], at(5000), { ...grace, policy: 'FireOnceNow' }).fireAt).toEqual(at(10));
  });

  it('Skip runs only what is on time', () => {
    expect(planFires([at(10)], at(11), { ...grace, policy: 'Skip' })).toEqual({ fireAt: at(10) });
    expect(planFires([at(10)], at(40), { ...grace, policy: 'Skip' })).toEqual({
      missed: { first: at(10), last: at(10), count: 1, countIsLowerBound: false },
    });
  });

  it('passes on that the count was cut short', () => {
    expect(planFires([at(0), at(1)], at(500), { graceMs: 0, policy: null, truncated: true }).missed?.countIsLowerBound).toBe(true);
  });
});

describe(planFireBatch.name, () => {
  const fire = (overrides: Partial<DueFire> = {}): DueFire => ({
    invokeId: 't-1',
    instanceIds: ['i-a', 'i-b'],
    nextFireAt: at(10),
    fireCount: 4,
    policy: null,
    times: { dueTimes: [at(10)], next: at(70), truncated: false },
    ...overrides,
  });
  const pending = (instanceId: string, scheduledAt: Date, repeats: number): NewRecord => ({
    invokeId: 't-1',
    instanceId,
    scheduledAt,
    repeats,
    status: 'Pending',
    errorCode: '',
    errorInfo: '',
  });

  it.each<{ name: string; due: DueFire[]; now?: Date; busy?: string[]; expected: FireBatchPlan }>([
    {
      name: 'an on-time fire queues a Pending run on every instance, wakes them and advances the schedule',
      due: [fire()],
      expected: {
        records: [pending('i-a', at(10), 5), pending('i-b', at(10), 5)],
        advances: [{ invokeId: 't-1', nextFireAt: at(70), fireCount: 5 }],
        woken: ['i-a', 'i-b'],
      },
    },
    {
      name: 'an instance whose previous run is unfinished gets a Skipped record and is not woken',
      due: [fire()],
      busy: ['t-1 i-b'],
      expected: {
        records: [
          pending('i-a', at(10), 5),
          {
            ...pending('i-b', at(10), 5),
            status: 'Skipped',
            errorCode: 'PreviousRunNotFinished',
            errorInfo: 'the previous run on this instance was still running at this fire time',
          },
        ],
        advances: [{ invokeId: 't-1', nextFireAt: at(70), fireCount: 5 }],
        woken: ['i-a'],
      },
    },
    {
      name: 'fires missed beyond the grace window collapse into one Missed record per instance, counted as one fire',
      due: [fire({ instanceIds: ['i-a'], times: { dueTimes: [at(0), at(1)], next: null, truncated: true } })],
      now: at(210),
      expected: {
        records: [
          {
            invokeId: 't-1',
            instanceId: 'i-a',
            scheduledAt: at(0),
            repeats: 5,
            status: 'Missed' as const,
            errorCode: 'Misfire',
            errorInfo: `at least 2 scheduled fire(s) from ${at(0).toISOString()} to ${at(1).toISOString()} were missed while no service process could fire them`,
          },
        ],
        advances: [{ invokeId: 't-1', nextFireAt: null, fireCount: 5 }],
        woken: [],
      },
    },
    {
      name: 'a late fire within the grace window runs after the missed ones, each counted',
      due: [fire({ instanceIds: ['i-a'], times: { dueTimes: [at(0), at(200)], next: at(300), truncated: false } })],
      now: at(210),
      expected: {
        records: [expect.objectContaining({ status: 'Missed', scheduledAt: at(0), repeats: 5 }) as never, pending('i-a', at(200), 6)],
        advances: [{ invokeId: 't-1', nextFireAt: at(300), fireCount: 6 }],
        woken: ['i-a'],
      },
    },
    {
      name: 'a schedule that no longer computes is an Error on each instance and never fires again',
      due: [fire({ times: { error: 'unknown time zone' } })],
      expected: {
        records: ['i-a', 'i-b'].map((instanceId): NewRecord => ({
          invokeId: 't-1',
          instanceId,
          scheduledAt: at(10),
          repeats: 5,
          status: 'Error',
          errorCode: 'InvalidFrequency',
          errorInfo: 'the frequency can no longer be computed: unknown time zone',
        })),
        advances: [{ invokeId: 't-1', nextFireAt: null, fireCount: 5 }],
        woken: [],
      },
    },
    {
      name: 'an invocation stopped on every instance advances without records',
      due: [fire({ instanceIds: [] })],
      expected: { records: [], advances: [{ invokeId: 't-1', nextFireAt: at(70), fireCount: 5 }], woken: [] },
    },
    {
      name: 'an instance shared by two invocations is woken once',
      due: [fire({ instanceIds: ['i-a'] }), fire({ invokeId: 't-2', instanceIds: ['i-a'] })],
      expected: {
        records: [pending('i-a', at(10), 5), { ...pending('i-a', at(10), 5), invokeId: 't-2' }],
        advances: [
          { invokeId: 't-1', nextFireAt: at(70), fireCount: 5 },
          { invokeId: 't-2', nextFireAt: at(70), fireCount: 5 },
        ],
        woken: ['i-a'],
      },
    },
  ])('$name', ({ due, now = at(10), busy = [], expected }) => {
    expect(planFireBatch(due, now, { graceMs: 60_000, busy: new Set(busy) })).toEqual(expected);
  });
});
