import { ChildProcess, spawn } from 'node:child_process';

export interface LaunchRequest {
  command: string;
  args: string[];
  cwd: string;
  /** Run as another user, with this environment; absent: as the agent, with its environment. */
  user?: { uid: number; gid: number; env: NodeJS.ProcessEnv };
}

/**
 * The spare reads one request from its stdin — the working directory, then the command and its
 * arguments, one per line, then an empty line — and becomes that command. Until then it only
 * waits; if the agent dies first, its stdin closes and it exits without running anything.
 */
const SPARE_SCRIPT = [
  'IFS= read -r dir || exit 0',
  'set --',
  'while IFS= read -r arg && [ -n "$arg" ]; do set -- "$@" "$arg"; done',
  // cd rewrites OLDPWD; put back what the agent had, so the run sees the agent's environment.
  'old=${OLDPWD-}',
  'cd -- "$dir" || exit 126',
  'OLDPWD=$old',
  'exec "$@" </dev/null',
].join('\n');
const SPARE_SHELL = '/bin/sh';
/**
 * The next spare is forked this long after the last was taken: a fan-out starts a run on every
 * agent of a machine's fleet at once, and forking spares then would take the CPU from the runs.
 */
const REFILL_DELAY_MS = 200;

/**
 * Starts the processes that run commands, each in its own process group (spawned detached, so
 * kill(-pid) reaches every descendant), stdin from /dev/null, stdout and stderr piped to us.
 *
 * The agent is a Node process of some 70 MB: fork() copies its page tables and libuv then waits
 * for the exec, which made spawning most of the agent's share of dispatch latency. So one process
 * is forked ahead of time — a spare, a small shell waiting on its stdin — and a run started as
 * the agent's own user is handed to it: one write, and the spare execs the interpreter in place
 * (same pid, process group and pipes). The next spare is forked a little later, off the path of
 * the run. Runs as another user (uid/gid are fixed at fork) and requests a line
 * cannot carry are spawned directly, as is every run if the spare cannot be started.
 *
 * Nothing the spare reads can be changed by another local user: its own script is an argument,
 * the request comes over a pipe from the agent, and it execs an absolute interpreter path on a
 * script in the agent's checked scripts directory (ScriptsDir), not in a shared one.
 */
export class ProcessLauncher {
  private spare?: ChildProcess;
  private refill?: NodeJS.Timeout;
  private usable = true;
  private closed = false;

  constructor(useSpare = true) {
    this.usable = useSpare;
    this.prepareSpare();
  }

  /** The started process: its pid is set, or it emits 'error' (could not start). */
  start(request: LaunchRequest): ChildProcess {
    const lines = [request.cwd, request.command, ...request.args];
    const spare = this.spare;
    if (!request.user && spare && isAlive(spare) && lines.every((l) => l !== '' && !l.includes('\n'))) {
      this.spare = undefined;
      spare.stdin!.end(lines.join('\n') + '\n\n');
      this.scheduleRefill();
      return spare;
    }
    if (!request.user) this.scheduleRefill();
    return spawn(request.command, request.args, {
      cwd: request.cwd,
      env: request.user?.env ?? process.env,
      uid: request.user?.uid,
      gid: request.user?.gid,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  /** No more spares; the waiting one exits when its stdin closes. */
  close(): void {
    this.closed = true;
    clearTimeout(this.refill);
    this.spare?.stdin?.end();
    this.spare = undefined;
  }

  private scheduleRefill(): void {
    if (this.refill || this.closed || !this.usable || this.spare) return;
    this.refill = setTimeout(() => {
      this.refill = undefined;
      this.prepareSpare();
    }, REFILL_DELAY_MS);
  }

  private prepareSpare(): void {
    if (!this.usable || this.closed || this.spare) return;
    const spare = spawn(SPARE_SHELL, ['-c', SPARE_SCRIPT], {
      cwd: '/',
      env: process.env,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    // A spare that cannot start (no /bin/sh) turns spares off: every run is spawned directly.
    spare.once('error', () => {
      this.usable = false;
      if (this.spare === spare) this.spare = undefined;
    });
    // A spare killed while waiting is replaced at the next run; a run never gets a dead one.
    spare.once('exit', () => {
      if (this.spare === spare) this.spare = undefined;
    });
    spare.stdin.on('error', () => undefined); // EPIPE if it died; its exit says so
    this.spare = spare;
  }
}

function isAlive(child: ChildProcess): boolean {
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}
