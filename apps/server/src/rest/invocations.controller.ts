import { Get, HttpCode, Post } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { z } from 'zod';
import { ApiError } from '../common/api-error';
import { InvocationsService } from '../invocations/invocations.service';
import { InvokeCommandService } from '../invocations/invoke-command.service';
import { RegionQuery } from './commands.schemas';
import { toInvocationDetailDto, toInvocationDto, toResultDto } from './invocations.presenter';
import {
  InvocationDetail,
  InvocationDetailDto,
  InvocationDto,
  InvocationList,
  InvocationResultDto,
  InvocationResultList,
  invokeIdParam,
  Invoked,
  InvokeRequest,
  ListInvocationsQuery,
  ListResultsQuery,
  StopRequest,
} from './invocations.schemas';
import { RestBody, RestErrors, RestParam, RestQuery, RestResponse } from './openapi';
import { Page, page, RestResource, toPaging } from './rest-common';

const INVOKE_ID = ['invokeId', invokeIdParam, 'The invocation (t-…)'] as const;
const NOT_FOUND = { 404: 'InvalidRegionId.NotFound, InvalidInvokeId.NotFound' } as const;

/** InvokeCommand, DescribeInvocations, DescribeInvocationResults and StopInvocation as resources. */
@RestResource('invocations', 'invocations')
export class InvocationsRestController {
  constructor(
    private readonly invoker: InvokeCommandService,
    private readonly invocations: InvocationsService,
  ) {}

  @Get()
  @ApiOperation({ operationId: 'listInvocations', summary: 'Invocations, newest first' })
  @RestResponse(200, InvocationList, 'A page of invocations')
  @RestErrors({ 400: 'A malformed filter, time or paging value', 404: 'InvalidRegionId.NotFound' })
  async list(@RestQuery(ListInvocationsQuery) query: z.output<typeof ListInvocationsQuery>): Promise<Page<InvocationDto>> {
    const paging = toPaging(query);
    const { invocations, runs, total, nextKey } = await this.invocations.list(
      {
        regionId: query.regionId,
        commandId: query.commandId,
        instanceId: query.instanceId,
        status: query.status,
        repeatMode: query.timed === undefined ? undefined : query.timed ? 'Period' : 'Once',
        createdSince: query.since === undefined ? undefined : new Date(query.since),
        createdUntil: query.until === undefined ? undefined : new Date(query.until),
      },
      paging,
    );
    return page(
      invocations.map((invocation) => toInvocationDto(invocation, runs)),
      paging,
      total,
      nextKey,
    );
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({ operationId: 'invokeCommand', summary: 'Run a command on instances, now or on a schedule (InvokeCommand)' })
  @RestResponse(201, Invoked, 'Recorded; the runs are dispatched (or scheduled)')
  @RestErrors({
    400: 'As InvokeCommand: MissingParameter.InstanceIds/CommandId/Frequency, InvalidParam.Frequency, InstanceIds.ExceedLimit, InstanceIds.Duplicated, InvalidInstance.NotVpc, InvalidInstanceStatus, InvalidInstance.NoClient, InvalidParameter.Parameters, CmdContent.ExceedLimit (the content with its parameters filled in is over 24 KB), …',
    403: 'Forbidden.RAM (readonly key), IdempotentParameterMismatch (clientToken reused for another request)',
    404: 'InvalidRegionId.NotFound, InvalidCmdId.NotFound, InvalidInstance.NotFound',
  })
  async invoke(
    @RestQuery(RegionQuery, { regionCheckedBy: 'the service' }) { regionId }: z.output<typeof RegionQuery>,
    @RestBody(InvokeRequest, { required: true }) body: z.output<typeof InvokeRequest>,
  ): Promise<z.output<typeof Invoked>> {
    const { timed, parameters, ...rest } = body;
    const invokeId = await this.invoker.invoke({
      ...rest,
      regionId,
      repeatMode: (timed ?? body.frequency !== undefined) ? 'Period' : 'Once',
      parameters: parameters === undefined ? undefined : Object.fromEntries(Object.entries(parameters).map(([name, value]) => [name, String(value)])),
    });
    return { invokeId };
  }

  @Get(':invokeId')
  @ApiOperation({ operationId: 'getInvocation', summary: 'One invocation, with each instance’s latest run' })
  @RestResponse(200, InvocationDetail, 'The invocation')
  @RestErrors(NOT_FOUND)
  async get(@RestQuery(RegionQuery) { regionId }: z.output<typeof RegionQuery>, @RestParam(...INVOKE_ID) invokeId: string): Promise<InvocationDetailDto> {
    return this.find(regionId, invokeId);
  }

  @Post(':invokeId/stop')
  @HttpCode(200)
  @ApiOperation({ operationId: 'stopInvocation', summary: 'Stop an invocation: no further fires, pending runs cancelled, running ones killed' })
  @RestResponse(200, InvocationDetail, 'The invocation after the stop (running runs end as Terminated shortly after)')
  @RestErrors({
    400: 'A malformed instance id',
    404: 'InvalidRegionId.NotFound, InvalidInvokeId.NotFound, InvalidInstanceId.NotFound (not a target of this invocation)',
  })
  async stop(
    @RestQuery(RegionQuery) { regionId }: z.output<typeof RegionQuery>,
    @RestParam(...INVOKE_ID) invokeId: string,
    @RestBody(StopRequest, { required: false }) body: z.output<typeof StopRequest>,
  ): Promise<InvocationDetailDto> {
    await this.invocations.stop(regionId, invokeId, body.instanceIds);
    return this.find(regionId, invokeId);
  }

  @Get(':invokeId/results')
  @ApiOperation({ operationId: 'listInvocationResults', summary: 'Every run of an invocation (a timed one’s whole history), newest first, output decoded' })
  @RestResponse(200, InvocationResultList, 'A page of runs')
  @RestErrors({ 400: 'A malformed filter or paging value', ...NOT_FOUND })
  async results(
    @RestQuery(ListResultsQuery) query: z.output<typeof ListResultsQuery>,
    @RestParam(...INVOKE_ID) invokeId: string,
  ): Promise<Page<InvocationResultDto>> {
    const paging = toPaging(query);
    const filter = { regionId: query.regionId, invokeId, instanceId: query.instanceId, statuses: query.status && [query.status], includeHistory: true };
    const { rows, total, nextKey } = await this.invocations.results(filter, paging);
    if (total === 0) await this.find(query.regionId, invokeId);
    return page(rows.map(toResultDto), paging, total, nextKey);
  }

  /** DescribeInvocations' read, filtered to the one id. */
  private async find(regionId: string, invokeId: string): Promise<InvocationDetailDto> {
    const { invocations, runs } = await this.invocations.list({ regionId, invokeId }, { offset: 0, limit: 1, pageNumber: 1 });
    if (invocations.length === 0) throw new ApiError('InvalidInvokeId.NotFound');
    return toInvocationDetailDto(invocations[0], runs);
  }
}
