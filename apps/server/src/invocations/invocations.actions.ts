import { Injectable } from '@nestjs/common';
import { pageFields } from '../common/paging';
import { RpcAction, RpcContext } from '../actions/rpc-action.decorator';
import { presentInvocation, presentInvocationResult } from './invocation.presenter';
import { DescribeInvocationResultsInput, DescribeInvocationsInput, InvokeCommandInput, RunCommandInput, StopInvocationInput } from './invocations.input';
import { InvocationsService } from './invocations.service';
import { InvokeCommandService, InvokeRequest } from './invoke-command.service';

@Injectable()
export class InvocationsActions {
  constructor(
    private readonly invoker: InvokeCommandService,
    private readonly invocations: InvocationsService,
  ) {}

  /** The region is checked by the service, after the checks that need no database (as REST's invocations are). */
  @RpcAction('InvokeCommand', 'write', { spendsNonce: true, input: InvokeCommandInput })
  async invokeCommand({ input, nonce }: RpcContext<InvokeCommandInput>): Promise<object> {
    return { InvokeId: await this.invoker.invoke({ ...invokeRequest(input), commandId: input.CommandId }, nonce) };
  }

  /** RunCommand: a command created and invoked in one call (by default not kept in the catalogue). */
  @RpcAction('RunCommand', 'write', { input: RunCommandInput })
  async runCommand({ input }: RpcContext<RunCommandInput>): Promise<object> {
    const request = invokeRequest(input);
    const command = {
      regionId: input.RegionId,
      name: input.Name ?? `RunCommand-${new Date().toISOString()}`,
      description: input.Description,
      type: input.Type,
      content: input.Content,
      workingDir: request.workingDir,
      timeout: request.timeout,
      enableParameter: input.EnableParameter,
      kept: input.KeepCommand,
    };
    const { commandId, invokeId } = await this.invoker.runCommand(command, request);
    return { CommandId: commandId, InvokeId: invokeId };
  }

  @RpcAction('DescribeInvocations', 'read', { input: DescribeInvocationsInput, region: 'required' })
  async describeInvocations({ input }: RpcContext<DescribeInvocationsInput>): Promise<object> {
    const filter = {
      regionId: input.RegionId,
      invokeId: input.InvokeId,
      commandId: input.CommandId,
      commandName: input.CommandName,
      commandType: input.CommandType,
      repeatMode: input.RepeatMode ?? (input.Timed === undefined ? undefined : input.Timed ? ('Period' as const) : ('Once' as const)),
      status: input.InvocationStatus ?? input.InvokeStatus,
      instanceId: input.InstanceId,
    };
    const options = { encoding: input.ContentEncoding, includeOutput: input.IncludeOutput };
    const { invocations, runs, total, nextKey } = await this.invocations.list(filter, input.Paging, { includeOutput: options.includeOutput });
    return {
      Invocations: {
        Invocation: invocations.map((i) =>
          presentInvocation(
            i,
            runs.filter((r) => r.invokeId === i.invokeId),
            options,
          ),
        ),
      },
      ...pageFields(input.Paging, total, invocations.length, nextKey),
    };
  }

  @RpcAction('DescribeInvocationResults', 'read', { input: DescribeInvocationResultsInput, region: 'required' })
  async describeInvocationResults({ input }: RpcContext<DescribeInvocationResultsInput>): Promise<object> {
    const filter = {
      regionId: input.RegionId,
      invokeId: input.InvokeId,
      instanceId: input.InstanceId,
      commandId: input.CommandId,
      statuses: input.InvokeRecordStatus,
      includeHistory: input.IncludeHistory,
    };
    const { rows, total, nextKey } = await this.invocations.results(filter, input.Paging);
    return {
      Invocation: {
        InvocationResults: { InvocationResult: rows.map((row) => presentInvocationResult(row, row, input.ContentEncoding)) },
        ...pageFields(input.Paging, total, rows.length, nextKey),
      },
    };
  }

  @RpcAction('StopInvocation', 'write', { input: StopInvocationInput, region: 'required' })
  async stopInvocation({ input }: RpcContext<StopInvocationInput>): Promise<object> {
    await this.invocations.stop(input.RegionId, input.InvokeId, input.InstanceId);
    return {};
  }
}

/** What InvokeCommand and RunCommand ask the service to do, from their shared parameters. */
function invokeRequest(input: InvokeCommandInput | RunCommandInput): Omit<InvokeRequest, 'commandId'> {
  return {
    regionId: input.RegionId,
    instanceIds: input.InstanceIds,
    repeatMode: input.RepeatMode ?? 'Once',
    frequency: input.Frequency,
    timeout: input.Timeout,
    workingDir: input.WorkingDir,
    username: input.Username,
    parameters: input.Parameters,
    clientToken: input.ClientToken,
    misfirePolicy: input.MisfirePolicy,
  };
}
