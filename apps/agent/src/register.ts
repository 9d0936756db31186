import { AGENT_REGISTER_PATH, AGENT_VERSION, AgentRegisterRequest, AgentRegisterResponse } from '@ca/protocol';
import { hostname, platform } from 'node:os';
import { AgentState } from './agent-state';

export interface RegisterOptions {
  server: string;
  region: string;
  activationId: string;
  activationCode: string;
  instanceId?: string;
  stateDir: string;
}

/** `agent register` (SPEC §6): trades an activation for this machine's own credential. */
export async function register(options: RegisterOptions): Promise<AgentRegisterResponse> {
  const request: AgentRegisterRequest = {
    regionId: options.region,
    activationId: options.activationId,
    activationCode: options.activationCode,
    instanceId: options.instanceId,
    hostname: hostname(),
    osType: platform() === 'win32' ? 'windows' : 'linux',
    agentVersion: AGENT_VERSION,
  };
  const server = options.server.replace(/\/$/, '');
  const response = await fetch(server + AGENT_REGISTER_PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  const body = (await response.json()) as AgentRegisterResponse & { Code?: string; Message?: string };
  if (!response.ok) throw new Error(`registration refused: ${body.Code ?? response.status}: ${body.Message ?? ''}`);
  new AgentState(options.stateDir).writeCredentials({
    server,
    regionId: options.region,
    instanceId: body.InstanceId,
    accessKeyId: body.AccessKeyId,
    accessKeySecret: body.AccessKeySecret,
  });
  return body;
}
