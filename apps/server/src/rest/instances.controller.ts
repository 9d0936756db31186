import { Get } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { ApiError } from '../common/api-error';
import { InstanceEntity } from '../instances/instance.entity';
import { describeCloudAssistantStatus } from '../instances/cloud-assistant-status';
import { InstancesService } from '../instances/instances.service';
import { RegionQuery } from './commands.schemas';
import { AgentStatus, Instance, InstanceDto, instanceIdParam, InstanceList, ListInstancesQuery, toInstanceDto } from './instances.schemas';
import { RestErrors, RestParam, RestQuery, RestResponse } from './openapi';
import { Page, page, RestResource, toPaging } from './rest-common';

/** The inventory (DescribeInstances) with what DescribeCloudAssistantStatus knows of each agent. */
@RestResource('instances', 'instances')
export class InstancesRestController {
  constructor(
    private readonly instances: InstancesService,
    private readonly dataSource: DataSource,
  ) {}

  @Get()
  @ApiOperation({ operationId: 'listInstances', summary: 'Instances of a region, oldest first' })
  @RestResponse(200, InstanceList, 'A page of instances')
  @RestErrors({ 400: 'A malformed filter or paging value (InvalidInstanceId.Malformed, InvalidParam.PageSize, …)', 404: 'InvalidRegionId.NotFound' })
  async list(@RestQuery(ListInstancesQuery) query: z.output<typeof ListInstancesQuery>): Promise<Page<InstanceDto>> {
    const paging = toPaging(query);
    const { instances, total } = await this.instances.list(query.regionId, query.instanceIds, paging, { status: query.status });
    return page(await this.withAgentStatus(query.regionId, instances), paging, total);
  }

  @Get(':instanceId')
  @ApiOperation({ operationId: 'getInstance', summary: 'One instance' })
  @RestResponse(200, Instance, 'The instance')
  @RestErrors({ 404: 'InvalidRegionId.NotFound, InvalidInstanceId.NotFound' })
  async get(
    @RestQuery(RegionQuery) { regionId }: z.output<typeof RegionQuery>,
    @RestParam('instanceId', instanceIdParam, 'The instance (i-… or mi-…)') instanceId: string,
  ): Promise<InstanceDto> {
    const { instances } = await this.instances.list(regionId, [instanceId], { offset: 0, limit: 1, pageNumber: 1 });
    if (instances.length === 0) throw new ApiError('InvalidInstanceId.NotFound');
    const [dto] = await this.withAgentStatus(regionId, instances);
    return dto;
  }

  private async withAgentStatus(regionId: string, instances: InstanceEntity[]): Promise<InstanceDto[]> {
    if (instances.length === 0) return [];
    const instanceIds = instances.map((i) => i.instanceId);
    const { rows } = await describeCloudAssistantStatus(this.dataSource, { regionId, instanceIds }, { offset: 0, limit: instanceIds.length, pageNumber: 1 });
    const byId = new Map((rows as AgentStatus[]).map((row) => [row.InstanceId, row]));
    return instances.map((instance) => toInstanceDto(instance, byId.get(instance.instanceId)));
  }
}
