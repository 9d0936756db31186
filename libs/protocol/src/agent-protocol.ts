/**
 * The contract between the agent and the service (docs/agent-protocol.md). Registration is a plain JSON POST
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
  /**
   * PEM of the CA the server's certificate must chain to (`--ca-file` at registration), kept
   * here so every later `agent run` pins it too; absent: the system's CA store.
   */
  ca?: string;
}

export const AGENT_VERSION = '1.0.0';

/**
 * Agent RPC actions (signed like any other call, with the agent's own key; docs/agent-protocol.md):
 * - AgentStart: the agent's first call after each start (retried until answered), carrying
 *   AgentStartFacts → {}. The service records the machine's facts and, from BootId, knows the
 *   machine has booted since the agent last started.
 * - AgentHeartbeat: AgentVersion, Hostname → {}
 * - AgentPollTasks: WaitSeconds (0–30), Acks (comma-separated record ids received from the
 *   previous poll) → { Tasks: AgentTask[], StopRecordIds: string[] }; waits until there is work
 *   or a stop for this instance, or the time is up. Delivering a task claims it (it is Running
 *   from then on); a task not acknowledged within REDELIVER_AFTER_SECONDS is delivered again,
 *   and the agent, knowing the record id, does not run it twice.
 * - AgentReportOutput: RecordId, Offset, Output (Base64) → {} — appends at byte Offset of the
 *   output (the first OUTPUT_LIMIT_BYTES are kept); a repeated piece adds only what is new.
 * - AgentFinishTask: RecordId, Status, ExitCode?, ErrorCode?, ErrorInfo?, OutputBytes,
 *   FinishedTime, Offset?, Output? → {} — the first outcome wins; a repeat is acknowledged and ignored.
 *   OutputBytes and Offset are 0 to MAX_REPORTED_OUTPUT_BYTES, ExitCode a 32-bit integer,
 *   FinishedTime ISO 8601 with a zone, at most MAX_REPORT_AGE_DAYS old and not in the future
 *   beyond the signature's clock skew; anything else is refused (400 InvalidParameter.<Field>).
 */
export const AgentActions = {
  start: 'AgentStart',
  heartbeat: 'AgentHeartbeat',
  poll: 'AgentPollTasks',
  output: 'AgentReportOutput',
  finish: 'AgentFinishTask',
} as const;

/**
 * A name an agent gives itself (version, hostname, error code) is shown to operators in lists,
 * logs and terminals: printable text only, no control characters that could forge log lines or
 * move a terminal's cursor.
 */
export const AGENT_LABEL_PATTERN = /^[^\p{Cc}]*$/u;

/**
 * What an agent tells the service about its machine when it starts. Every field is what the
 * machine says of itself: shown to operators, never trusted to identify a machine (a machine id
 * alone never takes over a registration; the credential does).
 */
export interface AgentStartFacts {
  AgentVersion: string;
  Hostname: string;
  OsType: 'linux' | 'windows';
  /** /etc/os-release's PRETTY_NAME, e.g. "Debian GNU/Linux 12 (bookworm)". */
  OsName: string;
  /** /etc/os-release's VERSION_ID, e.g. "12". */
  OsVersion: string;
  /** uname -r. */
  KernelVersion: string;
  /** The machine's non-loopback addresses, comma-separated (at most MAX_REPORTED_ADDRESSES). */
  IntranetIp: string;
  /** /etc/machine-id. */
  MachineId: string;
  /** /proc/sys/kernel/random/boot_id: differs after every boot. */
  BootId: string;
}
export const MAX_REPORTED_ADDRESSES = 16;

export const REDELIVER_AFTER_SECONDS = 10;
export const MAX_POLL_WAIT_SECONDS = 30;
export const OUTPUT_LIMIT_BYTES = 24 * 1024;
/** OutputBytes and Offset are 32-bit (Dropped is an int): an agent reports more output as this much. */
export const MAX_REPORTED_OUTPUT_BYTES = 2147483647;
/** How long ago a FinishedTime may be: an agent keeps its report while the service is unreachable. */
export const MAX_REPORT_AGE_DAYS = 366;
export const HEARTBEAT_INTERVAL_SECONDS = 10;

export type CommandType = 'RunShellScript' | 'RunBatScript' | 'RunPowerShellScript';

export interface AgentTask {
  RecordId: string;
  InvokeId: string;
  CommandType: CommandType;
  /** Base64 of the script, parameters already filled in. */
  CommandContent: string;
  WorkingDir: string;
  Username: string;
  TimeoutSeconds: number;
}

export interface AgentPollResponse {
  Tasks: AgentTask[];
  StopRecordIds: string[];
}

/** The outcomes an agent reports. */
/** Cancelled: the agent received a run already stopped, and did not start it. */
export const AGENT_FINAL_STATUSES = ['Success', 'Failed', 'Timeout', 'Error', 'Terminated', 'Cancelled'] as const;
export type AgentFinalStatus = (typeof AGENT_FINAL_STATUSES)[number];
