import { RefusedError, retryAfterMs, ThrottledError, withRetry } from './service-client';

describe(retryAfterMs.name, () => {
  it.each<[string | undefined, number]>([
    ['3', 3000],
    ['0', 0],
    [undefined, 1000],
    ['soon', 1000],
    ['-5', 1000],
    ['86400', 60_000],
  ])('reads Retry-After %p as %p ms (capped at a minute, 1 s when unreadable)', (header, expected) => {
    expect(retryAfterMs(header)).toBe(expected);
  });
});

describe(withRetry.name, () => {
  const signal = new AbortController().signal;

  it('tries again after a 429, waiting its Retry-After', async () => {
    const attempts: number[] = [];
    const result = await withRetry(() => {
      attempts.push(Date.now());
      return attempts.length === 1 ? Promise.reject(new ThrottledError('Throttling', 300)) : Promise.resolve('reported');
    }, signal);
    expect(result).toBe('reported');
    expect(attempts).toHaveLength(2);
    expect(attempts[1] - attempts[0]).toBeGreaterThanOrEqual(290);
  });

  it('gives up at once on a refusal (4xx other than 429)', async () => {
    let attempts = 0;
    await expect(
      withRetry(() => {
        attempts++;
        return Promise.reject(new RefusedError(400, 'InvalidParameter.OutputBytes', 'bad'));
      }, signal),
    ).rejects.toBeInstanceOf(RefusedError);
    expect(attempts).toBe(1);
  });
});
