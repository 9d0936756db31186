import { Inject, Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { APP_CONFIG } from '../config/app-config.token';
import type { AppConfig } from '../config/config.schema';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

const MAX_TRACKED_KEYS = 10_000;

/**
 * Per-access-key request limit: a token bucket (RATE_LIMIT_PER_SECOND sustained, twice that as
 * a burst) in this process. With N replicas behind a balancer a key gets up to N times the rate;
 * the limit protects each process and the database behind it from one runaway client.
 */
@Injectable()
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly rate: number;
  private readonly burst: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.rate = config.RATE_LIMIT_PER_SECOND;
    this.burst = Math.max(1, 2 * config.RATE_LIMIT_PER_SECOND);
  }

  /** Takes one request's token for `key`, or throws Throttling.User with when to retry. */
  take(key: string, now = Date.now()): void {
    if (this.rate <= 0) return;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= MAX_TRACKED_KEYS) this.forgetIdle(now);
      bucket = { tokens: this.burst, updatedAt: now };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.rate);
    bucket.updatedAt = now;
    if (bucket.tokens < 1) {
      const retryAfterSeconds = Math.max(1, Math.ceil((1 - bucket.tokens) / this.rate));
      const throttled = new ApiError('Throttling.User');
      throttled.retryAfterSeconds = retryAfterSeconds;
      throw throttled;
    }
    bucket.tokens -= 1;
  }

  /** A bucket that has refilled completely carries no state worth keeping. */
  private forgetIdle(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.rate >= this.burst) this.buckets.delete(key);
    }
  }
}
