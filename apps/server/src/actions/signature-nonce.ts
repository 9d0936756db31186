import { DataSource, EntityManager } from 'typeorm';
import { ApiError } from '../common/api-error';
import { sqlRunnerOf } from '../database/sql';

/** How far a request's timestamp may be from our clock, either way. */
export const TIMESTAMP_WINDOW_MS = 15 * 60 * 1000;
/** A nonce must be remembered for as long as a request carrying it could still be accepted. */
export const NONCE_LIFETIME_SECONDS = (2 * TIMESTAMP_WINDOW_MS) / 1000;

/**
 * The SignatureNonce of a correctly signed request, spent once: a replay finds it in
 * `signature_nonces` and is refused. Most actions spend it on its own before they run. A write
 * action may instead spend it in its own transaction (InvokeCommand does: one commit per
 * request instead of two); whatever path fails before the nonce is known to be committed, the
 * RPC edge spends it afterwards, so every correctly signed request burns its nonce.
 */
export class SignatureNonce {
  private isSpent = false;

  constructor(
    readonly accessKeyId: string,
    readonly value: string,
  ) {}

  /** True once the nonce is known to be committed as used (by this request or by an earlier one). */
  get spent(): boolean {
    return this.isSpent;
  }

  /** Spends the nonce in its own statement: SignatureNonceUsed if a request spent it before. */
  async spend(dataSource: DataSource): Promise<void> {
    await this.spendIn(dataSource);
    this.markSpent();
  }

  /**
   * Spends the nonce inside the caller's transaction (a concurrent replay waits for it and is
   * then refused); the caller calls `markSpent` once the transaction has committed.
   */
  async spendIn(executor: EntityManager | DataSource): Promise<void> {
    const { rows } = await sqlRunnerOf(executor).query(
      `INSERT INTO signature_nonces (access_key_id, nonce, expires_at)
       VALUES ($1, $2, now() + make_interval(secs => $3))
       ON CONFLICT DO NOTHING RETURNING 1`,
      [this.accessKeyId, this.value, NONCE_LIFETIME_SECONDS],
    );
    if (rows.length === 0) {
      this.markSpent();
      throw new ApiError('SignatureNonceUsed');
    }
  }

  markSpent(): void {
    this.isSpent = true;
  }
}
