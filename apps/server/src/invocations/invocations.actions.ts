import { Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { pageFields } from '../common/paging';
import { readPaging } from '../rpc/rpc-paging';
import { RpcAction, RpcContext } from '../rpc/rpc-action.decorator';
import { RpcParams } from '../rpc/rpc-params';
import { COMMAND_TYPES } from '../commands/command.entity';
import { readTimeout } from '../commands/commands.actions';
import { decodeCommandContent, readContentEncoding } from '../commands/command-content';
import { RegionsService } from '../regions/regions.service';
import { INVOCATION_STATUSES, InvocationStatus, RECORD_STATUSES, RecordStatus } from './invocation-status';
import { RepeatMode } from './invocation.entity';
import { presentInvocation, presentInvocationResult } from './invocation.presenter';
import { InvocationsService } from './invocations.service';
import { InvokeCommandService, InvokeRequest } from './invoke-command.service';

const ID = { maxLength: 64 };

@Injectable()
export class InvocationsActions {
  constructor(
    private readonly invoker: InvokeCommandService,
    private readonly invocations: InvocationsService,
    private readonly regions: RegionsService,
  ) {}

  @RpcAction('InvokeCommand', 'write', { spendsNonce: true })
  async invokeCommand({ params, nonce }: RpcContext): Promise<object> {
    return { InvokeId: await this.invoker.invoke(readInvokeRequest(params), nonce) };
  }

  /** RunCommand: a command created and invoked in one call (by default not kept in the catalogue). */
  @RpcAction('RunCommand', 'write')
  async runCommand({ params }: RpcContext): Promise<object> {
    if (!params.has('RegionId')) throw ApiError.missing('RegionId');
    if (!params.has('Type')) throw ApiError.missing('Type');
    if (!params.has('CommandContent')) throw ApiError.missing('CommandContent');
    const type = params.oneOf('Type', COMMAND_TYPES, { code: 'InvalidCmdType.NotFound' })!;
    const { commandId: _none, ...request } = readInvokeRequest(params, { commandIdRequired: false });
    const encoding = readContentEncoding(params, 'PlainText');
    const content = decodeCommandContent(params.requiredString('CommandContent', { maxLength: 64 * 1024 }), encoding);
    const command = {
      regionId: request.regionId,
      name: params.string('Name', { maxLength: 128 }) ?? `RunCommand-${new Date().toISOString()}`,
      description: params.string('Description', { maxLength: 512 }),
      type,
      content,
      workingDir: request.workingDir,
      timeout: request.timeout,
      enableParameter: params.bool('EnableParameter') ?? false,
      kept: params.bool('KeepCommand') ?? false,
    };
    const { commandId, invokeId } = await this.invoker.runCommand(command, request);
    return { CommandId: commandId, InvokeId: invokeId };
  }

  @RpcAction('DescribeInvocations', 'read')
  async describeInvocations({ params }: RpcContext): Promise<object> {
    const regionId = params.requiredString('RegionId');
    const timed = params.bool('Timed');
    const filter = {
      regionId,
      invokeId: params.string('InvokeId', ID),
      commandId: params.string('CommandId', ID),
      commandName: params.string('CommandName', { maxLength: 128 }),
      commandType: params.oneOf('CommandType', COMMAND_TYPES),
      repeatMode: params.oneOf('RepeatMode', ['Once', 'Period'] as const) ?? (timed === undefined ? undefined : timed ? ('Period' as const) : ('Once' as const)),
      status: params.oneOf('InvocationStatus', INVOCATION_STATUSES) ?? legacyInvokeStatusFilter(params),
      instanceId: params.string('InstanceId', ID),
    };
    const options = { encoding: readContentEncoding(params), includeOutput: params.bool('IncludeOutput') ?? false };
    const paging = readPaging(params, { defaultSize: 10, maxSize: 50 });
    await this.regions.assertExists(regionId);
    const { invocations, runs, total, nextKey } = await this.invocations.list(filter, paging, { includeOutput: options.includeOutput });
    return {
      Invocations: {
        Invocation: invocations.map((i) => presentInvocation(i, runs.filter((r) => r.invokeId === i.invokeId), options)),
      },
      ...pageFields(paging, total, invocations.length, nextKey),
    };
  }

  @RpcAction('DescribeInvocationResults', 'read')
  async describeInvocationResults({ params }: RpcContext): Promise<object> {
    const regionId = params.requiredString('RegionId');
    const filter = {
      regionId,
      invokeId: params.string('InvokeId', ID),
      instanceId: params.string('InstanceId', ID),
      commandId: params.string('CommandId', ID),
      statuses: recordStatusFilter(params),
      includeHistory: params.bool('IncludeHistory') ?? false,
    };
    const encoding = readContentEncoding(params);
    const paging = readPaging(params, { defaultSize: 10, maxSize: 50 });
    await this.regions.assertExists(regionId);
    const { rows, total, nextKey } = await this.invocations.results(filter, paging);
    return {
      Invocation: {
        InvocationResults: { InvocationResult: rows.map((row) => presentInvocationResult(row, row, encoding)) },
        ...pageFields(paging, total, rows.length, nextKey),
      },
    };
  }

  @RpcAction('StopInvocation', 'write')
  async stopInvocation({ params }: RpcContext): Promise<object> {
    const regionId = params.requiredString('RegionId');
    const invokeId = params.requiredString('InvokeId', ID);
    const instanceIds = params.list(undefined, 'InstanceId');
    await this.regions.assertExists(regionId);
    await this.invocations.stop(regionId, invokeId, instanceIds);
    return {};
  }
}

/**
 * InvokeCommand's parameters, in the documented order: the missing ones first (RegionId,
 * InstanceIds, CommandId, Frequency), then malformed values; region, command and instances
 * are checked against the database afterwards by the service.
 */
export function readInvokeRequest(params: RpcParams, options: { commandIdRequired: boolean } = { commandIdRequired: true }): InvokeRequest {
  if (!params.has('RegionId')) throw ApiError.missing('RegionId');
  const instanceIds = params.list('InstanceIds', 'InstanceId', { code: 'InvalidParameter.InstanceIds' });
  if (!instanceIds || instanceIds.length === 0 || instanceIds.every((id) => id.trim() === '')) {
    throw ApiError.missing('InstanceIds');
  }
  if (options.commandIdRequired && !params.has('CommandId')) throw ApiError.missing('CommandId');
  const repeatMode = readRepeatMode(params);
  if (repeatMode === 'Period' && !params.has('Frequency')) throw ApiError.missing('Frequency');

  const idPattern = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
  if (instanceIds.some((id) => !idPattern.test(id))) {
    throw ApiError.invalid('InstanceIds', 'each instance id must be 1-64 letters, digits or -_.:', 'InvalidInstanceId.Malformed');
  }
  return {
    regionId: params.requiredString('RegionId', { maxLength: 32 }),
    instanceIds,
    commandId: options.commandIdRequired ? params.requiredString('CommandId', ID) : '',
    repeatMode,
    frequency: repeatMode === 'Period' ? params.requiredString('Frequency', { maxLength: 256, code: 'InvalidParam.Frequency' }) : undefined,
    timeout: readTimeout(params),
    workingDir: params.string('WorkingDir', { maxLength: 200 }),
    username: params.string('Username', { maxLength: 255, pattern: /^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/, code: 'InvalidParam.Username' }),
    parameters: params.jsonObject('Parameters', { code: 'InvalidParameter.Parameters' }),
    clientToken: params.string('ClientToken', { maxLength: 64, pattern: /^[\x21-\x7e]+$/, code: 'InvalidParam.ClientToken' }),
    misfirePolicy: params.oneOf('MisfirePolicy', ['FireOnceNow', 'Skip'] as const, { code: 'InvalidParam.MisfirePolicy' }),
  };
}

/** `Timed=true` (seed) and `RepeatMode=Period` (newer API) mean the same; they must agree. */
function readRepeatMode(params: RpcParams): RepeatMode {
  const timed = params.bool('Timed', { code: 'InvalidParam.Timed' });
  const repeatMode = params.oneOf('RepeatMode', ['Once', 'Period'] as const, { code: 'InvalidParam.RepeatMode' });
  if (timed !== undefined && repeatMode !== undefined && timed !== (repeatMode === 'Period')) {
    throw new ApiError('InvalidParam.RepeatMode', 'RepeatMode contradicts Timed.');
  }
  return repeatMode ?? (timed ? 'Period' : 'Once');
}

/** Alibaba's older record statuses, still sent by old tools as InvokeRecordStatus, and what they cover. */
const LEGACY_RECORD_STATUSES: Record<string, RecordStatus[]> = {
  Running: ['Pending', 'Running'],
  Finished: ['Success'],
  Failed: ['Failed', 'Timeout', 'Aborted', 'Error', 'Invalid'],
  Stopped: ['Cancelled', 'Terminated'],
};

function recordStatusFilter(params: RpcParams): RecordStatus[] | undefined {
  const value = params.oneOf('InvokeRecordStatus', [...new Set([...RECORD_STATUSES, ...Object.keys(LEGACY_RECORD_STATUSES)])]);
  if (value === undefined) return undefined;
  return LEGACY_RECORD_STATUSES[value] ?? [value as RecordStatus];
}

/** The deprecated InvokeStatus filter (Finished/Failed/PartialFinished/Stopped/Running). */
function legacyInvokeStatusFilter(params: RpcParams): InvocationStatus | undefined {
  const value = params.oneOf('InvokeStatus', [...INVOCATION_STATUSES, 'Finished', 'PartialFinished'] as const);
  if (value === 'Finished') return 'Success';
  if (value === 'PartialFinished') return 'PartialFailed';
  return value;
}

