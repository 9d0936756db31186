import { AgentTask } from '@ca/protocol';

/** The record id is the service's UUID; it names the run's script file and journal entry. */
export const RECORD_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const COMMAND_TYPES = new Set(['RunShellScript', 'RunBatScript', 'RunPowerShellScript']);
/** Alibaba's longest Timeout; past 2^31 ms Node would fire the timer at once instead. */
const MAX_TIMEOUT_SECONDS = 86_400;
const USERNAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}\$?$/;

/**
 * What is wrong with a delivered task, or undefined. The agent runs tasks as root, so it takes
 * nothing on trust that the protocol does not allow, even from its own service: a record id
 * becomes a file name, a timeout a timer, a user name a uid.
 */
export function taskProblem(task: AgentTask): string | undefined {
  if (typeof task.RecordId !== 'string' || !RECORD_ID_PATTERN.test(task.RecordId)) return 'RecordId is not a record id';
  if (!COMMAND_TYPES.has(task.CommandType)) return `CommandType ${String(task.CommandType).slice(0, 40)} is not known`;
  if (typeof task.CommandContent !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(task.CommandContent)) return 'CommandContent is not Base64';
  if (!Number.isInteger(task.TimeoutSeconds) || task.TimeoutSeconds < 1 || task.TimeoutSeconds > MAX_TIMEOUT_SECONDS) {
    return `TimeoutSeconds must be an integer from 1 to ${MAX_TIMEOUT_SECONDS}`;
  }
  if (typeof task.WorkingDir !== 'string' || task.WorkingDir.includes('\0')) return 'WorkingDir is not a path';
  if (typeof task.Username !== 'string' || (task.Username !== '' && !USERNAME_PATTERN.test(task.Username))) return 'Username is not a user name';
  return undefined;
}
