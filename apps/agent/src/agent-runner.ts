import {
  AGENT_VERSION,
  AgentActions,
  AgentCredentials,
  AgentPollResponse,
  AgentTask,
  HEARTBEAT_INTERVAL_SECONDS,
  MAX_REPORTED_OUTPUT_BYTES,
  OUTPUT_LIMIT_BYTES,
} from '@ca/protocol';
import { hostname } from 'node:os';
import { FinishReport, Journal } from './journal';
import { machineFacts } from './machine-facts';
import { RefusedError, ServiceClient, sleep, ThrottledError, withRetry } from './service-client';
import { ProcessLauncher } from './process-launcher';
import { ScriptsDir } from './scripts-dir';
import { RECORD_ID_PATTERN, taskProblem } from './task-check';
import { CappedOutput, TaskProcess, TaskResult } from './task-process';

const POLL_WAIT_SECONDS = 20;
const OUTPUT_FLUSH_MS = 250;

export type AgentLog = (message: string) => void;

/**
 * `agent run`: heartbeats, long-polls for work, runs each task, streams its output
 * and reports its outcome. Tasks keep running while the service is unreachable; outcomes wait
 * in the journal and are reported, once each, when it is back.
 */
export class AgentRunner {
  private readonly client: ServiceClient;
  private readonly journal: Journal;
  private readonly launcher = new ProcessLauncher();
  private readonly scripts: ScriptsDir;
  private readonly running = new Map<string, TaskProcess>();
  private readonly stopping = new AbortController();
  private readonly reporting = new Set<Promise<void>>();
  /** Record ids received but not yet acknowledged to the service (sent with the next poll). */
  private readonly unacknowledged = new Set<string>();

  constructor(
    private readonly credentials: AgentCredentials,
    private readonly stateDir: string,
    private readonly log: AgentLog,
  ) {
    this.client = new ServiceClient(credentials);
    this.journal = new Journal(stateDir);
    this.scripts = new ScriptsDir(stateDir);
  }

  async run(): Promise<void> {
    this.log(`agent ${AGENT_VERSION} for ${this.credentials.instanceId}, service ${this.credentials.server}`);
    this.recover();
    this.track(this.announceStart());
    void this.heartbeatLoop();
    await this.pollLoop();
  }

  /** Stops polling, lets running tasks finish and their outcomes be reported, up to `graceMs`. */
  async shutdown(graceMs = 10_000): Promise<void> {
    this.stopping.abort();
    this.launcher.close();
    const deadline = sleep(graceMs);
    await Promise.race([Promise.all([...this.reporting]), deadline]);
  }

  private get signal(): AbortSignal {
    return this.stopping.signal;
  }

  /** Tells the service this machine's facts and boot, once per start, retrying until it answers. */
  private async announceStart(): Promise<void> {
    const facts = machineFacts(AGENT_VERSION);
    try {
      await withRetry(() => this.client.call(AgentActions.start, { ...facts }, this.signal), this.signal, 30_000);
    } catch (error) {
      if (!this.signal.aborted) this.log(`start not recorded: ${(error as Error).message}`);
    }
  }

  private async heartbeatLoop(): Promise<void> {
    while (!this.signal.aborted) {
      try {
        await this.client.call(AgentActions.heartbeat, { AgentVersion: AGENT_VERSION, Hostname: hostname() }, this.signal);
      } catch (error) {
        if (!this.signal.aborted) this.log(`heartbeat failed: ${(error as Error).message}`);
      }
      await sleep(HEARTBEAT_INTERVAL_SECONDS * 1000, this.signal);
    }
  }

  private async pollLoop(): Promise<void> {
    let delay = 100;
    let reachable = true;
    while (!this.signal.aborted) {
      try {
        const acks = [...this.unacknowledged];
        const work = await this.client.call<AgentPollResponse>(
          AgentActions.poll,
          { WaitSeconds: String(POLL_WAIT_SECONDS), Acks: acks.join(',') },
          this.signal,
        );
        const receivedAt = performance.timeOrigin + performance.now();
        for (const id of acks) this.unacknowledged.delete(id);
        if (!reachable) this.log('service reachable again');
        reachable = true;
        delay = 100;
        const stops = new Set(work.StopRecordIds);
        for (const recordId of stops) this.running.get(recordId)?.kill('stop');
        for (const task of work.Tasks) this.accept(task, stops.has(task.RecordId), receivedAt);
      } catch (error) {
        if (this.signal.aborted) break;
        if (reachable) this.log(`poll failed, retrying: ${(error as Error).message}`);
        reachable = false;
        if (error instanceof RefusedError && error.status === 403) this.log('the service refuses this agent credential; re-register');
        await sleep(error instanceof ThrottledError ? Math.max(error.retryAfterMs, delay) : delay, this.signal);
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  /**
   * A delivered task (already Running on the service's side): run it at once, unless this agent
   * has it already (a redelivery after a lost answer) or it was stopped before it could start.
   */
  private accept(task: AgentTask, stopped: boolean, receivedAt: number): void {
    // A task without a usable record id cannot even be answered: it is dropped, and the service
    // ends it as undelivered. Any other malformed task is reported as an Error, never run.
    if (typeof task.RecordId !== 'string' || !RECORD_ID_PATTERN.test(task.RecordId)) {
      this.log(`ignored a task with a malformed record id: ${JSON.stringify(String(task.RecordId)).slice(0, 80)}`);
      return;
    }
    this.unacknowledged.add(task.RecordId);
    const known = this.journal.get(task.RecordId);
    if (known) {
      if (known.state === 'finished') this.report(task.RecordId, known.report);
      return;
    }
    const problem = taskProblem(task);
    if (problem) {
      this.log(`refused task ${task.RecordId}: ${problem}`);
      const report = outcomeWithoutRun('Error', 'InvalidTask', `the agent refused the task: ${problem}`);
      this.journal.put(task.RecordId, { state: 'finished', report });
      this.report(task.RecordId, report);
      return;
    }
    if (stopped) {
      const report = outcomeWithoutRun('Cancelled', 'Cancelled', 'the invocation was stopped before this run started');
      this.journal.put(task.RecordId, { state: 'finished', report });
      this.report(task.RecordId, report);
      return;
    }
    this.journal.put(task.RecordId, { state: 'received' });
    this.track(this.execute(task, receivedAt));
  }

  private async execute(task: AgentTask, receivedAt: number): Promise<void> {
    const output = new CappedOutput();
    const streamer = new OutputStreamer(this.client, task.RecordId, output);
    const sink = {
      write: (chunk: Buffer) => {
        output.write(chunk);
        streamer.changed();
      },
    };
    const process = new TaskProcess(task, this.scripts, sink, this.launcher);
    this.running.set(task.RecordId, process);
    const result: TaskResult = await process.run((pid, startedAt) => {
      this.journal.put(task.RecordId, { state: 'running', pid });
      this.journal.logExecution(task.RecordId, task.InvokeId, receivedAt, startedAt);
    });
    this.running.delete(task.RecordId);
    if (result.errorCode === 'ScriptDirectoryUnsafe') this.log(`run ${task.RecordId} refused: ${result.errorInfo}`);
    await streamer.close();
    const kept = output.kept();
    const report: FinishReport = {
      ...result,
      outputBytes: output.totalBytes,
      finishedTime: new Date().toISOString(),
      outputOffset: streamer.acknowledged,
      outputBase64: kept.subarray(streamer.acknowledged).toString('base64'),
    };
    this.journal.put(task.RecordId, { state: 'finished', report });
    this.report(task.RecordId, report);
  }

  /** Reports an outcome until the service acknowledges it (retrying through outages), then marks it done. */
  private report(recordId: string, report: FinishReport): void {
    this.track(
      (async () => {
        const params: Record<string, string> = {
          RecordId: recordId,
          Status: report.status,
          OutputBytes: String(Math.min(report.outputBytes, MAX_REPORTED_OUTPUT_BYTES)),
          FinishedTime: report.finishedTime,
          Offset: String(report.outputOffset),
          Output: report.outputBase64,
        };
        if (report.exitCode !== undefined) params.ExitCode = String(report.exitCode);
        if (report.errorCode) params.ErrorCode = report.errorCode;
        if (report.errorInfo) params.ErrorInfo = report.errorInfo;
        // Reports outlive a shutdown request: they use their own signal-free retry.
        const never = new AbortController().signal;
        try {
          await withRetry(() => this.client.call(AgentActions.finish, params), never);
        } catch (error) {
          this.log(`outcome of ${recordId} refused: ${(error as Error).message}`);
        }
        this.journal.put(recordId, { state: 'done', at: Date.now() });
      })(),
    );
  }

  /** After a restart: report what finished unreported; a run cut off by the restart is an Error. */
  private recover(): void {
    for (const [recordId, entry] of this.journal.unfinished()) {
      if (entry.state === 'finished') {
        this.report(recordId, entry.report);
        continue;
      }
      if (entry.state === 'running') {
        try {
          process.kill(-entry.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      this.report(recordId, outcomeWithoutRun('Error', 'AgentRestarted', 'the agent restarted while this command ran; its outcome is unknown'));
    }
    this.journal.prune();
  }

  private track(work: Promise<void>): void {
    this.reporting.add(work);
    void work.finally(() => this.reporting.delete(work));
  }
}

function outcomeWithoutRun(status: FinishReport['status'], errorCode: string, errorInfo: string): FinishReport {
  return { status, errorCode, errorInfo, outputBytes: 0, finishedTime: new Date().toISOString(), outputOffset: 0, outputBase64: '' };
}

/**
 * Streams kept output while the command runs, one request at a time, so the service shows
 * progress; whatever is not acknowledged goes with the outcome. Best effort: a failed piece is
 * simply sent again from the same offset later.
 */
class OutputStreamer {
  acknowledged = 0;
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;

  constructor(
    private readonly client: ServiceClient,
    private readonly recordId: string,
    private readonly output: CappedOutput,
  ) {}

  changed(): void {
    if (this.timer || this.acknowledged >= OUTPUT_LIMIT_BYTES) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.inFlight ??= this.flush().finally(() => (this.inFlight = undefined));
    }, OUTPUT_FLUSH_MS);
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  private async flush(): Promise<void> {
    const pending = this.output.kept().subarray(this.acknowledged);
    if (pending.length === 0) return;
    try {
      await this.client.call(AgentActions.output, { RecordId: this.recordId, Offset: String(this.acknowledged), Output: pending.toString('base64') });
      this.acknowledged += pending.length;
    } catch {
      // sent again with the next piece or the outcome
    }
  }
}
