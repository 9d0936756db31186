import { z } from 'zod';
import { ApiError } from '../common/api-error';
import { anyRegionId, frequency, instanceId, regionId, resourceId, text, withCode } from '../common/fields';
import type { Paging } from '../common/paging';
import { COMMAND_TYPES } from '../commands/command.entity';
import { decodeCommandContent } from '../commands/command-content';
import { commandContent, commandNameFilter, contentEncoding, timeout } from '../commands/commands.input';
import { derived, readPagingInto, rpcInput, RpcStep } from '../actions/rpc-input';
import type { RpcParams } from '../actions/rpc-params';
import { INVOCATION_STATUSES, RECORD_STATUSES, RecordStatus } from '../runs/invocation-status';

/** An invocation's fields, with Alibaba's limits and codes, for both edges. */
export const MISFIRE_POLICIES = ['FireOnceNow', 'Skip'] as const;
export const REPEAT_MODES = ['Once', 'Period'] as const;
export const username = () => withCode(text(255).regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/), 'InvalidParam.Username');
export const clientToken = () => withCode(text(64).regex(/^[\x21-\x7e]+$/), 'InvalidParam.ClientToken');
export const misfirePolicy = () => withCode(z.enum(MISFIRE_POLICIES), 'InvalidParam.MisfirePolicy');
export const invocationWorkingDir = () => text(200);

/** The instances to run on, each id as InvokeCommand accepts it (their number and uniqueness are the service's checks). */
const targetInstances = () => z.array(instanceId());

/** InvokeCommand's parameters that RunCommand takes as well. */
const invokeShape = {
  RegionId: regionId(),
  InstanceIds: targetInstances(),
  Timed: withCode(z.boolean(), 'InvalidParam.Timed').optional(),
  RepeatMode: withCode(z.enum(REPEAT_MODES), 'InvalidParam.RepeatMode').optional(),
  Frequency: frequency().optional(),
  Timeout: timeout().optional(),
  WorkingDir: invocationWorkingDir().optional(),
  Username: username().optional(),
  Parameters: withCode(z.record(z.string(), z.string()), 'InvalidParameter.Parameters').optional(),
  ClientToken: clientToken().optional(),
  MisfirePolicy: misfirePolicy().optional(),
};
type InvokeShape = z.output<z.ZodObject<typeof invokeShape>>;

/**
 * `Timed=true` (seed) and `RepeatMode=Period` (newer API) mean the same; they must agree. A
 * timed invocation without a Frequency is a missing parameter, reported before malformed values.
 */
function resolveRepeatMode(input: Partial<InvokeShape>, params: RpcParams): void {
  const { Timed: timed, RepeatMode: repeatMode } = input;
  if (timed !== undefined && repeatMode !== undefined && timed !== (repeatMode === 'Period')) {
    throw new ApiError('InvalidParam.RepeatMode', 'RepeatMode contradicts Timed.');
  }
  input.RepeatMode = repeatMode ?? (timed ? 'Period' : 'Once');
  if (input.RepeatMode === 'Period' && !params.has('Frequency')) throw ApiError.missing('Frequency');
}

/** After the missing parameters: the repeat mode, then each value in the documented order. */
const invokeSteps: Array<RpcStep<InvokeShape>> = ['Timed', 'RepeatMode', resolveRepeatMode, 'InstanceIds', 'RegionId'];
const invokeTail: Array<RpcStep<InvokeShape>> = [
  { field: 'Frequency', if: (input) => input.RepeatMode === 'Period' },
  'Timeout',
  'WorkingDir',
  'Username',
  'Parameters',
  'ClientToken',
  'MisfirePolicy',
];

const invokeCommand = z.object({ ...invokeShape, CommandId: resourceId() });
/**
 * The documented order: the missing parameters first (RegionId, InstanceIds, CommandId,
 * Frequency), then malformed values; region, command and instances are checked against the
 * database afterwards by the service.
 */
export const InvokeCommandInput = rpcInput(invokeCommand, {
  order: [{ present: 'RegionId' }, { present: 'InstanceIds' }, { present: 'CommandId' }, ...invokeSteps, 'CommandId', ...invokeTail] as Array<
    RpcStep<z.output<typeof invokeCommand>>
  >,
});
export type InvokeCommandInput = z.output<typeof invokeCommand>;

const runCommand = z.object({
  ...invokeShape,
  Type: withCode(z.enum(COMMAND_TYPES), 'InvalidCmdType.NotFound'),
  ContentEncoding: contentEncoding().default('PlainText'),
  CommandContent: commandContent(),
  Content: derived<Buffer>(),
  Name: commandNameFilter().optional(),
  Description: text(512).optional(),
  EnableParameter: z.boolean().default(false),
  KeepCommand: z.boolean().default(false),
});
type RunCommandShape = z.output<typeof runCommand>;
/** RunCommand: its own missing parameters first, then InvokeCommand's checks, then the command's. */
export const RunCommandInput = rpcInput(runCommand, {
  order: [
    { present: 'RegionId' },
    { present: 'Type' },
    { present: 'CommandContent' },
    'Type',
    { present: 'InstanceIds' },
    ...(invokeSteps as Array<RpcStep<RunCommandShape>>),
    ...(invokeTail as Array<RpcStep<RunCommandShape>>),
    'ContentEncoding',
    'CommandContent',
    (input) => (input.Content = decodeCommandContent(input.CommandContent!, input.ContentEncoding)),
    'Name',
    'Description',
    'EnableParameter',
    'KeepCommand',
  ],
});
export type RunCommandInput = RunCommandShape;

const LEGACY_INVOKE_STATUSES = { Finished: 'Success', PartialFinished: 'PartialFailed' } as const;

const describeInvocations = z.object({
  RegionId: anyRegionId(),
  Timed: z.boolean().optional(),
  InvokeId: resourceId().optional(),
  CommandId: resourceId().optional(),
  CommandName: commandNameFilter().optional(),
  CommandType: z.enum(COMMAND_TYPES).optional(),
  RepeatMode: z.enum(REPEAT_MODES).optional(),
  InvocationStatus: z.enum(INVOCATION_STATUSES).optional(),
  /** The deprecated InvokeStatus filter (Finished/Failed/PartialFinished/Stopped/Running). */
  InvokeStatus: z
    .enum([...INVOCATION_STATUSES, ...(Object.keys(LEGACY_INVOKE_STATUSES) as Array<keyof typeof LEGACY_INVOKE_STATUSES>)])
    .transform(
      (status) =>
        (status in LEGACY_INVOKE_STATUSES
          ? LEGACY_INVOKE_STATUSES[status as keyof typeof LEGACY_INVOKE_STATUSES]
          : status) as (typeof INVOCATION_STATUSES)[number],
    )
    .optional(),
  InstanceId: resourceId().optional(),
  ContentEncoding: contentEncoding().default('Base64'),
  IncludeOutput: z.boolean().default(false),
  Paging: derived<Paging>(),
});
export const DescribeInvocationsInput = rpcInput(describeInvocations, {
  order: [
    'RegionId',
    'Timed',
    'InvokeId',
    'CommandId',
    'CommandName',
    'CommandType',
    'RepeatMode',
    'InvocationStatus',
    { field: 'InvokeStatus', if: (input) => input.InvocationStatus === undefined },
    'InstanceId',
    'ContentEncoding',
    'IncludeOutput',
    readPagingInto({ defaultSize: 10, maxSize: 50 }),
  ],
});
export type DescribeInvocationsInput = z.output<typeof describeInvocations>;

/** Alibaba's older record statuses, still sent by old tools as InvokeRecordStatus, and what they cover. */
const LEGACY_RECORD_STATUSES: Record<string, RecordStatus[]> = {
  Running: ['Pending', 'Running'],
  Finished: ['Success'],
  Failed: ['Failed', 'Timeout', 'Aborted', 'Error', 'Invalid'],
  Stopped: ['Cancelled', 'Terminated'],
};
const RECORD_STATUS_FILTERS = [...new Set([...RECORD_STATUSES, ...Object.keys(LEGACY_RECORD_STATUSES)])] as [string, ...string[]];

const describeInvocationResults = z.object({
  RegionId: anyRegionId(),
  InvokeId: resourceId().optional(),
  InstanceId: resourceId().optional(),
  CommandId: resourceId().optional(),
  InvokeRecordStatus: z
    .enum(RECORD_STATUS_FILTERS)
    .transform((status) => LEGACY_RECORD_STATUSES[status] ?? [status as RecordStatus])
    .optional(),
  IncludeHistory: z.boolean().default(false),
  ContentEncoding: contentEncoding().default('Base64'),
  Paging: derived<Paging>(),
});
export const DescribeInvocationResultsInput = rpcInput(describeInvocationResults, {
  order: [
    'RegionId',
    'InvokeId',
    'InstanceId',
    'CommandId',
    'InvokeRecordStatus',
    'IncludeHistory',
    'ContentEncoding',
    readPagingInto({ defaultSize: 10, maxSize: 50 }),
  ],
});
export type DescribeInvocationResultsInput = z.output<typeof describeInvocationResults>;

const stopInvocation = z.object({ RegionId: anyRegionId(), InvokeId: resourceId(), InstanceId: z.array(z.string()).optional() });
export const StopInvocationInput = rpcInput(stopInvocation, { lists: { InstanceId: { repeated: 'InstanceId' } } });
export type StopInvocationInput = z.output<typeof stopInvocation>;
