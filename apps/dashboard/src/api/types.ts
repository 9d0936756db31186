/** The REST /v1 resources as REST-CONTRACT.md describes them. */

export type Role = 'admin' | 'readonly';

export interface WhoAmI {
  accessKeyId: string;
  role: Role;
}

export interface Page<T> {
  items: T[];
  nextToken: string | null;
  totalCount: number;
}

export type CommandType = 'RunShellScript' | 'RunPowerShellScript' | 'RunBatScript';
export const COMMAND_TYPES: CommandType[] = ['RunShellScript', 'RunPowerShellScript', 'RunBatScript'];

export interface Command {
  commandId: string;
  name: string;
  type: CommandType;
  description: string;
  content: string;
  workingDir: string;
  timeout: number;
  enableParameter: boolean;
  parameterNames: string[];
  createdAt: string;
  invokeTimes: number;
}

export interface NewCommand {
  name: string;
  type: CommandType;
  content: string;
  workingDir?: string;
  timeout?: number;
  description?: string;
  enableParameter?: boolean;
}

export interface Instance {
  instanceId: string;
  instanceName: string;
  hostname: string;
  osType: string;
  status: string;
  agentOnline: boolean;
  agentVersion: string | null;
  lastHeartbeatAt: string | null;
  registeredAt: string | null;
  managed: boolean;
}

export const INVOCATION_STATUSES = ['Pending', 'Scheduled', 'Running', 'Success', 'Failed', 'PartialFailed', 'Stopping', 'Stopped'] as const;
export type InvocationStatus = (typeof INVOCATION_STATUSES)[number];

/** Statuses after which nothing about an invocation changes any more. */
export const FINAL_INVOCATION_STATUSES: ReadonlySet<string> = new Set(['Success', 'Failed', 'PartialFailed', 'Stopped']);

export interface InvocationInstance {
  instanceId: string;
  status: string;
  exitCode: number | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface Invocation {
  invokeId: string;
  commandId: string;
  commandName: string;
  commandType: CommandType;
  status: InvocationStatus;
  timed: boolean;
  frequency: string | null;
  timeZone: string | null;
  misfirePolicy: string | null;
  createdAt: string;
  instanceCount: number;
  progress: { finished: number; total: number };
  nextFireTimes?: string[];
  instances?: InvocationInstance[];
}

export interface NewInvocation {
  commandId: string;
  instanceIds: string[];
  timed?: boolean;
  frequency?: string;
  misfirePolicy?: string;
  parameters?: Record<string, string>;
  username?: string;
  workingDir?: string;
  timeout?: number;
}

export interface InvocationResult {
  instanceId: string;
  scheduledAt: string | null;
  repeats: number;
  status: string;
  exitCode: number | null;
  errorCode: string | null;
  errorInfo: string | null;
  output: string;
  dropped: number;
  startedAt: string | null;
  finishedAt: string | null;
  stoppedAt: string | null;
}

export interface FrequencyPreview {
  nextFireTimes: string[];
}
