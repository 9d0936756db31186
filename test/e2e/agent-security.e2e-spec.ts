import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registeredAgentState, RunningAgent, startAgent } from '../support/agents';
import { eventually } from '../support/eventually';
import { call, newCommand } from '../support/factories';
import { exited } from '../support/processes';
import { startTestApp, TestApp } from '../support/test-app';

type Result = Record<string, any>;

const NOBODY = 65534;
const CANARY = 'canary-4f1d2c';
/** As `nobody`: run the rest of the arguments with nobody's uid and gid and no groups. */
const AS_NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];

/**
 * The attacker, an unprivileged local user: watches the given directories (inotify, and a
 * sweep every millisecond for what it missed), renames every new file away and puts its own
 * script in its place. A run that reads a swapped script prints "pwned".
 */
const SWAPPER = `
const fs = require('fs');
const dirs = process.argv.slice(1);
const swapped = new Set();
const sweep = (dir) => {
  let names = [];
  try { names = fs.readdirSync(dir); } catch { return; }
  for (const name of names) {
    const file = dir + '/' + name;
    if (name.endsWith('.orig') || swapped.has(file)) continue;
    try {
      fs.renameSync(file, file + '.orig');
      fs.writeFileSync(file, 'echo pwned; id\\n', { mode: 0o755 });
      swapped.add(file);
      console.log('swapped ' + file);
    } catch {}
  }
};
for (const dir of dirs) { try { fs.watch(dir, () => sweep(dir)); } catch {} }
setInterval(() => dirs.forEach(sweep), 1);
`;

/**
 * The agent runs scripts as root on behalf of the service: no other local user may change what
 * it runs, nor read what is in its environment.
 */
describe('agent: local users cannot change or see what a run executes', () => {
  let app: TestApp;
  let agent: RunningAgent;
  let sandbox: string;
  let agentTmp: string;
  let scriptsDir: string;
  let swapper: ChildProcess | undefined;

  beforeAll(async () => {
    app = await startTestApp();
    sandbox = mkdtempSync(join(tmpdir(), 'ca-security-'));
    chmodSync(sandbox, 0o755);
    // The agent's own /tmp: world-writable and sticky like the real one, so the attack is the real one.
    agentTmp = join(sandbox, 'tmp');
    mkdirSync(agentTmp);
    chmodSync(agentTmp, 0o1777);
    const state = await registeredAgentState(app);
    scriptsDir = join(state.stateDir, 'scripts');
    agent = await startAgent(app, state, { env: { TMPDIR: agentTmp, CANARY_SECRET: CANARY } });
  });
  afterEach(async () => {
    if (swapper && swapper.exitCode === null) {
      swapper.kill('SIGKILL');
      await exited(swapper);
    }
    swapper = undefined;
  });
  afterAll(async () => {
    await agent?.stop();
    await app.close();
    rmSync(sandbox, { recursive: true, force: true });
  });

  async function run(script: string, extra: Record<string, string> = {}): Promise<Result> {
    const commandId = await newCommand(app, {}, script);
    const invokeId = (await call(app, 'InvokeCommand', { CommandId: commandId, InstanceIds: JSON.stringify([agent.instanceId]), ...extra })).InvokeId as string;
    const read = async (): Promise<Result[]> =>
      (await call(app, 'DescribeInvocationResults', { InvokeId: invokeId })).Invocation.InvocationResults.InvocationResult;
    const [result] = await eventually(
      async () => {
        const rows = await read();
        expect(rows.map((r) => r.InvocationStatus)).toEqual([expect.not.stringMatching(/^(Pending|Running)$/)]);
        return rows;
      },
      { description: 'the run ended' },
    );
    return { ...result, text: Buffer.from(result.Output, 'base64').toString() };
  }

  function startSwapper(dirs: string[]): void {
    swapper = spawn('setpriv', [...AS_NOBODY, process.execPath, '-e', SWAPPER, ...dirs], { cwd: '/', stdio: 'ignore' });
  }

  const asNobody = (command: string, ...args: string[]): void => void execFileSync('setpriv', [...AS_NOBODY, command, ...args]);
  const rootId = execFileSync('id').toString();
  const mode = (path: string): string => (lstatSync(path).mode & 0o7777).toString(8);

  it('runs the script it wrote, never one a local user swapped in: not through a shared temporary directory, nor a scripts directory that user made', async () => {
    // The shared temporary directory an agent might write scripts to, created first by the attacker (as after a reboot cleared /tmp).
    const oldLocation = join(agentTmp, 'cloud-assistant-scripts');
    asNobody('mkdir', '-m', '0777', oldLocation);
    startSwapper([oldLocation, scriptsDir]);

    for (let i = 0; i < 5; i++) {
      const result = await run('echo legit; id');
      expect({ status: result.InvocationStatus, output: result.text }).toEqual({ status: 'Success', output: `legit\n${rootId}` });
    }
    const asNobodyRun = await run('echo legit; id -un', { Username: 'nobody', WorkingDir: '/' });
    expect({ status: asNobodyRun.InvocationStatus, output: asNobodyRun.text }).toEqual({ status: 'Success', output: 'legit\nnobody\n' });

    // Only the agent can write where the scripts are; others may pass through to their own script, not list it.
    for (const dir of [agent.stateDir, scriptsDir]) {
      expect({ dir, owner: lstatSync(dir).uid, mode: mode(dir) }).toEqual({ dir, owner: 0, mode: '711' });
    }
    expect(readdirSync(scriptsDir)).toEqual([]);
  });

  it('refuses to run (Error, ScriptDirectoryUnsafe) from a scripts directory another user owns, that is group-writable or a symbolic link, or from an unsafe state directory; and runs again once it is safe', async () => {
    const refused = async (setUp: () => void, problem: RegExp): Promise<void> => {
      rmSync(scriptsDir, { recursive: true, force: true });
      setUp();
      const result = await run('echo legit; id');
      expect({ status: result.InvocationStatus, code: result.ErrorCode, output: result.text }).toEqual({
        status: 'Error',
        code: 'ScriptDirectoryUnsafe',
        output: '',
      });
      expect(result.ErrorInfo).toMatch(problem);
    };
    const escape = (path: string): string => path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

    await refused(
      () => {
        mkdirSync(scriptsDir, { mode: 0o777 });
        chownSync(scriptsDir, NOBODY, NOBODY);
        startSwapper([scriptsDir]);
      },
      new RegExp(`scripts directory ${escape(scriptsDir)} is owned by uid ${NOBODY}, not by the agent \\(uid 0\\)`),
    );
    await refused(
      () => {
        mkdirSync(scriptsDir);
        chmodSync(scriptsDir, 0o775);
      },
      new RegExp(`scripts directory ${escape(scriptsDir)} is writable by its group or by others \\(mode 0775\\)`),
    );
    await refused(
      () => {
        const elsewhere = mkdtempSync(join(sandbox, 'elsewhere-'));
        chmodSync(elsewhere, 0o711);
        symlinkSync(elsewhere, scriptsDir);
      },
      new RegExp(`scripts directory ${escape(scriptsDir)} is a symbolic link`),
    );
    await refused(() => chmodSync(agent.stateDir, 0o773), new RegExp(`state directory ${escape(agent.stateDir)} is writable by its group or by others`));

    chmodSync(agent.stateDir, 0o700);
    const result = await run('echo legit; id');
    expect({ status: result.InvocationStatus, output: result.text }).toEqual({ status: 'Success', output: `legit\n${rootId}` });
  });

  it('a run as another user gets a fresh login environment, none of the agent’s; a run as the agent’s own user gets the agent’s', async () => {
    const asOther = await run('env', { Username: 'nobody', WorkingDir: '/' });
    expect(asOther.InvocationStatus).toBe('Success');
    const env = Object.fromEntries(
      asOther.text
        .trim()
        .split('\n')
        .map((line: string) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    // PWD, SHLVL and _ are set by bash itself.
    expect(Object.keys(env).sort()).toEqual(['HOME', 'LOGNAME', 'PATH', 'PWD', 'SHELL', 'SHLVL', 'USER', '_']);
    const [, , , , , home, shell] = execFileSync('getent', ['passwd', 'nobody']).toString().trim().split(':');
    expect(env).toMatchObject({ HOME: home, USER: 'nobody', LOGNAME: 'nobody', SHELL: shell, PATH: '/usr/local/bin:/usr/bin:/bin' });
    expect(asOther.text).not.toContain(CANARY);

    const asAgent = await run('env');
    expect(asAgent.text).toContain(`CANARY_SECRET=${CANARY}\n`);
    expect(asAgent.text).toContain(`TMPDIR=${agentTmp}\n`);
  });
});
