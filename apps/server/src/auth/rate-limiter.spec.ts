import { loadConfig } from '../config/config.schema';
import { RateLimiter } from './rate-limiter';

describe(RateLimiter.name, () => {
  const sut = (rate: number): RateLimiter => new RateLimiter(loadConfig({ RATE_LIMIT_PER_SECOND: String(rate) }));
  const codeOf = (fn: () => void): string | undefined => {
    try {
      fn();
      return undefined;
    } catch (error) {
      return (error as { code: string }).code;
    }
  };

  it('allows a burst of twice the rate, then throttles, then refills with time', () => {
    const limiter = sut(5);
    for (let i = 0; i < 10; i++) limiter.take('k', 1000);
    expect(codeOf(() => limiter.take('k', 1000))).toBe('Throttling.User');
    expect(codeOf(() => limiter.take('k', 1200))).toBeUndefined(); // 0.2 s × 5/s = 1 token
    expect(codeOf(() => limiter.take('k', 1200))).toBe('Throttling.User');
  });

  it('keeps keys apart', () => {
    const limiter = sut(1);
    limiter.take('a', 0);
    limiter.take('a', 0);
    expect(codeOf(() => limiter.take('a', 0))).toBe('Throttling.User');
    expect(codeOf(() => limiter.take('b', 0))).toBeUndefined();
  });

  it('is off at 0', () => {
    const limiter = sut(0);
    for (let i = 0; i < 1000; i++) limiter.take('k', 0);
  });
});
