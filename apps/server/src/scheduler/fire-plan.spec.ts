import { planFires } from './fire-plan';

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
