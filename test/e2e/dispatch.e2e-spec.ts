import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registeredAgentState, RunningAgent, startAgent } from '../support/agents';
import { eventually } from '../support/eventually';
import { call, newCommand, REGION } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

type Result = Record<string, any>;

/**
 * Invocations, their records and the agent protocol with real agent processes running real commands on this machine: from the
 * API call to exit code and output, per instance.
 */
describe('dispatch and execution', () => {
  let app: TestApp;
  let agent: RunningAgent;

  beforeAll(async () => {
    app = await startTestApp({ DELIVERY_TIMEOUT_SECONDS: '3' });
    agent = await startAgent(app);
  });
  afterAll(async () => {
    await agent?.stop();
    await app.close();
  });

  async function invoke(
    script: string,
    instanceIds: string[],
    extra: Record<string, string> = {},
    commandOverrides: Record<string, string> = {},
  ): Promise<string> {
    const commandId = await newCommand(app, commandOverrides, script);
    return (await call(app, 'InvokeCommand', { CommandId: commandId, InstanceIds: JSON.stringify(instanceIds), ...extra })).InvokeId as string;
  }

  async function results(invokeId: string): Promise<Result[]> {
    return (await call(app, 'DescribeInvocationResults', { InvokeId: invokeId })).Invocation.InvocationResults.InvocationResult;
  }

  /** The invocation's runs once all `count` of them have ended, whatever their outcome. */
  async function finished(invokeId: string, count = 1, timeoutMs?: number): Promise<Result[]> {
    return eventually(
      async () => {
        const rows = await results(invokeId);
        expect(rows.map((r) => r.InvocationStatus)).toEqual(Array.from({ length: count }, () => expect.not.stringMatching(/^(Pending|Running)$/)));
        return rows;
      },
      { timeoutMs, description: `the ${count} run(s) of ${invokeId} ended` },
    );
  }

  /** The invocation's runs once the first one is `status`. */
  async function reaching(invokeId: string, status: string, timeoutMs?: number): Promise<Result[]> {
    return eventually(
      async () => {
        const rows = await results(invokeId);
        expect(rows[0]?.InvocationStatus).toBe(status);
        return rows;
      },
      { timeoutMs, description: `the run of ${invokeId} is ${status}` },
    );
  }

  async function invocationStatus(invokeId: string): Promise<string> {
    return (await call(app, 'DescribeInvocations', { InvokeId: invokeId })).Invocations.Invocation[0].InvocationStatus;
  }

  const decode = (base64: string): string => Buffer.from(base64, 'base64').toString();

  it('runs a command and records Success, exit code 0, its output and times', async () => {
    const invokeId = await invoke('echo "hello from $(whoami)"; echo to-stderr >&2', [agent.instanceId]);
    const [result] = await finished(invokeId);
    expect(result).toMatchObject({ InstanceId: agent.instanceId, InvocationStatus: 'Success', ExitCode: 0, Dropped: 0, ErrorCode: '' });
    expect(decode(result.Output)).toBe('hello from root\nto-stderr\n');
    expect(Date.parse(result.StartTime)).toBeLessThanOrEqual(Date.parse(result.FinishedTime));
    await expect(invocationStatus(invokeId)).resolves.toBe('Success');
    expect(agent.executions()).toContain(
      (await app.sql<{ record_id: string }>('SELECT record_id FROM invocation_records WHERE invoke_id = $1', [invokeId]))[0].record_id,
    );
  });

  it('records a non-zero exit as Failed with ExitCodeNonzero', async () => {
    const invokeId = await invoke('echo partial; exit 3', [agent.instanceId]);
    const [result] = await finished(invokeId);
    expect(result).toMatchObject({ InvocationStatus: 'Failed', ExitCode: 3, ErrorCode: 'ExitCodeNonzero' });
    expect(decode(result.Output)).toBe('partial\n');
    await expect(invocationStatus(invokeId)).resolves.toBe('Failed');
  });

  it('runs in WorkingDir, as Username, with {{parameters}} filled in', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ca-wd-'));
    const invokeId = await invoke(
      'echo "{{greeting}} $(pwd) $(id -un)"',
      [agent.instanceId],
      { WorkingDir: dir, Username: 'nobody', Parameters: JSON.stringify({ greeting: 'hi' }) },
      { EnableParameter: 'true' },
    );
    const [result] = await finished(invokeId);
    expect(result.InvocationStatus).toBe('Success');
    expect(decode(result.Output)).toBe(`hi ${dir} nobody\n`);
  });

  it('reports an Error for a missing working directory and for a type with no interpreter here', async () => {
    const missingDir = await invoke('true', [agent.instanceId], { WorkingDir: '/nonexistent/dir' });
    const [dirResult] = await finished(missingDir);
    expect(dirResult).toMatchObject({ InvocationStatus: 'Error', ErrorCode: 'DirectoryNotExists' });

    const bat = await invoke('echo hi', [agent.instanceId], {}, { Type: 'RunBatScript' });
    const [batResult] = await finished(bat);
    expect(batResult).toMatchObject({ InvocationStatus: 'Error', ErrorCode: 'InterpreterNotFound' });
  });

  it('streams output while the command runs: Running with the first line, then Success with both', async () => {
    const invokeId = await invoke('echo first; sleep 4; echo second', [agent.instanceId]);
    // Only a record still Running can match: once the command ends it is Success, and this times out.
    await eventually(async () => {
      const [run] = await results(invokeId);
      expect([run?.InvocationStatus, decode(run?.Output ?? '')]).toEqual(['Running', 'first\n']);
    });
    const [result] = await finished(invokeId);
    expect(result).toMatchObject({ InvocationStatus: 'Success', ExitCode: 0 });
    expect(decode(result.Output)).toBe('first\nsecond\n');
  });

  it('RunPowerShellScript runs under pwsh where it is installed, and is a clear Error (InterpreterNotFound) where not', async () => {
    const invokeId = await invoke('Write-Output "from-pwsh"', [agent.instanceId], {}, { Type: 'RunPowerShellScript' });
    const [result] = await finished(invokeId);
    // The agent's candidates (apps/agent/src/task-process.ts); this machine decides which outcome is right.
    const hasPwsh = ['/usr/bin/pwsh', '/usr/local/bin/pwsh', '/opt/microsoft/powershell/7/pwsh'].some((path) => existsSync(path));
    const expected = hasPwsh
      ? { InvocationStatus: 'Success', ExitCode: 0, ErrorCode: '', output: 'from-pwsh\n', overall: 'Success' }
      : {
          InvocationStatus: 'Error',
          ErrorCode: 'InterpreterNotFound',
          ErrorInfo: expect.stringContaining('RunPowerShellScript'),
          output: '',
          overall: 'Failed',
        };
    const { output, overall, ...fields } = expected;
    expect(result).toMatchObject(fields);
    expect(decode(result.Output)).toBe(output);
    await expect(invocationStatus(invokeId)).resolves.toBe(overall);
  });

  it('keeps the first 24 KB of output and counts the rest as Dropped', async () => {
    const invokeId = await invoke("head -c 30000 /dev/zero | tr '\\0' 'a'", [agent.instanceId]);
    const [result] = await finished(invokeId);
    expect(result.InvocationStatus).toBe('Success');
    expect(Buffer.from(result.Output, 'base64').length).toBe(24 * 1024);
    expect(result.Dropped).toBe(30000 - 24 * 1024);
  });

  it('kills the whole process tree on timeout: Timeout (ExecutionTimeout), no orphan left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ca-tree-'));
    const invokeId = await invoke(`sleep 300 & echo $! > ${dir}/child.pid; sleep 300`, [agent.instanceId], { Timeout: '10' });
    const [result] = await reaching(invokeId, 'Timeout', 30_000);
    expect(result).toMatchObject({ InvocationStatus: 'Timeout', ErrorCode: 'ExecutionTimeout' });
    const childPid = Number(readFileSync(join(dir, 'child.pid'), 'utf8'));
    expect(isAlive(childPid)).toBe(false);
  }, 40_000);

  it('StopInvocation while running kills the tree: Terminated, with StopTime; the invocation Stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ca-stop-'));
    const invokeId = await invoke(`sleep 300 & echo $! > ${dir}/child.pid; sleep 300`, [agent.instanceId]);
    await eventually(async () => {
      const [run] = await results(invokeId);
      expect(run?.InvocationStatus).toBe('Running');
      expect(existsSync(join(dir, 'child.pid'))).toBe(true);
    });
    await call(app, 'StopInvocation', { InvokeId: invokeId });
    const [result] = await finished(invokeId);
    expect(result.InvocationStatus).toBe('Terminated');
    expect(result.StopTime).not.toBe('');
    expect(isAlive(Number(readFileSync(join(dir, 'child.pid'), 'utf8')))).toBe(false);
    await expect(invocationStatus(invokeId)).resolves.toBe('Stopped');
  });

  it('StopInvocation before an instance started its run: Cancelled, and the agent never runs it', async () => {
    const offline = await registeredAgentState(app);
    const invokeId = await invoke('echo should-not-run', [offline.instanceId]);
    await call(app, 'StopInvocation', { InvokeId: invokeId });
    const [result] = await results(invokeId);
    expect(result.InvocationStatus).toBe('Cancelled');
    const late = await startAgent(app, offline);
    try {
      // Time for a delivery to reach the agent, had there been one: nothing must run.
      await new Promise((r) => setTimeout(r, 500));
      expect(late.executions()).toEqual([]);
      await expect(results(invokeId)).resolves.toMatchObject([{ InvocationStatus: 'Cancelled' }]);
    } finally {
      await late.stop();
    }
  });

  it('a run no agent picks up within the delivery timeout becomes Aborted (DeliveryTimeout)', async () => {
    const offline = await registeredAgentState(app);
    const invokeId = await invoke('true', [offline.instanceId]);
    const [result] = await reaching(invokeId, 'Aborted', 10_000);
    expect(result.ErrorCode).toBe('DeliveryTimeout');
    await expect(invocationStatus(invokeId)).resolves.toBe('Failed');
  });

  it('one invocation to a running agent and to an instance without one: Success and Aborted (DeliveryTimeout), overall PartialFailed', async () => {
    const offline = await registeredAgentState(app);
    const invokeId = await invoke('echo ok', [agent.instanceId, offline.instanceId]);
    const rows = await finished(invokeId, 2, 15_000);
    const byId = Object.fromEntries(rows.map((r) => [r.InstanceId, r]));
    expect(byId[agent.instanceId]).toMatchObject({ InvocationStatus: 'Success', ExitCode: 0 });
    expect(decode(byId[agent.instanceId].Output)).toBe('ok\n');
    expect(byId[offline.instanceId]).toMatchObject({ InvocationStatus: 'Aborted', ErrorCode: 'DeliveryTimeout' });
    // Some runs succeeded and some failed (an Aborted run is a failure, not an operator's stop): PartialFailed.
    await expect(invocationStatus(invokeId)).resolves.toBe('PartialFailed');
  });

  it('one invocation to several instances: each agent runs its own run', async () => {
    const others = [await startAgent(app), await startAgent(app)];
    try {
      const targets = [agent.instanceId, ...others.map((o) => o.instanceId)];
      const invokeId = await invoke('echo "$RANDOM"', targets);
      const rows = await finished(invokeId, 3);
      expect(rows.map((r) => r.InstanceId).sort()).toEqual([...targets].sort());
      expect(rows.every((r) => r.InvocationStatus === 'Success')).toBe(true);
      for (const other of others) expect(other.executions()).toHaveLength(1);
    } finally {
      await Promise.all(others.map((o) => o.stop()));
    }
  });

  it('RunCommand creates and invokes in one call; the one-off command stays out of the catalogue', async () => {
    const body = await call(app, 'RunCommand', {
      Type: 'RunShellScript',
      CommandContent: 'echo run-command',
      'InstanceId.1': agent.instanceId,
    });
    expect(body.CommandId).toMatch(/^c-/);
    const [result] = await finished(body.InvokeId);
    expect(decode(result.Output)).toBe('run-command\n');
    const commands = await call(app, 'DescribeCommands', { CommandId: body.CommandId });
    expect(commands.TotalCount).toBe(0);
    const kept = await call(app, 'RunCommand', {
      Type: 'RunShellScript',
      CommandContent: 'true',
      'InstanceId.1': agent.instanceId,
      KeepCommand: 'true',
      Name: 'kept',
    });
    expect((await call(app, 'DescribeCommands', { CommandId: kept.CommandId })).TotalCount).toBe(1);
  });

  it('DescribeCloudAssistantStatus: online with version and heartbeat for a running agent, offline otherwise', async () => {
    const offline = await registeredAgentState(app);
    const body = await call(app, 'DescribeCloudAssistantStatus', { 'InstanceId.1': agent.instanceId, 'InstanceId.2': offline.instanceId });
    const byId = Object.fromEntries(body.InstanceCloudAssistantStatusSet.InstanceCloudAssistantStatus.map((s: Result) => [s.InstanceId, s]));
    expect(byId[agent.instanceId]).toMatchObject({ CloudAssistantStatus: 'true', CloudAssistantVersion: '1.0.0', OSType: 'Linux' });
    expect(Date.now() - Date.parse(byId[agent.instanceId].LastHeartbeatTime)).toBeLessThan(60_000);
    expect(byId[agent.instanceId].InvocationCount).toBeGreaterThan(0);
    await app.sql(`UPDATE instances SET last_heartbeat_at = now() - interval '1 hour' WHERE instance_id = $1`, [offline.instanceId]);
    const again = await call(app, 'DescribeCloudAssistantStatus', { 'InstanceId.1': offline.instanceId });
    expect(again.InstanceCloudAssistantStatusSet.InstanceCloudAssistantStatus[0].CloudAssistantStatus).toBe('false');
  });

  it('ActiveTaskCount counts the runs being run (Running), not those waiting for delivery; InvocationCount counts every run', async () => {
    const status = async (instanceId: string): Promise<Result> =>
      (await call(app, 'DescribeCloudAssistantStatus', { 'InstanceId.1': instanceId })).InstanceCloudAssistantStatusSet.InstanceCloudAssistantStatus[0];
    const before = await status(agent.instanceId);
    expect(before.ActiveTaskCount).toBe(0);
    const invokeId = await invoke('sleep 5', [agent.instanceId]);
    await reaching(invokeId, 'Running');
    expect(await status(agent.instanceId)).toMatchObject({ ActiveTaskCount: 1, InvocationCount: before.InvocationCount + 1 });

    // A run no agent has picked up yet: counted as an invocation, not as active.
    const offline = await registeredAgentState(app);
    const waiting = await invoke('true', [offline.instanceId]);
    const offlineStatus = await status(offline.instanceId);
    await expect(results(waiting)).resolves.toMatchObject([{ InvocationStatus: 'Pending' }]); // still Pending after the status was read
    expect(offlineStatus).toMatchObject({ ActiveTaskCount: 0, InvocationCount: 1 });

    await expect(finished(invokeId)).resolves.toMatchObject([{ InvocationStatus: 'Success' }]);
    expect(await status(agent.instanceId)).toMatchObject({ ActiveTaskCount: 0, InvocationCount: before.InvocationCount + 1 });
  });
});

/** Running, as opposed to gone or a zombie (this container's init may never reap orphans). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

export { REGION };
