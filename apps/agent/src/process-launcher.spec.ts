import { ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessLauncher } from './process-launcher';

interface Finished {
  pid: number;
  code: number | null;
  output: string;
}

function finished(child: ChildProcess): Promise<Finished> {
  return new Promise((resolve) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('close', (code) => resolve({ pid: child.pid!, code, output }));
  });
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const until = async (condition: () => boolean): Promise<void> => {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((r) => setTimeout(r, 20));
};

/** The spare waiting for the next run, once it has been forked. */
async function spareOf(launcher: ProcessLauncher): Promise<ChildProcess> {
  const waiting = (): ChildProcess | undefined => (launcher as unknown as { spare?: ChildProcess }).spare;
  await until(() => waiting() !== undefined);
  return waiting()!;
}

describe(ProcessLauncher.name, () => {
  let dir: string;
  let script: string;
  let launchers: ProcessLauncher[];
  const launcher = (useSpare: boolean): ProcessLauncher => {
    const created = new ProcessLauncher(useSpare);
    launchers.push(created);
    return created;
  };

  beforeEach(() => {
    launchers = [];
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'ca-launch-')));
    script = join(dir, 'probe.sh');
    writeFileSync(
      script,
      [
        'echo "pid=$$ pgid=$(ps -o pgid= -p $$ | tr -d " ") cwd=$(pwd) args=$*"',
        'read line && echo "stdin: $line" || echo "stdin: eof"',
        'echo to-stderr >&2',
        'env | grep -v "^_=" | sort > env.$$',
        'exit 7',
      ].join('\n'),
    );
  });
  afterEach(() => launchers.forEach((l) => l.close()));

  it('runs a command through the spare exactly as a direct spawn would: own process group, cwd, stdin /dev/null, output, exit code, environment', async () => {
    const spared = await finished(launcher(true).start({ command: '/bin/bash', args: [script, 'a b', 'c'], cwd: dir }));
    const direct = await finished(launcher(false).start({ command: '/bin/bash', args: [script, 'a b', 'c'], cwd: dir }));

    for (const run of [spared, direct]) {
      expect(run.code).toBe(7);
      expect(run.output).toBe(`pid=${run.pid} pgid=${run.pid} cwd=${dir} args=a b c\nstdin: eof\nto-stderr\n`);
    }
    const env = (run: Finished): string => execFileSync('cat', [join(dir, `env.${run.pid}`)]).toString();
    expect(env(spared)).toBe(env(direct));
  });

  it('hands each run a spare forked beforehand, and forks the next one after', async () => {
    const sut = launcher(true);
    const first = sut.start({ command: '/bin/true', args: [], cwd: dir });
    await finished(first);
    const next = await spareOf(sut);
    const second = sut.start({ command: '/bin/true', args: [], cwd: dir });
    await finished(second);

    expect(second).toBe(next);
    expect(second.pid).not.toBe(first.pid);
    expect(second.spawnargs).toEqual(first.spawnargs);
    expect(first.spawnargs[0]).toBe('/bin/sh');
  });

  it('never hands over a spare that died while waiting', async () => {
    const sut = launcher(true);
    await finished(sut.start({ command: '/bin/true', args: [], cwd: dir }));
    const waiting = await spareOf(sut);
    process.kill(waiting.pid!, 'SIGKILL');
    await until(() => waiting.exitCode !== null || waiting.signalCode !== null);

    const run = await finished(sut.start({ command: '/bin/echo', args: ['ran'], cwd: dir }));

    expect(run.pid).not.toBe(waiting.pid);
    expect(run).toMatchObject({ code: 0, output: 'ran\n' });
  });

  it('spawns directly what a line cannot carry', async () => {
    const run = await finished(launcher(true).start({ command: '/bin/echo', args: ['two\nlines', ''], cwd: dir }));
    expect(run).toMatchObject({ code: 0, output: 'two\nlines \n' });
  });

  it('leaves no spare behind once closed: it exits without running anything', async () => {
    const sut = launcher(true);
    const waiting = await spareOf(sut);
    sut.close();
    await until(() => !isAlive(waiting.pid!));
    expect(isAlive(waiting.pid!)).toBe(false);
    expect(waiting.exitCode).toBe(0);
  });
});
