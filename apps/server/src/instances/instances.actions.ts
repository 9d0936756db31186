import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isoTime, pageFields } from '../common/paging';
import { RpcAction, RpcContext } from '../actions/rpc-action.decorator';
import { InstanceEntity } from './instance.entity';
import { describeCloudAssistantStatus } from './cloud-assistant-status';
import {
  DeregisterInstanceInput,
  DeregisterManagedInstanceInput,
  DescribeCloudAssistantStatusInput,
  DescribeInstancesInput,
  RegisterInstanceInput,
} from './instances.input';
import { InstancesService } from './instances.service';

/** This service's own inventory actions: admin-only writes, like the rest. */
@Injectable()
export class InstancesActions {
  constructor(
    private readonly instances: InstancesService,
    private readonly dataSource: DataSource,
  ) {}

  @RpcAction('RegisterInstance', 'write', { input: RegisterInstanceInput, region: 'required' })
  async registerInstance({ input }: RpcContext<RegisterInstanceInput>): Promise<object> {
    const instanceId = await this.instances.register({
      regionId: input.RegionId,
      instanceId: input.InstanceId,
      instanceName: input.InstanceName,
      networkType: input.InstanceNetworkType,
      status: input.Status,
      osType: input.OSType,
    });
    return { InstanceId: instanceId };
  }

  @RpcAction('DeregisterInstance', 'write', { input: DeregisterInstanceInput })
  async deregisterInstance({ input }: RpcContext<DeregisterInstanceInput>): Promise<object> {
    await this.instances.deregister(input.InstanceId);
    return {};
  }

  /**
   * Alibaba's DeregisterManagedInstance, for `mi-` and inventory `i-` instances alike: detaches
   * the agent (revokes its credential, clears the binding) so that the instance can be registered
   * again. It is the only way to replace an instance's agent; registration refuses a bound one.
   */
  @RpcAction('DeregisterManagedInstance', 'write', { input: DeregisterManagedInstanceInput, region: 'required' })
  async deregisterManagedInstance({ input }: RpcContext<DeregisterManagedInstanceInput>): Promise<object> {
    return { Instance: describeDetached(await this.instances.detachAgent(input.RegionId, input.InstanceId)) };
  }

  @RpcAction('DescribeInstances', 'read', { input: DescribeInstancesInput, region: 'required' })
  async describeInstances({ input }: RpcContext<DescribeInstancesInput>): Promise<object> {
    const { instances, total } = await this.instances.list(input.RegionId, input.InstanceIds, input.Paging);
    return { Instances: { Instance: instances.map(describeInstance) }, ...pageFields(input.Paging, total, instances.length) };
  }

  @RpcAction('DescribeCloudAssistantStatus', 'read', { input: DescribeCloudAssistantStatusInput, region: 'required' })
  async describeCloudAssistantStatus({ input }: RpcContext<DescribeCloudAssistantStatusInput>): Promise<object> {
    const filter = { regionId: input.RegionId, instanceIds: input.InstanceId, osType: input.OSType };
    const { rows, total } = await describeCloudAssistantStatus(this.dataSource, filter, input.Paging);
    return { InstanceCloudAssistantStatusSet: { InstanceCloudAssistantStatus: rows }, ...pageFields(input.Paging, total, rows.length) };
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
