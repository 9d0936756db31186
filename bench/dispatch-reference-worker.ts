import { spawn } from 'node:child_process';
import { Logger, run } from 'graphile-worker';

/**
 * Child process of the dispatch-latency references, so each runs in a Node process of its own
 * like our agent does (its event loop and heap not shared with the benchmark driver).
 *
 * - `graphile URL`: a graphile-worker 0.17 runner with its shipped settings (LISTEN/NOTIFY,
 *   pollInterval 2 s, concurrency 1) whose task `bench` posts the epoch ms its handler started.
 * - `spawn N`: N bare `child_process.spawn('/bin/bash', ['-c', 'echo'])` with the agent's
 *   options; posts, for each, spawn() called → 'spawn' event and → first byte of output.
 */
const nowMs = (): number => performance.timeOrigin + performance.now();
const silent = new Logger(() => () => undefined);

async function runGraphile(connectionString: string): Promise<void> {
  const runner = await run({
    connectionString,
    noHandleSignals: true,
    logger: silent,
    taskList: {
      bench: (payload) => {
        process.send!({ id: (payload as { id: string }).id, started: nowMs() });
      },
    },
  });
  process.send!({ ready: true });
  process.once('disconnect', () => void runner.stop().then(() => process.exit(0)));
}

async function runSpawns(count: number): Promise<void> {
  const toSpawned: number[] = [];
  const toOutput: number[] = [];
  for (let i = 0; i < count; i++) {
    await new Promise<void>((resolve) => {
      const called = nowMs();
      const child = spawn('/bin/bash', ['-c', 'echo'], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      child.once('spawn', () => toSpawned.push(nowMs() - called));
      child.stdout.once('data', () => toOutput.push(nowMs() - called));
      child.once('close', () => resolve());
    });
    // The same pacing as the dispatch samples: a quiet gap between runs.
    await new Promise((r) => setTimeout(r, 45 + Math.random() * 10));
  }
  process.send!({ toSpawned, toOutput });
}

const [mode, argument] = process.argv.slice(2);
(mode === 'graphile' ? runGraphile(argument) : runSpawns(Number(argument))).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
