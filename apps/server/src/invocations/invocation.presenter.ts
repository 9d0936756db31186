import { isoTime } from '../common/paging';
import { InvocationStatus, RecordStatus } from '../runs/invocation-status';
import { InvocationEntity } from './invocation.entity';

import type { ContentEncoding } from '../commands/command-content';

/** A record row as the read queries return it. */
export interface RecordRow {
  recordId: string;
  invokeId: string;
  instanceId: string;
  scheduledAt: Date;
  repeats: number;
  status: RecordStatus;
  exitCode: number | null;
  output: Buffer;
  dropped: number;
  errorCode: string;
  errorInfo: string;
  createdAt: Date;
  startTime: Date | null;
  finishedTime: Date | null;
  stopTime: Date | null;
  updatedAt: Date;
}

/** Alibaba's older, coarser status fields (InvokeStatus, InstanceInvokeStatus), still read by old tools. */
export function legacyInvokeStatus(status: InvocationStatus): string {
  switch (status) {
    case 'Success':
      return 'Finished';
    case 'Failed':
      return 'Failed';
    case 'PartialFailed':
      return 'PartialFinished';
    case 'Stopping':
    case 'Stopped':
      return 'Stopped';
    default:
      return 'Running';
  }
}

export function legacyRecordStatus(status: RecordStatus): string {
  switch (status) {
    case 'Pending':
    case 'Running':
      return 'Running';
    case 'Success':
      return 'Finished';
    case 'Cancelled':
    case 'Terminated':
      return 'Stopped';
    default:
      return 'Failed';
  }
}

function encodeOutput(output: Buffer, encoding: ContentEncoding): string {
  return encoding === 'PlainText' ? output.toString('utf8') : output.toString('base64');
}

export function presentInvocation(
  invocation: InvocationEntity,
  latestRuns: RecordRow[],
  options: { encoding: ContentEncoding; includeOutput: boolean },
): object {
  const byInstance = new Map(latestRuns.map((r) => [r.instanceId, r]));
  const timed = invocation.repeatMode === 'Period';
  return {
    InvokeId: invocation.invokeId,
    CommandId: invocation.commandId,
    CommandName: invocation.commandName,
    CommandType: invocation.commandType,
    CommandContent: encodeOutput(invocation.commandContent, options.encoding),
    Timed: timed,
    RepeatMode: invocation.repeatMode,
    Frequency: invocation.frequency ?? '',
    TimeZone: invocation.timeZone ?? '',
    NextFireTime: isoTime(invocation.nextFireAt),
    MisfirePolicy: invocation.misfirePolicy ?? '',
    InvocationStatus: invocation.status,
    InvokeStatus: legacyInvokeStatus(invocation.status),
    Parameters: JSON.stringify(invocation.parameters ?? {}),
    Timeout: invocation.timeout,
    WorkingDir: invocation.workingDir,
    Username: invocation.username,
    CreationTime: isoTime(invocation.createdAt),
    InvokeInstances: {
      InvokeInstance: invocation.instanceIds.map((instanceId) => {
        const run = byInstance.get(instanceId);
        return presentInvokeInstance(instanceId, run, timed, options);
      }),
    },
  };
}

function presentInvokeInstance(
  instanceId: string,
  run: RecordRow | undefined,
  timed: boolean,
  options: { encoding: ContentEncoding; includeOutput: boolean },
): object {
  // A timed invocation has no record on an instance until its first fire.
  const status: RecordStatus | 'Scheduled' = run?.status ?? (timed ? 'Scheduled' : 'Pending');
  return {
    InstanceId: instanceId,
    InvocationStatus: status,
    InstanceInvokeStatus: status === 'Scheduled' ? 'Running' : legacyRecordStatus(status),
    Repeats: run?.repeats ?? 0,
    ExitCode: run?.exitCode ?? null,
    Output: options.includeOutput && run ? encodeOutput(run.output, options.encoding) : '',
    Dropped: run?.dropped ?? 0,
    ErrorCode: run?.errorCode ?? '',
    ErrorInfo: run?.errorInfo ?? '',
    CreationTime: isoTime(run?.createdAt),
    UpdateTime: isoTime(run?.updatedAt),
    StartTime: isoTime(run?.startTime),
    FinishTime: isoTime(run?.finishedTime),
    StopTime: isoTime(run?.stopTime),
  };
}

export function presentInvocationResult(invocation: Pick<InvocationEntity, 'commandId' | 'username'>, run: RecordRow, encoding: ContentEncoding): object {
  return {
    InvokeId: run.invokeId,
    InstanceId: run.instanceId,
    CommandId: invocation.commandId,
    InvocationStatus: run.status,
    InvokeRecordStatus: legacyRecordStatus(run.status),
    ExitCode: run.exitCode,
    Output: encodeOutput(run.output, encoding),
    Dropped: run.dropped,
    ErrorCode: run.errorCode,
    ErrorInfo: run.errorInfo,
    Repeats: run.repeats,
    ScheduledTime: isoTime(run.scheduledAt),
    StartTime: isoTime(run.startTime),
    FinishedTime: isoTime(run.finishedTime),
    StopTime: isoTime(run.stopTime),
    Username: invocation.username,
  };
}
