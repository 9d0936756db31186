import { Injectable } from '@nestjs/common';
import { isoTime, pageFields, readPaging } from '../api/paging';
import { RpcAction, RpcContext } from '../api/rpc-action.decorator';
import { RegionsService } from '../regions/regions.service';
import { ActivationEntity } from './activation.entity';
import { activationExpiresAt, ActivationsService } from './activations.service';

const OCTET = '(?:25[0-5]|2[0-4]\\d|[01]?\\d?\\d)';
const ADDRESS_OR_CIDR = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}(?:/(?:3[0-2]|[0-2]?\\d))?$`);

/** Activations: the codes agents register with (Alibaba's managed-instance activations). */
@Injectable()
export class ActivationsActions {
  constructor(
    private readonly activations: ActivationsService,
    private readonly regions: RegionsService,
  ) {}

  @RpcAction('CreateActivation', 'write')
  async createActivation({ params }: RpcContext): Promise<object> {
    const regionId = params.requiredString('RegionId');
    const input = {
      regionId,
      instanceName: params.string('InstanceName', { maxLength: 128 }),
      instanceCount: params.int('InstanceCount', { min: 1, max: 1000, code: 'ActivationLimitation.Invalid' }),
      timeToLiveInHours: params.int('TimeToLiveInHours', { min: 1, max: 24 * 365 }),
      ipAddressRange: params.string('IpAddressRange', { maxLength: 64, pattern: ADDRESS_OR_CIDR, code: 'AddressRange.InvalidPattern' }),
      description: params.string('Description', { maxLength: 100, code: 'ActivationDesc.ExceedLimit' }),
    };
    await this.regions.assertExists(regionId);
    const { activationId, activationCode } = await this.activations.create(input);
    return { ActivationId: activationId, ActivationCode: activationCode };
  }

  @RpcAction('DescribeActivations', 'read')
  async describeActivations({ params }: RpcContext): Promise<object> {
    const regionId = params.requiredString('RegionId');
    const activationId = params.string('ActivationId', { maxLength: 64 });
    const paging = readPaging(params, { defaultSize: 10, maxSize: 50 });
    await this.regions.assertExists(regionId);
    const { activations, total } = await this.activations.list(regionId, activationId, paging);
    return { ActivationList: activations.map(describeActivation), ...pageFields(paging, total, activations.length) };
  }

  @RpcAction('DisableActivation', 'write')
  async disableActivation({ params }: RpcContext): Promise<object> {
    const regionId = params.requiredString('RegionId');
    const activationId = params.requiredString('ActivationId', { maxLength: 64 });
    await this.regions.assertExists(regionId);
    return { Activation: describeActivation(await this.activations.disable(regionId, activationId)) };
  }

  @RpcAction('DeleteActivation', 'write')
  async deleteActivation({ params }: RpcContext): Promise<object> {
    const regionId = params.requiredString('RegionId');
    const activationId = params.requiredString('ActivationId', { maxLength: 64 });
    await this.regions.assertExists(regionId);
    return { Activation: describeActivation(await this.activations.delete(regionId, activationId)) };
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
    CreationTime: isoTime(a.createdAt),
    ExpiredTime: isoTime(activationExpiresAt(a)),
  };
}
