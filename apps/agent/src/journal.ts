import { AgentFinalStatus } from '@ca/protocol';
import { closeSync, fchmodSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
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
  { state: 'received' } | { state: 'running'; pid: number } | { state: 'finished'; report: FinishReport } | { state: 'done'; at?: number };

/** Done entries are kept this long to recognise a late redelivery, then dropped at a compaction. */
const DONE_RETENTION_MS = 24 * 3600_000;
/** Rewrite the log once it holds this many lines more than there are live entries. */
const COMPACT_AFTER_STALE_LINES = 10_000;

/**
 * What this agent did with each run, keyed by the record id (the service's idempotency key): a
 * run delivered twice is executed once, and an outcome the service has not acknowledged survives
 * an agent restart and is reported then.
 *
 * An append-only log in the state directory, one JSON line per change of state, held in memory
 * and replayed at start-up (the last line of a record wins; a line torn by a crash is skipped).
 * `put` returns once write(2) has returned: the line is then in the kernel's page cache and
 * survives the agent being killed, which is the failure the journal is for. It is not fsynced:
 * an operating-system crash kills the runs with the agent, and a flush to disk before every
 * spawn would cost more than the rest of a dispatch. One write per step, no file created or
 * renamed per run (a rename per step cost ~10% of the agent's time under load).
 */
export class Journal {
  private readonly entries = new Map<string, JournalEntry>();
  private readonly logFile: string;
  private readonly executionsLog: string;
  private fd: number;
  private executionsFd?: number;
  private lines = 0;

  constructor(stateDir: string) {
    this.logFile = join(stateDir, 'journal.log');
    this.executionsLog = join(stateDir, 'executions.log');
    this.loadLog();
    this.fd = this.rewrite();
  }

  get(recordId: string): JournalEntry | undefined {
    return this.entries.get(recordId);
  }

  put(recordId: string, entry: JournalEntry): void {
    this.entries.set(recordId, entry);
    // Led by a newline: should a write ever be cut short (a full disk), the next line still parses.
    writeSync(this.fd, '\n' + JSON.stringify({ id: recordId, ...entry }));
    if (++this.lines > this.entries.size + COMPACT_AFTER_STALE_LINES) this.prune();
  }

  /** Every entry not yet acknowledged as done, for recovery at start-up. */
  unfinished(): Array<[string, JournalEntry]> {
    return [...this.entries].filter(([, entry]) => entry.state !== 'done');
  }

  /** Drops done entries older than `maxAgeMs` and rewrites the log with what is left. */
  prune(maxAgeMs = DONE_RETENTION_MS): void {
    const cutoff = Date.now() - maxAgeMs;
    for (const [id, entry] of this.entries) if (entry.state === 'done' && (entry.at ?? 0) < cutoff) this.entries.delete(id);
    closeSync(this.fd);
    this.fd = this.rewrite();
  }

  /**
   * One line per execution — `<spawned at> <record id> <invoke id> <received at>`, times in
   * epoch ms with µs precision — read by the "never ran twice" audit and the latency benchmark.
   */
  logExecution(recordId: string, invokeId: string, receivedAt: number, startedAt: number): void {
    if (this.executionsFd === undefined) {
      // 0600 like the rest of the state directory, which a root agent leaves traversable (ScriptsDir);
      // the mode given to open applies only when it creates the file, so an existing log is narrowed too.
      this.executionsFd = openSync(this.executionsLog, 'a', 0o600);
      fchmodSync(this.executionsFd, 0o600);
    }
    writeSync(this.executionsFd, `${startedAt.toFixed(3)} ${recordId} ${invokeId} ${receivedAt.toFixed(3)}\n`);
  }

  /** Writes the live entries to a new log, swaps it in, and opens it for appending. */
  private rewrite(): number {
    const temporary = `${this.logFile}.tmp`;
    const text = [...this.entries].map(([id, entry]) => '\n' + JSON.stringify({ id, ...entry })).join('');
    writeFileSync(temporary, text, { mode: 0o600 });
    renameSync(temporary, this.logFile);
    this.lines = this.entries.size;
    return openSync(this.logFile, 'a', 0o600);
  }

  private loadLog(): void {
    let text: string;
    try {
      text = readFileSync(this.logFile, 'utf8');
    } catch {
      return;
    }
    for (const line of text.split('\n')) {
      try {
        const { id, ...entry } = JSON.parse(line) as JournalEntry & { id: string };
        this.entries.set(id, entry);
      } catch {
        // empty, or torn by a crash or a full disk mid-write: that step did not happen
      }
    }
  }
}
