import { nextFireTimes, storedFrequency } from '@ca/frequency';
import { FINAL_RECORD_STATUSES } from '../runs/invocation-status';
import { InvocationEntity } from '../invocations/invocation.entity';
import { RecordRow } from '../invocations/invocation.presenter';
import type { InvocationDetailDto, InvocationDto, InvocationResultDto } from './invocations.schemas';
import { iso } from './rest-common';

/** How many upcoming fire times an invocation shows. */
const UPCOMING_FIRES = 5;

/** An invocation with the latest run on each of its instances (InvocationsService.list's `runs`). */
export function toInvocationDto(invocation: InvocationEntity, latestRuns: RecordRow[]): InvocationDto {
  const runs = latestRuns.filter((run) => run.invokeId === invocation.invokeId);
  return {
    invokeId: invocation.invokeId,
    commandId: invocation.commandId,
    commandName: invocation.commandName,
    commandType: invocation.commandType,
    status: invocation.status,
    timed: invocation.repeatMode === 'Period',
    frequency: invocation.frequency,
    timeZone: invocation.timeZone,
    misfirePolicy: invocation.misfirePolicy,
    createdAt: iso(invocation.createdAt),
    instanceCount: invocation.instanceIds.length,
    progress: { finished: runs.filter((run) => FINAL_RECORD_STATUSES.includes(run.status)).length, total: invocation.instanceIds.length },
    nextFireTimes: upcomingFireTimes(invocation),
  };
}

export function toInvocationDetailDto(invocation: InvocationEntity, latestRuns: RecordRow[]): InvocationDetailDto {
  const byInstance = new Map(latestRuns.filter((run) => run.invokeId === invocation.invokeId).map((run) => [run.instanceId, run]));
  const timed = invocation.repeatMode === 'Period';
  return {
    ...toInvocationDto(invocation, latestRuns),
    content: invocation.commandContent.toString('utf8'),
    parameters: invocation.parameters ?? {},
    username: invocation.username,
    workingDir: invocation.workingDir,
    timeout: invocation.timeout,
    instances: invocation.instanceIds.map((instanceId) => {
      const run = byInstance.get(instanceId);
      return {
        instanceId,
        status: run?.status ?? (timed ? 'Scheduled' : 'Pending'),
        repeats: run?.repeats ?? 0,
        exitCode: run?.exitCode ?? null,
        errorCode: run?.errorCode ?? '',
        errorInfo: run?.errorInfo ?? '',
        startedAt: iso(run?.startTime),
        finishedAt: iso(run?.finishedTime),
        stoppedAt: iso(run?.stopTime),
      };
    }),
  };
}

export function toResultDto(run: RecordRow): InvocationResultDto {
  return {
    instanceId: run.instanceId,
    scheduledAt: iso(run.scheduledAt),
    repeats: run.repeats,
    status: run.status,
    exitCode: run.exitCode,
    errorCode: run.errorCode,
    errorInfo: run.errorInfo,
    output: run.output.toString('utf8'),
    dropped: run.dropped,
    startedAt: iso(run.startTime),
    finishedAt: iso(run.finishedTime),
    stoppedAt: iso(run.stopTime),
  };
}

/** From the stored next fire time on, as the scheduler will compute them (libs/frequency). */
function upcomingFireTimes(invocation: InvocationEntity): string[] {
  const next = invocation.nextFireAt;
  if (invocation.repeatMode !== 'Period' || !next || !invocation.frequency) return [];
  try {
    const frequency = storedFrequency(invocation.frequency, invocation.timeZone ?? '');
    return nextFireTimes(frequency, new Date(next.getTime() - 1), invocation.createdAt, UPCOMING_FIRES).map((time) => time.toISOString());
  } catch {
    // A stored expression this runtime can no longer compute: the scheduler records that on fire.
    return [next.toISOString()];
  }
}
