/** A batch's answer for one item that fails alone: its caller's promise rejects with `reason`. */
export class Rejected {
  constructor(readonly reason: unknown) {}
}

export interface MicroBatcherOptions<I, R> {
  /**
   * Writes one batch; answers one result per item, in order (a `Rejected` fails only its own
   * caller). A throw fails every caller of the batch with that error.
   */
  run(items: I[]): Promise<Array<R | Rejected>>;
  /**
   * When a batch goes: `slot`, as soon as fewer than `maxConcurrent` batches are in flight (what
   * arrives meanwhile builds up the next one); `tick`, after the current turn of the event loop
   * (what arrives in the same turn shares it); a number, that many milliseconds after the first
   * item of the batch.
   */
  schedule: 'slot' | 'tick' | number;
  /** Batches in flight at once; unbounded by default. */
  maxConcurrent?: number;
  /** A batch's size limit, in `weight` units; reaching it sends a batch at once. Unbounded by default. */
  maxBatchWeight?: number;
  /** An item's share of `maxBatchWeight`; 1 by default. A single item heavier than the limit still goes, alone. */
  weight?: (item: I) => number;
  /** Items with the same key never share a batch: a later one waits for a later batch. */
  conflictKey?: (item: I) => string;
}

interface Queued<I, R> {
  item: I;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Collects the items that arrive close together and hands them to `run` as one batch (one
 * statement, one round trip, one commit), then answers each caller with its own result or the
 * batch's error. The one queue behind every write the service groups.
 */
export class MicroBatcher<I, R> {
  private queue: Array<Queued<I, R>> = [];
  private readonly inFlight = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;
  private scheduled = false;

  constructor(private readonly options: MicroBatcherOptions<I, R>) {}

  add(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.options.schedule === 'slot' || this.queuedWeight() >= (this.options.maxBatchWeight ?? Infinity)) this.pump();
      else this.schedule();
    });
  }

  /** Sends what is queued now and resolves once every batch has settled (shutdown). */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight.size > 0) {
      this.pump();
      await Promise.allSettled([...this.inFlight]);
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const go = (): void => {
      this.scheduled = false;
      this.timer = undefined;
      this.pump();
    };
    if (this.options.schedule === 'tick') setImmediate(go);
    else this.timer = setTimeout(go, this.options.schedule as number);
  }

  /** Sends batches while slots are free and items wait. */
  private pump(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.scheduled = false;
    while (this.queue.length > 0 && this.inFlight.size < (this.options.maxConcurrent ?? Infinity)) {
      const batch = this.take();
      const sent = this.send(batch).finally(() => {
        this.inFlight.delete(sent);
        if (this.queue.length > 0) {
          if (this.options.schedule === 'slot') this.pump();
          else this.schedule();
        }
      });
      this.inFlight.add(sent);
    }
  }

  /** The queue's head up to `maxBatchWeight`, leaving items whose conflict key is already taken. */
  private take(): Array<Queued<I, R>> {
    const { maxBatchWeight = Infinity, weight, conflictKey } = this.options;
    if (maxBatchWeight === Infinity && !conflictKey) {
      const all = this.queue;
      this.queue = [];
      return all;
    }
    const batch: Array<Queued<I, R>> = [];
    const keys = new Set<string>();
    const left: Array<Queued<I, R>> = [];
    let total = 0;
    let i = 0;
    for (; i < this.queue.length; i++) {
      const queued = this.queue[i];
      const key = conflictKey?.(queued.item);
      if (key !== undefined && keys.has(key)) {
        left.push(queued);
        continue;
      }
      const w = weight ? weight(queued.item) : 1;
      if (batch.length > 0 && total + w > maxBatchWeight) break;
      if (key !== undefined) keys.add(key);
      total += w;
      batch.push(queued);
    }
    this.queue = left.concat(this.queue.slice(i));
    return batch;
  }

  private async send(batch: Array<Queued<I, R>>): Promise<void> {
    let results: Array<R | Rejected>;
    try {
      results = await this.options.run(batch.map((q) => q.item));
    } catch (error) {
      for (const queued of batch) queued.reject(error);
      return;
    }
    batch.forEach((queued, n) => {
      const result = results[n];
      if (result instanceof Rejected) queued.reject(result.reason);
      else queued.resolve(result);
    });
  }

  private queuedWeight(): number {
    const { weight } = this.options;
    if (!weight) return this.queue.length;
    let total = 0;
    for (const queued of this.queue) total += weight(queued.item);
    return total;
  }
}
