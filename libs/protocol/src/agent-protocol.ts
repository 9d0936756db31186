/**
 * The contract between the agent and the service. Registration is a plain JSON POST
 * authenticated by the activation code; everything after it is RPC actions signed with the
 * agent's own access key, so agents share the API edge's signature and replay checks.
 */
export const AGENT_REGISTER_PATH = '/agent/register';

export interface AgentRegisterRequest {
  regionId: string;
  activationId: string;
  activationCode: string;
  /** Bind an existing inventory instance instead of creating a managed `mi-…` one. */
  instanceId?: string;
  hostname: string;
  osType: 'linux' | 'windows';
  agentVersion: string;
}

export interface AgentRegisterResponse {
  RequestId: string;
  InstanceId: string;
  AccessKeyId: string;
  AccessKeySecret: string;
}

/** What the agent keeps in its state directory (mode 0600). */
export interface AgentCredentials {
  server: string;
  regionId: string;
  instanceId: string;
  accessKeyId: string;
  accessKeySecret: string;
}

export const AGENT_VERSION = '1.0.0';
