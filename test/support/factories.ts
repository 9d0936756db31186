import { AGENT_REGISTER_PATH, AgentRegisterResponse } from '@ca/protocol';
import type { TestApp } from './test-app';

export const REGION = 'cn-hangzhou';

/** Calls an action with the admin key and fails the test on an error answer. */
export async function call(app: TestApp, action: string, params: Record<string, string> = {}): Promise<Record<string, any>> {
  const response = await app.admin.call(action, { RegionId: REGION, ...params });
  if (response.status !== 200) throw new Error(`${action} failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

export async function newCommand(app: TestApp, overrides: Record<string, string> = {}, script = 'echo hello'): Promise<string> {
  const body = await call(app, 'CreateCommand', {
    Name: `cmd-${Math.random().toString(36).slice(2, 8)}`,
    Type: 'RunShellScript',
    CommandContent: Buffer.from(script).toString('base64'),
    ...overrides,
  });
  return body.CommandId as string;
}

export async function newActivation(app: TestApp, overrides: Record<string, string> = {}): Promise<{ activationId: string; activationCode: string }> {
  const body = await call(app, 'CreateActivation', { InstanceCount: '10', ...overrides });
  return { activationId: body.ActivationId as string, activationCode: body.ActivationCode as string };
}

/** Registers an agent over HTTP exactly as `npm run agent -- register` does. */
export async function registerAgent(
  app: TestApp,
  activation: { activationId: string; activationCode: string },
  instanceId?: string,
): Promise<{ status: number; body: AgentRegisterResponse & { Code?: string } }> {
  const response = await fetch(app.endpoint + AGENT_REGISTER_PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      regionId: REGION,
      activationId: activation.activationId,
      activationCode: activation.activationCode,
      instanceId,
      hostname: 'test-host',
      osType: 'linux',
      agentVersion: 'test',
    }),
  });
  return { status: response.status, body: (await response.json()) as AgentRegisterResponse & { Code?: string } };
}

/** An inventory instance; with `withClient` an agent has registered on it. */
export async function newInstance(app: TestApp, options: { networkType?: 'vpc' | 'classic'; status?: string; withClient?: boolean } = {}): Promise<string> {
  const body = await call(app, 'RegisterInstance', {
    InstanceNetworkType: options.networkType ?? 'vpc',
    Status: options.status ?? 'Running',
  });
  const instanceId = body.InstanceId as string;
  if (options.withClient ?? true) {
    const registered = await registerAgent(app, await newActivation(app), instanceId);
    if (registered.status !== 200) throw new Error(`agent registration failed: ${JSON.stringify(registered.body)}`);
  }
  return instanceId;
}
