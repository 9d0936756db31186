import { AgentFinalStatus, AgentTask, OUTPUT_LIMIT_BYTES } from '@ca/protocol';
import { ChildProcess, execFileSync } from 'node:child_process';
import { chownSync, existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { LaunchRequest, ProcessLauncher } from './process-launcher';
import { ScriptsDir, UnsafeDirectoryError } from './scripts-dir';

export interface TaskResult {
  status: AgentFinalStatus;
  exitCode?: number;
  errorCode?: string;
  errorInfo?: string;
}

export interface OutputSink {
  /** Called with each piece of output, in order, while the process runs. */
  write(chunk: Buffer): void;
}

/** Keeps the first OUTPUT_LIMIT_BYTES of output and counts the rest. */
export class CappedOutput implements OutputSink {
  private readonly chunks: Buffer[] = [];
  private keptBytes = 0;
  totalBytes = 0;

  write(chunk: Buffer): void {
    this.totalBytes += chunk.length;
    const room = OUTPUT_LIMIT_BYTES - this.keptBytes;
    if (room <= 0) return;
    const kept = chunk.subarray(0, room);
    this.chunks.push(kept);
    this.keptBytes += kept.length;
  }

  kept(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** How long output may keep coming after the script exits, from processes it left running. */
const PIPE_GRACE_MS = 2000;

const INTERPRETERS: Record<AgentTask['CommandType'], { candidates: string[]; extension: string; args: (file: string) => string[] }> = {
  RunShellScript: { candidates: ['/bin/bash', '/usr/bin/bash', '/bin/sh'], extension: 'sh', args: (file) => [file] },
  RunPowerShellScript: {
    candidates: ['/usr/bin/pwsh', '/usr/local/bin/pwsh', '/opt/microsoft/powershell/7/pwsh'],
    extension: 'ps1',
    args: (file) => ['-NoLogo', '-NonInteractive', '-File', file],
  },
  RunBatScript: { candidates: process.platform === 'win32' ? ['C:\\Windows\\System32\\cmd.exe'] : [], extension: 'bat', args: (file) => ['/c', file] },
};

/**
 * One run of a command on this machine: the script written to a file, run by its type's
 * interpreter in its own process group (so a timeout or a stop kills the whole tree), in its
 * working directory, as its user.
 */
export class TaskProcess {
  private child?: ChildProcess;
  private killedFor?: 'timeout' | 'stop';
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly task: AgentTask,
    private readonly scripts: ScriptsDir,
    private readonly output: OutputSink,
    private readonly launcher: ProcessLauncher,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * Resolves with the outcome once the process has exited (or could not start). `onStart` is
   * called as soon as the process is known to run, before any other I/O of the agent.
   */
  run(onStart: (pid: number, startedAt: number) => void = () => {}): Promise<TaskResult> {
    const prepared = this.prepare();
    if ('status' in prepared) return Promise.resolve(prepared);
    return new Promise((resolve) => {
      const child = this.launcher.start(prepared.launch);
      this.child = child;
      child.stdout!.on('data', (chunk: Buffer) => this.output.write(chunk));
      child.stderr!.on('data', (chunk: Buffer) => this.output.write(chunk));
      child.once('error', (error) => {
        clearTimeout(this.timer);
        this.cleanup(prepared.script);
        resolve({ status: 'Error', errorCode: 'ProcessStartFailed', errorInfo: error.message });
      });
      // The outcome waits for the output pipes to close, but a background process started by the
      // script (`nohup daemon &`) that keeps them open must not hold the run open: after the
      // script itself exits, wait briefly for its output, then finish. Only a timeout or a stop
      // kills the whole tree.
      let settled = false;
      const settle = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(this.timer);
        child.stdout!.destroy();
        child.stderr!.destroy();
        this.cleanup(prepared.script);
        resolve(this.outcome(code, signal));
      };
      child.once('exit', (code, signal) => {
        setTimeout(() => settle(code, signal), PIPE_GRACE_MS).unref();
      });
      child.once('close', (code, signal) => settle(code, signal));
      // A pid means the process exists and runs the command (a failed spawn has none and emits
      // 'error' instead).
      if (child.pid !== undefined) {
        const startedAt = performance.timeOrigin + performance.now();
        this.timer = setTimeout(() => this.kill('timeout'), this.task.TimeoutSeconds * 1000);
        onStart(child.pid, startedAt);
      }
    });
  }

  kill(reason: 'timeout' | 'stop'): void {
    if (!this.child || this.child.exitCode !== null || this.killedFor) return;
    this.killedFor = reason;
    this.killGroup();
  }

  private killGroup(): void {
    const pid = this.child?.pid;
    if (!pid) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // the group is already gone
    }
  }

  private outcome(code: number | null, signal: NodeJS.Signals | null): TaskResult {
    if (this.killedFor === 'timeout') {
      return {
        status: 'Timeout',
        errorCode: 'ExecutionTimeout',
        errorInfo: `the command ran longer than ${this.task.TimeoutSeconds} seconds and was killed`,
        exitCode: code ?? undefined,
      };
    }
    if (this.killedFor === 'stop') {
      return { status: 'Terminated', errorCode: 'Terminated', errorInfo: 'the invocation was stopped while the command ran', exitCode: code ?? undefined };
    }
    if (code === 0) return { status: 'Success', exitCode: 0 };
    if (code === null)
      return { status: 'Failed', errorCode: 'ExitCodeNonzero', errorInfo: `the command was killed by ${signal}`, exitCode: 128 + signalNumber(signal) };
    return { status: 'Failed', exitCode: code, errorCode: 'ExitCodeNonzero', errorInfo: `the command exited with code ${code}` };
  }

  private prepare(): TaskResult | { launch: LaunchRequest; script: string } {
    const type = INTERPRETERS[this.task.CommandType];
    const interpreter = type && findInterpreter(this.task.CommandType);
    if (!interpreter) {
      return { status: 'Error', errorCode: 'InterpreterNotFound', errorInfo: `no interpreter for ${this.task.CommandType} on this machine` };
    }
    let user: PasswdEntry | undefined;
    if (this.task.Username && this.task.Username !== userInfo().username) {
      if (process.getuid?.() !== 0) {
        return { status: 'Error', errorCode: 'UsernameNotPermitted', errorInfo: `the agent is not root and cannot run as ${this.task.Username}` };
      }
      user = lookupUser(this.task.Username);
      if (!user) return { status: 'Error', errorCode: 'UserNotExists', errorInfo: `no user ${this.task.Username} on this machine` };
    }
    const cwd = this.task.WorkingDir || user?.home || homedir();
    if (!existsSync(cwd) || !statSync(cwd).isDirectory()) {
      return { status: 'Error', errorCode: 'DirectoryNotExists', errorInfo: `the working directory ${cwd} does not exist` };
    }
    // Each run's script in a file of its own, owned by the user it runs as and readable by that
    // user alone. Only the agent can create files in the scripts directory, so the name need not
    // be secret.
    let script: string | undefined;
    try {
      script = this.scripts.scriptPath(`${this.task.RecordId}.${type.extension}`);
      writeScript(script, Buffer.from(this.task.CommandContent, 'base64'));
      if (user) chownSync(script, user.uid, user.gid);
    } catch (error) {
      if (script) this.cleanup(script);
      if (error instanceof UnsafeDirectoryError) return { status: 'Error', errorCode: 'ScriptDirectoryUnsafe', errorInfo: error.message };
      return { status: 'Error', errorCode: 'ScriptWriteFailed', errorInfo: `the script could not be written: ${(error as Error).message}` };
    }
    const launch: LaunchRequest = { command: interpreter, args: type.args(script), cwd };
    if (user) launch.user = { uid: user.uid, gid: user.gid, env: loginEnvironment(this.task.Username, user) };
    return { launch, script };
  }

  private cleanup(script: string): void {
    rmSync(script, { force: true });
  }
}

const interpreters = new Map<string, string | undefined>();

/** Interpreters do not move while the agent runs: look each up once. */
function findInterpreter(type: AgentTask['CommandType']): string | undefined {
  if (!interpreters.has(type))
    interpreters.set(
      type,
      INTERPRETERS[type].candidates.find((candidate) => existsSync(candidate)),
    );
  return interpreters.get(type);
}

/** Exclusive create: never writes through a file or link already there (one a killed agent left is replaced). */
function writeScript(path: string, content: Buffer): void {
  try {
    writeFileSync(path, content, { mode: 0o700, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    rmSync(path, { force: true });
    writeFileSync(path, content, { mode: 0o700, flag: 'wx' });
  }
}

interface PasswdEntry {
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

function lookupUser(name: string): PasswdEntry | undefined {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/.test(name)) return undefined;
  try {
    const entry = execFileSync('getent', ['passwd', name], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
    const [, , uid, gid, , home, shell] = entry.split(':');
    // login(1)'s defaults for empty fields.
    return { uid: Number(uid), gid: Number(gid), home: home || '/', shell: shell || '/bin/sh' };
  } catch {
    return undefined;
  }
}

/** login.defs' ENV_SUPATH and (without the games directories) ENV_PATH. */
const ROOT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const USER_PATH = '/usr/local/bin:/usr/bin:/bin';

/**
 * A run as another user starts from a fresh login environment, as `su -` gives, and inherits
 * nothing of the agent's: the agent's environment may hold secrets (credentials, tokens) that the
 * user must not see, and variables (LD_PRELOAD, BASH_ENV, PATH) chosen for root, not for them.
 * LANG and TERM are left out too: there is no terminal, and a locale would come from the
 * agent's environment, not the user's; scripts that need one set it.
 */
function loginEnvironment(name: string, user: PasswdEntry): NodeJS.ProcessEnv {
  return { HOME: user.home, USER: name, LOGNAME: name, SHELL: user.shell, PATH: user.uid === 0 ? ROOT_PATH : USER_PATH };
}

function signalNumber(signal: NodeJS.Signals | null): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 };
  return (signal && numbers[signal]) || 0;
}
