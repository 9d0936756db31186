import { Injectable, Logger } from '@nestjs/common';
import { toApiError } from '../common/error-mapping';
import { SignatureNonce } from '../auth/signature-nonce';
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

interface Queued {
  invocation: OneShotInvocation;
  resolve: (outcome: OneShotOutcome) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit of one-shot InvokeCommands (issue 6). Each request's whole write — spend the
 * SignatureNonce, check command and instances (The documented order), insert the invocation and its
 * Pending records, notify the agents — is one SQL statement, and the requests that arrive while
 * earlier statements are in flight share the next one: one round trip and one commit for the
 * lot. A request is answered only after its statement committed, and each one's verdict is its
 * own: a refused request writes nothing but its nonce, exactly as the transactional path would.
 */
@Injectable()
export class OneShotInvocationWriter {
  private readonly logger = new Logger(OneShotInvocationWriter.name);
  private readonly queue: Queued[] = [];
  private inFlight = 0;

  constructor(private readonly sql: Sql) {}

  write(invocation: OneShotInvocation): Promise<OneShotOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ invocation, resolve, reject });
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0) {
      const batch = this.takeBatch();
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        this.flush();
      });
    }
  }

  /** The queue's head, up to MAX_BATCH_INSTANCES targets; a nonce repeated within it waits for a later batch. */
  private takeBatch(): Queued[] {
    const batch: Queued[] = [];
    const nonces = new Set<string>();
    let instances = 0;
    for (let i = 0; i < this.queue.length; ) {
      const queued = this.queue[i];
      const nonceKey = `${queued.invocation.nonce.accessKeyId}\n${queued.invocation.nonce.value}`;
      if (nonces.has(nonceKey)) {
        i++;
        continue;
      }
      if (batch.length > 0 && instances + queued.invocation.instanceIds.length > MAX_BATCH_INSTANCES) break;
      nonces.add(nonceKey);
      instances += queued.invocation.instanceIds.length;
      batch.push(queued);
      this.queue.splice(i, 1);
    }
    return batch;
  }

  private async run(batch: Queued[]): Promise<void> {
    let refusals: Map<number, string | null>;
    try {
      refusals = await insertOneShotInvocations(this.sql, batch.map((q) => q.invocation));
    } catch (error) {
      // Nothing of the statement committed. Unreachable database: every request says so; anything
      // else: each request takes the transactional path alone, which reports its own failure.
      if (toApiError(error).code === 'ServiceUnavailable') {
        for (const queued of batch) queued.reject(error);
      } else {
        this.logger.warn(`one-shot batch of ${batch.length} failed, retrying each in its own transaction: ${(error as Error).message}`);
        for (const queued of batch) queued.resolve({ kind: 'transactional' });
      }
      return;
    }
    batch.forEach((queued, n) => {
      const refusal = refusals.get(n);
      queued.invocation.nonce.markSpent(); // committed, by this statement or by an earlier request
      if (refusal === null) queued.resolve({ kind: 'committed' });
      else if (refusal === NEEDS_PARAMETERS || refusal === undefined) queued.resolve({ kind: 'transactional' });
      else queued.resolve({ kind: 'refused', code: refusal });
    });
  }
}
