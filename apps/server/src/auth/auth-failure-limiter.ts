import { Inject, Injectable } from '@nestjs/common';
import { parseV3Authorization } from '@ca/signing';
import { ApiError } from '../common/api-error';
import type { IncomingRpcRequest } from '../actions/incoming-request';
import { APP_CONFIG } from '../config/app-config.token';
import type { AppConfig } from '../config/config.schema';

const MAX_TRACKED_KEYS = 10_000;
/** How long a key that authenticated stays exempt from the refusal before its lookup. */
const RECENTLY_VERIFIED_MS = 15 * 60_000;

/**
 * Token buckets in a bounded map: `capacity` tokens per key, refilled at capacity per window.
 * When the map is full, buckets that have refilled completely are dropped first (they carry no
 * state), then the oldest; an attacker who floods it with new keys can only make this process
 * forget old counts, never grow its memory.
 */
export class BoundedBuckets {
  private readonly buckets = new Map<string, { tokens: number; updatedAt: number }>();
  private readonly perMs: number;

  constructor(
    private readonly capacity: number,
    windowSeconds: number,
    private readonly maxTracked = MAX_TRACKED_KEYS,
  ) {
    this.perMs = capacity / (windowSeconds * 1000);
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Seconds until `key` has a token again; 0 when it has one now (or the limit is off). */
  retryAfter(key: string, now: number): number {
    if (this.capacity <= 0) return 0;
    const tokens = this.tokensOf(key, now);
    return tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - tokens) / this.perMs / 1000));
  }

  /** Takes a token from `key` (the bucket may go empty; it never goes below zero). */
  spend(key: string, now: number): void {
    if (this.capacity <= 0) return;
    const tokens = this.tokensOf(key, now);
    this.buckets.delete(key); // re-inserted last: the map's order is least recently spent first
    if (this.buckets.size >= this.maxTracked) this.evict(now);
    this.buckets.set(key, { tokens: Math.max(0, tokens - 1), updatedAt: now });
  }

  private tokensOf(key: string, now: number): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return this.capacity;
    return Math.min(this.capacity, bucket.tokens + Math.max(0, now - bucket.updatedAt) * this.perMs);
  }

  private evict(now: number): void {
    for (const key of this.buckets.keys()) {
      if (this.tokensOf(key, now) >= this.capacity) this.buckets.delete(key);
    }
    while (this.buckets.size >= this.maxTracked) {
      const oldest = this.buckets.keys().next().value as string;
      this.buckets.delete(oldest);
    }
  }
}

/**
 * Throttles failed authentication (RPC signatures, REST Basic credentials, activation codes) and
 * agent registration attempts, in memory and before the database is asked:
 *
 * - failures per source address (strict) and per claimed access key id or activation id
 *   (generous, it bounds a guesser spread over many addresses). Once either is spent, a request
 *   from that address or for that id is refused with Throttling before the key lookup, so a
 *   flood of failures costs no query;
 * - except a key that authenticated in this process within RECENTLY_VERIFIED_MS: it is verified
 *   as usual (from the key cache), so a correct signature still passes and a wrong one gets
 *   Throttling. Without this exception, the failures of anyone sharing an address (every agent
 *   behind one NAT, every client behind a reverse proxy) or knowing a key id (ids are not
 *   secret) would lock out the fleet's working agents and the operators' keys. Secrets and
 *   activation codes carry some 180 random bits, so a guesser gains nothing from seeing a right
 *   guess pass; what the limits protect is the database and the logs;
 * - registration attempts per source address, successful or not: each takes the activation's
 *   row lock, so a flood of them would serialize every registration behind it.
 *
 * Counts live in this process: with N replicas an address gets up to N times the budget. The
 * address is the TCP peer's; behind a proxy, every client shares the proxy's address.
 */
@Injectable()
export class AuthFailureLimiter {
  private readonly byAddress: BoundedBuckets;
  private readonly byKey: BoundedBuckets;
  private readonly registrations: BoundedBuckets;
  /** Key ids that authenticated here lately, least recently first, with when they did. */
  private readonly verified = new Map<string, number>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const window = config.AUTH_FAILURE_WINDOW_SECONDS;
    this.byAddress = new BoundedBuckets(config.AUTH_FAILURES_PER_ADDRESS, window);
    this.byKey = new BoundedBuckets(config.AUTH_FAILURES_PER_KEY, window);
    this.registrations = new BoundedBuckets(config.REGISTRATION_ATTEMPTS_PER_ADDRESS, window);
  }

  /**
   * Runs `authenticate` unless the address or the claimed id has no failures left (a recently
   * verified key excepted), and counts its client-error failures against both. Throws
   * Throttling (429, with when to retry).
   */
  async guard<T>(address: string, claimedId: string | undefined, authenticate: () => Promise<T>, now = Date.now()): Promise<T> {
    const wait = this.waitFor(address, claimedId, now);
    if (wait > 0 && !this.recentlyVerified(claimedId, now)) throw throttledAuthentication(wait);
    try {
      const authenticated = await authenticate();
      if (claimedId) this.remember(keyOf(claimedId), now);
      return authenticated;
    } catch (error) {
      if (!(error instanceof ApiError) || error.status >= 500) throw error;
      this.recordFailure(address, claimedId, now);
      throw wait > 0 ? throttledAuthentication(wait) : error;
    }
  }

  /** Refuses the request when the address or the claimed id has used up its failures. */
  assertAllowed(address: string, claimedId: string | undefined, now = Date.now()): void {
    const wait = this.waitFor(address, claimedId, now);
    if (wait > 0) throw throttledAuthentication(wait);
  }

  private waitFor(address: string, claimedId: string | undefined, now: number): number {
    return Math.max(this.byAddress.retryAfter(address, now), claimedId ? this.byKey.retryAfter(keyOf(claimedId), now) : 0);
  }

  private recentlyVerified(claimedId: string | undefined, now: number): boolean {
    const at = claimedId === undefined ? undefined : this.verified.get(keyOf(claimedId));
    return at !== undefined && now - at < RECENTLY_VERIFIED_MS;
  }

  private remember(key: string, now: number): void {
    this.verified.delete(key); // re-inserted last: the map's order is least recently verified first
    if (this.verified.size >= MAX_TRACKED_KEYS) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(key, now);
  }

  recordFailure(address: string, claimedId: string | undefined, now = Date.now()): void {
    this.byAddress.spend(address, now);
    if (claimedId) this.byKey.spend(keyOf(claimedId), now);
  }

  /** One registration attempt from `address`, refused when the address has none left. */
  takeRegistration(address: string, now = Date.now()): void {
    const wait = this.registrations.retryAfter(address, now);
    if (wait > 0) throw throttled(wait, 'Too many agent registration attempts from this address; retry later.');
    this.registrations.spend(address, now);
  }
}

/** The access key id an RPC request claims to be signed with (V3 header or V1 parameter), if any. */
export function claimedAccessKeyId(request: IncomingRpcRequest): string | undefined {
  const authorization = request.headers['authorization'];
  if (authorization?.trim().startsWith('ACS3-')) return parseV3Authorization(authorization)?.accessKeyId;
  return request.params.get('AccessKeyId');
}

/** Ids longer than any real one are refused anyway; truncating keeps the map's keys small. */
function keyOf(claimedId: string): string {
  return claimedId.slice(0, 80);
}

function throttledAuthentication(retryAfterSeconds: number): ApiError {
  return throttled(retryAfterSeconds, 'Too many failed authentication attempts; retry later.');
}

function throttled(retryAfterSeconds: number, message: string): ApiError {
  const error = new ApiError('Throttling', `Request was denied due to request throttling: ${message}`);
  error.retryAfterSeconds = retryAfterSeconds;
  return error;
}
