import { Injectable } from '@nestjs/common';
import { isoTime, pageFields } from '../common/paging';
import { RpcAction, RpcContext } from '../actions/rpc-action.decorator';
import { ActivationEntity } from './activation.entity';
import { CreateActivationInput, DescribeActivationsInput, OneActivationInput } from './activations.input';
import { activationExpiresAt, ActivationsService } from './activations.service';

/** Activations: the codes agents register with (Alibaba's managed-instance activations). */
@Injectable()
export class ActivationsActions {
  constructor(private readonly activations: ActivationsService) {}

  @RpcAction('CreateActivation', 'write', { input: CreateActivationInput, region: 'required' })
  async createActivation({ input }: RpcContext<CreateActivationInput>): Promise<object> {
    const { activationId, activationCode } = await this.activations.create({
      regionId: input.RegionId,
      instanceName: input.InstanceName,
      instanceCount: input.InstanceCount,
      timeToLiveInHours: input.TimeToLiveInHours,
      ipAddressRange: input.IpAddressRange,
      description: input.Description,
      instanceIds: input.InstanceIds,
    });
    return { ActivationId: activationId, ActivationCode: activationCode };
  }

  @RpcAction('DescribeActivations', 'read', { input: DescribeActivationsInput, region: 'required' })
  async describeActivations({ input }: RpcContext<DescribeActivationsInput>): Promise<object> {
    const { activations, total } = await this.activations.list(input.RegionId, input.ActivationId, input.Paging);
    return { ActivationList: activations.map(describeActivation), ...pageFields(input.Paging, total, activations.length) };
  }

  @RpcAction('DisableActivation', 'write', { input: OneActivationInput, region: 'required' })
  async disableActivation({ input }: RpcContext<OneActivationInput>): Promise<object> {
    return { Activation: describeActivation(await this.activations.disable(input.RegionId, input.ActivationId)) };
  }

  @RpcAction('DeleteActivation', 'write', { input: OneActivationInput, region: 'required' })
  async deleteActivation({ input }: RpcContext<OneActivationInput>): Promise<object> {
    return { Activation: describeActivation(await this.activations.delete(input.RegionId, input.ActivationId)) };
  }
}

function describeActivation(a: ActivationEntity): object {
  return {
    ActivationId: a.activationId,
    InstanceName: a.instanceName,
    InstanceCount: a.instanceCount,
    RegisteredCount: a.registeredCount,
    DeregisteredCount: a.deregisteredCount,
    TimeToLiveInHours: a.timeToLiveInHours,
    IpAddressRange: a.ipAddressRange,
    Description: a.description,
    Disabled: a.disabled,
    InstanceIds: { InstanceId: a.instanceIds ?? [] },
    CreationTime: isoTime(a.createdAt),
    ExpiredTime: isoTime(activationExpiresAt(a)),
  };
}
