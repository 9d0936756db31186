import { AgentCredentials } from '@ca/protocol';
import { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newActivation, newInstance, registerAgent, REGION } from './factories';
import { exited, startNode } from './processes';
import type { TestApp } from './test-app';

export interface RunningAgent {
  instanceId: string;
  stateDir: string;
  credentials: AgentCredentials;
  child: ChildProcess;
  output(): string;
  /** Record ids this agent executed, in order, from its executions.log. */
  executions(): string[];
  stop(): Promise<void>;
}

/** Registers an agent for a new inventory instance (or `instanceId`) and writes its state directory. */
export async function registeredAgentState(
  app: TestApp,
  instanceId?: string,
): Promise<{ instanceId: string; stateDir: string; credentials: AgentCredentials }> {
  const id = instanceId ?? (await newInstance(app, { withClient: false }));
  const registered = await registerAgent(app, await newActivation(app), id);
  if (registered.status !== 200) throw new Error(`registration failed: ${JSON.stringify(registered.body)}`);
  const stateDir = mkdtempSync(join(tmpdir(), 'ca-agent-'));
  const credentials: AgentCredentials = {
    server: app.endpoint,
    regionId: REGION,
    instanceId: id,
    accessKeyId: registered.body.AccessKeyId,
    accessKeySecret: registered.body.AccessKeySecret,
  };
  writeFileSync(join(stateDir, 'credentials.json'), JSON.stringify(credentials), { mode: 0o600 });
  return { instanceId: id, stateDir, credentials };
}

/** A real agent process (`agent run`) on a registered instance; `env` is added to its environment. */
export async function startAgent(
  app: TestApp,
  existing?: { instanceId: string; stateDir: string; credentials: AgentCredentials },
  options: { env?: Record<string, string> } = {},
): Promise<RunningAgent> {
  const state = existing ?? (await registeredAgentState(app));
  const { child, output } = await startNode('apps/agent/src/main.js', ['run', '--state-dir', state.stateDir], {
    env: options.env,
    ready: /agent .* for /,
    timeoutMs: 20_000,
  });
  return {
    ...state,
    child,
    output,
    executions: () => {
      try {
        return readFileSync(join(state.stateDir, 'executions.log'), 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((line) => line.split(' ')[1]);
      } catch {
        return [];
      }
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited(child);
    },
  };
}
