import { AgentFinalStatus } from '@ca/protocol';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface FinishReport {
  status: AgentFinalStatus;
  exitCode?: number;
  errorCode?: string;
  errorInfo?: string;
  outputBytes: number;
  finishedTime: string;
  /** Kept output not yet acknowledged by the service, and where it starts. */
  outputOffset: number;
  outputBase64: string;
}

export type JournalEntry =
  | { state: 'received' }
  | { state: 'running'; pid: number }
  | { state: 'finished'; report: FinishReport }
  | { state: 'done'; at?: number };

/**
 * What this agent did with each run, on disk in the state directory, keyed by the record id
 * (the service's idempotency key): a run delivered twice is executed once, and an outcome the
 * service has not acknowledged survives an agent restart and is reported then.
 */
export class Journal {
  private readonly dir: string;
  private readonly executionsLog: string;

  constructor(stateDir: string) {
    this.dir = join(stateDir, 'journal');
    this.executionsLog = join(stateDir, 'executions.log');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  get(recordId: string): JournalEntry | undefined {
    try {
      return JSON.parse(readFileSync(this.file(recordId), 'utf8')) as JournalEntry;
    } catch {
      return undefined;
    }
  }

  put(recordId: string, entry: JournalEntry): void {
    const temporary = `${this.file(recordId)}.tmp`;
    writeFileSync(temporary, JSON.stringify(entry), { mode: 0o600 });
    renameSync(temporary, this.file(recordId));
  }

  /** Every entry not yet acknowledged as done, for recovery at start-up. */
  unfinished(): Array<[string, JournalEntry]> {
    return readdirSync(this.dir)
      .filter((name) => name.endsWith('.json'))
      .map((name) => name.slice(0, -'.json'.length))
      .map((id) => [id, this.get(id)] as [string, JournalEntry | undefined])
      .filter((pair): pair is [string, JournalEntry] => pair[1] !== undefined && pair[1].state !== 'done');
  }

  /** Done entries older than a day are no longer needed to recognise a redelivery. */
  prune(maxAgeMs = 24 * 3600_000): void {
    const cutoff = Date.now() - maxAgeMs;
    for (const name of readdirSync(this.dir)) {
      const path = join(this.dir, name);
      try {
        const entry = JSON.parse(readFileSync(path, 'utf8')) as JournalEntry & { at?: number };
        if (entry.state === 'done' && (entry.at ?? 0) < cutoff) rmSync(path, { force: true });
      } catch {
        // a half-written temporary file; leave it
      }
    }
  }

  /**
   * One line per execution — `<spawned at> <record id> <invoke id> <received at>`, times in
   * epoch ms with µs precision — read by the "never ran twice" audit and the latency benchmark.
   */
  logExecution(recordId: string, invokeId: string, receivedAt: number): void {
    const now = (performance.timeOrigin + performance.now()).toFixed(3);
    appendFileSync(this.executionsLog, `${now} ${recordId} ${invokeId} ${receivedAt.toFixed(3)}\n`);
  }

  private file(recordId: string): string {
    return join(this.dir, `${recordId}.json`);
  }
}
