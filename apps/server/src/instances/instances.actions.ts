import { Injectable } from '@nestjs/common';
import { INSTANCE_ID_PATTERN } from '@ca/protocol';
import { DataSource } from 'typeorm';
import { ApiError } from '../common/api-error';
import { isoTime, pageFields } from '../common/paging';
import { readPaging } from '../rpc/rpc-paging';
import { RpcAction, RpcContext } from '../rpc/rpc-action.decorator';
import { RegionsService } from '../regions/regions.service';
import { INSTANCE_STATUSES, InstanceEntity, NETWORK_TYPES, OS_TYPES } from './instance.entity';
import { describeCloudAssistantStatus } from './cloud-assistant-status';
import { InstancesService } from './instances.service';

const INSTANCE_ID = { maxLength: 64, pattern: INSTANCE_ID_PATTERN, code: 'InvalidInstanceId.Malformed' };

/** This service's own inventory actions: admin-only writes, like the rest. */
@Injectable()
export class InstancesActions {
  constructor(
    private readonly instances: InstancesService,
    private readonly regions: RegionsService,
    private readonly dataSource: DataSource,
  ) {}

  @RpcAction('RegisterInstance', 'write')
  async registerInstance({ params }: RpcContext): Promise<object> {
    const regionId = params.requiredString('RegionId');
    const input = {
      regionId,
      instanceId: params.string('InstanceId', INSTANCE_ID),
      instanceName: params.string('InstanceName', { maxLength: 128 }),
      networkType: params.oneOf('InstanceNetworkType', NETWORK_TYPES, { caseInsensitive: true }),
      status: params.oneOf('Status', INSTANCE_STATUSES),
      osType: params.oneOf('OSType', OS_TYPES, { caseInsensitive: true }),
    };
    await this.regions.assertExists(regionId);
    return { InstanceId: await this.instances.register(input) };
  }

  @RpcAction('DeregisterInstance', 'write')
  async deregisterInstance({ params }: RpcContext): Promise<object> {
    await this.instances.deregister(params.requiredString('InstanceId', INSTANCE_ID));
    return {};
  }

  /**
   * Alibaba's DeregisterManagedInstance, for `mi-` and inventory `i-` instances alike: detaches
   * the agent (revokes its credential, clears the binding) so that the instance can be registered
   * again. It is the only way to replace an instance's agent; registration refuses a bound one.
   */
  @RpcAction('DeregisterManagedInstance', 'write')
  async deregisterManagedInstance({ params }: RpcContext): Promise<object> {
    const regionId = params.requiredString('RegionId');
    const instanceId = params.requiredString('InstanceId', INSTANCE_ID);
    await this.regions.assertExists(regionId);
    return { Instance: describeDetached(await this.instances.detachAgent(regionId, instanceId)) };
  }

  @RpcAction('DescribeInstances', 'read')
  async describeInstances({ params }: RpcContext): Promise<object> {
    const regionId = params.requiredString('RegionId');
    const ids = params.list('InstanceIds', 'InstanceId');
    const paging = readPaging(params, { defaultSize: 10, maxSize: 100 });
    await this.regions.assertExists(regionId);
    const { instances, total } = await this.instances.list(regionId, ids, paging);
    return { Instances: { Instance: instances.map(describeInstance) }, ...pageFields(paging, total, instances.length) };
  }

  @RpcAction('DescribeCloudAssistantStatus', 'read')
  async describeCloudAssistantStatus({ params }: RpcContext): Promise<object> {
    const regionId = params.requiredString('RegionId');
    const instanceIds = params.list(undefined, 'InstanceId');
    if (instanceIds && instanceIds.length > 50) throw new ApiError('InstanceIds.ExceedLimit');
    const osType = params.oneOf('OSType', OS_TYPES, { caseInsensitive: true });
    const paging = readPaging(params, { defaultSize: 10, maxSize: 50 });
    await this.regions.assertExists(regionId);
    const { rows, total } = await describeCloudAssistantStatus(this.dataSource, { regionId, instanceIds, osType }, paging);
    return { InstanceCloudAssistantStatusSet: { InstanceCloudAssistantStatus: rows }, ...pageFields(paging, total, rows.length) };
  }
}

function describeInstance(i: InstanceEntity): object {
  return {
    InstanceId: i.instanceId,
    RegionId: i.regionId,
    InstanceName: i.instanceName,
    InstanceNetworkType: i.networkType,
    Status: i.status,
    OSType: i.osType,
    CloudAssistantClient: i.agentRegisteredAt !== null,
    AgentVersion: i.agentVersion ?? '',
    Hostname: i.agentHostname ?? '',
    LastHeartbeatTime: isoTime(i.lastHeartbeatAt),
    ActivationId: i.activationId ?? '',
    CreationTime: isoTime(i.createdAt),
  };
}

/** DeregisterManagedInstance's Instance: the instance as it was bound, in Alibaba's field names. */
export function describeDetached(i: InstanceEntity): object {
  return {
    InstanceId: i.instanceId,
    InstanceName: i.instanceName,
    ActivationId: i.activationId ?? '',
    AgentVersion: i.agentVersion ?? '',
    Hostname: i.agentHostname ?? '',
    OsType: i.osType,
    RegistrationTime: isoTime(i.agentRegisteredAt),
  };
}
