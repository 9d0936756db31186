import { ApiError } from '../common/api-error';
import type { ErrorCode } from '../common/error-catalog';
import { loadConfig } from '../config/config.schema';
import { AuthFailureLimiter, BoundedBuckets } from './auth-failure-limiter';

describe(AuthFailureLimiter.name, () => {
  const sut = (env: Record<string, string> = {}): AuthFailureLimiter =>
    new AuthFailureLimiter(
      loadConfig({
        AUTH_FAILURE_WINDOW_SECONDS: '60',
        AUTH_FAILURES_PER_ADDRESS: '3',
        AUTH_FAILURES_PER_KEY: '5',
        REGISTRATION_ATTEMPTS_PER_ADDRESS: '2',
        ...env,
      }),
    );
  const refusal = (fn: () => void): ApiError | undefined => {
    try {
      fn();
      return undefined;
    } catch (error) {
      return error as ApiError;
    }
  };
  const failing =
    (code: ErrorCode = 'SignatureDoesNotMatch') =>
    () =>
      Promise.reject(new ApiError(code));

  it('lets a key that authenticated lately through an address others have throttled (agents behind one NAT or proxy)', async () => {
    const limiter = sut();
    await expect(limiter.guard('10.0.0.1', 'agent-key', () => Promise.resolve('ok'), 0)).resolves.toBe('ok');
    for (let i = 0; i < 3; i++)
      await expect(limiter.guard('10.0.0.1', 'revoked-key', failing('InvalidAccessKeyId.NotFound'), 0)).rejects.toBeInstanceOf(ApiError);
    await expect(limiter.guard('10.0.0.1', 'revoked-key', () => Promise.resolve('never asked'), 0)).rejects.toMatchObject({ code: 'Throttling' });
    await expect(limiter.guard('10.0.0.1', 'agent-key', () => Promise.resolve('ok'), 1000)).resolves.toBe('ok');
    // A wrong signature with the known key from there is verified, counted, and answered Throttling.
    await expect(limiter.guard('10.0.0.1', 'agent-key', failing(), 1000)).rejects.toMatchObject({ code: 'Throttling' });
    // Fifteen minutes without a success and the exemption is gone.
    await expect(limiter.guard('10.0.0.1', 'agent-key', () => Promise.resolve('ok'), 15 * 60_000 + 1000)).resolves.toBe('ok');
  });

  it('does not let failures against a known key id lock out its owner', async () => {
    const limiter = sut();
    await expect(limiter.guard('10.0.0.9', 'admin-key', () => Promise.resolve('ok'), 0)).resolves.toBe('ok');
    for (let i = 0; i < 5; i++) await expect(limiter.guard(`10.0.1.${i}`, 'admin-key', failing(), 0)).rejects.toBeInstanceOf(ApiError);
    await expect(limiter.guard('10.0.2.1', 'admin-key', failing(), 0)).rejects.toMatchObject({ code: 'Throttling' });
    await expect(limiter.guard('10.0.0.9', 'admin-key', () => Promise.resolve('ok'), 0)).resolves.toBe('ok');
  });

  it('refuses an address once it has spent its failures, with Throttling (429) and when to retry', async () => {
    const limiter = sut();
    for (let i = 0; i < 3; i++) await expect(limiter.guard('10.0.0.1', `key${i}`, failing(), 0)).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
    const refused = refusal(() => limiter.assertAllowed('10.0.0.1', 'other', 0));
    expect(refused).toMatchObject({ code: 'Throttling', status: 429, retryAfterSeconds: 20 }); // 3 per 60 s: one every 20 s
  });

  it('does not run the authentication of a throttled request at all', async () => {
    const limiter = sut();
    for (let i = 0; i < 3; i++) limiter.recordFailure('10.0.0.1', undefined, 0);
    const authenticate = jest.fn(() => Promise.resolve('ok'));
    await expect(limiter.guard('10.0.0.1', 'k', authenticate, 0)).rejects.toMatchObject({ code: 'Throttling' });
    expect(authenticate).not.toHaveBeenCalled();
  });

  it('counts client errors only: success and server failures leave the budget alone', async () => {
    const limiter = sut();
    for (let i = 0; i < 10; i++) {
      await expect(limiter.guard('10.0.0.1', 'k', () => Promise.resolve('ok'), 0)).resolves.toBe('ok');
      await expect(limiter.guard('10.0.0.1', 'k', failing('ServiceUnavailable'), 0)).rejects.toMatchObject({ code: 'ServiceUnavailable' });
    }
    expect(refusal(() => limiter.assertAllowed('10.0.0.1', 'k', 0))).toBeUndefined();
  });

  it('keeps addresses apart', () => {
    const limiter = sut();
    for (let i = 0; i < 3; i++) limiter.recordFailure('10.0.0.1', undefined, 0);
    expect(refusal(() => limiter.assertAllowed('10.0.0.2', undefined, 0))).toBeUndefined();
  });

  it('refuses a claimed id once it has spent its own (larger) budget, whatever the address', () => {
    const limiter = sut();
    for (let i = 0; i < 5; i++) limiter.recordFailure(`10.0.0.${i}`, 'victim', 0);
    expect(refusal(() => limiter.assertAllowed('10.0.1.1', 'victim', 0))).toMatchObject({ code: 'Throttling' });
    expect(refusal(() => limiter.assertAllowed('10.0.1.1', 'someone-else', 0))).toBeUndefined();
  });

  it('refills with time: one failure per window/limit', () => {
    const limiter = sut();
    for (let i = 0; i < 3; i++) limiter.recordFailure('10.0.0.1', undefined, 0);
    expect(refusal(() => limiter.assertAllowed('10.0.0.1', undefined, 19_999))).toMatchObject({ code: 'Throttling', retryAfterSeconds: 1 });
    expect(refusal(() => limiter.assertAllowed('10.0.0.1', undefined, 20_000))).toBeUndefined();
  });

  it('limits registration attempts per address, successful or not', () => {
    const limiter = sut();
    limiter.takeRegistration('10.0.0.1', 0);
    limiter.takeRegistration('10.0.0.1', 0);
    expect(refusal(() => limiter.takeRegistration('10.0.0.1', 0))).toMatchObject({ code: 'Throttling', status: 429, retryAfterSeconds: 30 });
    expect(refusal(() => limiter.takeRegistration('10.0.0.2', 0))).toBeUndefined();
  });

  it('a limit of 0 is off', async () => {
    const limiter = sut({ AUTH_FAILURES_PER_ADDRESS: '0', AUTH_FAILURES_PER_KEY: '0', REGISTRATION_ATTEMPTS_PER_ADDRESS: '0' });
    for (let i = 0; i < 100; i++) {
      await expect(limiter.guard('10.0.0.1', 'k', failing(), 0)).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
      limiter.takeRegistration('10.0.0.1', 0);
    }
    expect(refusal(() => limiter.assertAllowed('10.0.0.1', 'k', 0))).toBeUndefined();
  });
});

describe(BoundedBuckets.name, () => {
  it('never tracks more than its bound, forgetting the least recently spent key first', () => {
    const buckets = new BoundedBuckets(1, 60, 3);
    for (const key of ['a', 'b', 'c', 'd']) buckets.spend(key, 0);
    expect(buckets.size).toBe(3);
    expect(buckets.retryAfter('a', 0)).toBe(0); // forgotten
    expect(buckets.retryAfter('d', 0)).toBeGreaterThan(0);
  });

  it('drops buckets that have refilled before dropping live ones', () => {
    const buckets = new BoundedBuckets(1, 60, 2);
    buckets.spend('old', 0);
    buckets.spend('live', 59_000);
    buckets.spend('new', 60_000); // 'old' has refilled by now; 'live' has not
    expect(buckets.retryAfter('live', 60_000)).toBeGreaterThan(0);
    expect(buckets.retryAfter('new', 60_000)).toBeGreaterThan(0);
    expect(buckets.size).toBe(2);
  });
});
