import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { LoadClientCommand, LoadClientEvent, LoadClientStats, SimulatedAgent } from './idle-agent-load';
import { sleep } from './support';

/** The forked bench/idle-agent-load.js, driven over IPC. */
export class LoadClient {
  private readonly child: ChildProcess;
  private readonly statsWaiters: Array<(stats: LoadClientStats) => void> = [];
  private readonly taskWaiters = new Map<string, (task: Extract<LoadClientEvent, { type: 'task' }>) => void>();
  private readonly finishedRecords = new Set<string>();
  private readonly finishWaiters = new Map<string, () => void>();

  constructor(endpoint: string, agents: SimulatedAgent[]) {
    this.child = fork(join(__dirname, 'idle-agent-load.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (event: LoadClientEvent) => {
      if (event.type === 'stats') this.statsWaiters.shift()?.(event.stats);
      if (event.type === 'task') this.taskWaiters.get(event.instanceId)?.(event);
      if (event.type === 'finished') {
        this.finishedRecords.add(event.recordId);
        this.finishWaiters.get(event.recordId)?.();
      }
    });
    this.command({ type: 'start', endpoint, agents });
  }

  get pid(): number {
    return this.child.pid!;
  }

  stats(): Promise<LoadClientStats> {
    return new Promise((resolve) => {
      this.statsWaiters.push(resolve);
      this.command({ type: 'stats' });
    });
  }

  nextTask(instanceId: string): Promise<Extract<LoadClientEvent, { type: 'task' }>> {
    return withTimeout(new Promise((resolve) => this.taskWaiters.set(instanceId, resolve)), `no task reached ${instanceId}`);
  }

  finished(recordId: string): Promise<void> {
    if (this.finishedRecords.has(recordId)) return Promise.resolve();
    return withTimeout(new Promise((resolve) => this.finishWaiters.set(recordId, resolve)), `record ${recordId} never finished`);
  }

  stop(): void {
    if (this.child.connected) this.command({ type: 'stop' });
    setTimeout(() => this.child.kill('SIGKILL'), 2000).unref();
  }

  private command(command: LoadClientCommand): void {
    this.child.send(command);
  }
}

function withTimeout<T>(promise: Promise<T>, message: string, timeoutMs = 10_000): Promise<T> {
  return Promise.race([promise, sleep(timeoutMs).then(() => Promise.reject(new Error(message)))]);
}
