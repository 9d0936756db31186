import { Injectable, Logger } from '@nestjs/common';
import { SignatureNonce } from '../actions/signature-nonce';
import { isDatabaseUnavailable } from '../database/database-unavailable';
import { MicroBatcher } from '../database/micro-batcher';
import { Sql } from '../database/sql';
import { insertOneShotInvocations, NEEDS_PARAMETERS, OneShotInsert } from '../runs/one-shot';

/** A one-shot InvokeCommand without ClientToken or Parameters, after its checks that need no database. */
export interface OneShotInvocation extends OneShotInsert {
  nonce: SignatureNonce;
}

/**
 * What became of it: committed; refused with an Alibaba code (nothing written but the nonce);
 * or left to the transactional path (a command with parameters, or a statement that failed).
 */
export type OneShotOutcome = { kind: 'committed' } | { kind: 'refused'; code: string } | { kind: 'transactional' };

/** Statements in flight at once: one commits while the next one's batch builds up. */
const MAX_IN_FLIGHT = 3;
const MAX_BATCH_INSTANCES = 2000;

/**
 * Group commit of one-shot InvokeCommands. Each request's whole write — spend the
 * SignatureNonce, check command and instances (the documented order), insert the invocation and its
 * Pending records, notify the agents — is one SQL statement, and the requests that arrive while
 * earlier statements are in flight share the next one: one round trip and one commit for the
 * lot. A request is answered only after its statement committed, and each one's verdict is its
 * own: a refused request writes nothing but its nonce, exactly as the transactional path would.
 */
@Injectable()
export class OneShotInvocationWriter {
  private readonly logger = new Logger(OneShotInvocationWriter.name);
  private readonly batcher = new MicroBatcher<OneShotInvocation, OneShotOutcome>({
    schedule: 'slot',
    maxConcurrent: MAX_IN_FLIGHT,
    maxBatchWeight: MAX_BATCH_INSTANCES,
    weight: (invocation) => invocation.instanceIds.length,
    // Two requests with one nonce in one statement would both see it spent by that statement and
    // both be written: the replay waits for a later batch, which refuses it.
    conflictKey: (invocation) => `${invocation.nonce.accessKeyId}\n${invocation.nonce.value}`,
    run: (batch) => this.writeBatch(batch),
  });

  constructor(private readonly sql: Sql) {}

  write(invocation: OneShotInvocation): Promise<OneShotOutcome> {
    return this.batcher.add(invocation);
  }

  private async writeBatch(batch: OneShotInvocation[]): Promise<OneShotOutcome[]> {
    let refusals: Map<number, string | null>;
    try {
      refusals = await insertOneShotInvocations(this.sql, batch);
    } catch (error) {
      // Nothing of the statement committed. Unreachable database: every request says so; anything
      // else: each request takes the transactional path alone, which reports its own failure.
      if (isDatabaseUnavailable(error)) throw error;
      this.logger.warn(`one-shot batch of ${batch.length} failed, retrying each in its own transaction: ${(error as Error).message}`);
      return batch.map(() => ({ kind: 'transactional' }));
    }
    return batch.map((invocation, n) => {
      const refusal = refusals.get(n);
      invocation.nonce.markSpent(); // committed, by this statement or by an earlier request
      if (refusal === null) return { kind: 'committed' };
      if (refusal === NEEDS_PARAMETERS || refusal === undefined) return { kind: 'transactional' };
      return { kind: 'refused', code: refusal };
    });
  }
}
