/** The REST /v1 resources as the server's OpenAPI document (/docs/json) describes them. */

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

export interface Region {
  regionId: string;
  localName: string;
  localNameEn: string;
  regionEndpoint: string;
}

export interface Instance {
  instanceId: string;
  regionId: string;
  instanceName: string;
  hostname: string | null;
  osType: 'linux' | 'windows';
  networkType: 'vpc' | 'classic';
  status: string;
  agentOnline: boolean;
  agentVersion: string | null;
  agentRegisteredAt: string | null;
  lastHeartbeatAt: string | null;
  registeredAt: string;
  managed: boolean;
  activationId: string | null;
  activeTaskCount: number;
  invocationCount: number;
  lastInvokedAt: string | null;
}

export const INVOCATION_STATUSES = ['Pending', 'Scheduled', 'Running', 'Success', 'Failed', 'PartialFailed', 'Stopping', 'Stopped'] as const;
export type InvocationStatus = (typeof INVOCATION_STATUSES)[number];

/** Statuses after which nothing about an invocation changes any more. */
export const FINAL_INVOCATION_STATUSES: ReadonlySet<string> = new Set(['Success', 'Failed', 'PartialFailed', 'Stopped']);

export interface InvocationInstance {
  instanceId: string;
  /** A run status, or Scheduled before a timed invocation's first fire. */
  status: string;
  repeats: number;
  exitCode: number | null;
  /** Empty when there is none. */
  errorCode: string;
  errorInfo: string;
  startedAt: string | null;
  finishedAt: string | null;
  stoppedAt: string | null;
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
  /** Timed and still firing only: the next five; otherwise empty. */
  nextFireTimes: string[];
}

export interface InvocationDetail extends Invocation {
  /** The script as invoked (parameters filled in). */
  content: string;
  parameters: Record<string, string>;
  username: string;
  workingDir: string;
  timeout: number;
  instances: InvocationInstance[];
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
  scheduledAt: string;
  repeats: number;
  status: string;
  exitCode: number | null;
  errorCode: string;
  errorInfo: string;
  output: string;
  dropped: number;
  startedAt: string | null;
  finishedAt: string | null;
  stoppedAt: string | null;
}

export interface FrequencyPreview {
  frequency: string;
  timeZone: string;
  nextFireTimes: string[];
  fireTimes: { time: string; localTime: string; daylightSavingGap: boolean; daylightSavingOverlap: boolean }[];
}
