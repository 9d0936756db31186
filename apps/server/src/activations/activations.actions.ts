import { Injectable } from '@nestjs/common';
import { INSTANCE_ID_PATTERN } from '@ca/protocol';
import { ApiError } from '../common/api-error';
import { isoTime, pageFields } from '../common/paging';
import { readPaging } from '../rpc/rpc-paging';
import { RpcAction, RpcContext } from '../rpc/rpc-action.decorator';
import { RpcParams } from '../rpc/rpc-params';
import { RegionsService } from '../regions/regions.service';
import { ActivationEntity } from './activation.entity';
import { activationExpiresAt, ActivationsService } from './activations.service';

const OCTET = '(?:25[0-5]|2[0-4]\\d|[01]?\\d?\\d)';
const ADDRESS_OR_CIDR = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}(?:/(?:3[0-2]|[0-2]?\\d))?$`);
const MAX_ACTIVATION_INSTANCES = 100;

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
      instanceIds: activationInstanceIds(params),
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
    InstanceIds: { InstanceId: a.instanceIds ?? [] },
    CreationTime: isoTime(a.createdAt),
    ExpiredTime: isoTime(activationExpiresAt(a)),
  };
}

/** `InstanceIds` (JSON) or `InstanceId.N`: the instances an activation is limited to, if any. */
function activationInstanceIds(params: RpcParams): string[] | undefined {
  const ids = params.list('InstanceIds', 'InstanceId');
  if (ids === undefined) return undefined;
  if (ids.length === 0) throw ApiError.invalid('InstanceIds', 'must list at least one instance');
  if (ids.length > MAX_ACTIVATION_INSTANCES) throw new ApiError('InstanceIds.ExceedLimit', `An activation can list at most ${MAX_ACTIVATION_INSTANCES} instances.`);
  for (const id of ids) {
    if (typeof id !== 'string' || id.length > 64 || !INSTANCE_ID_PATTERN.test(id)) throw ApiError.invalid('InstanceIds', 'an instance id is malformed', 'InvalidInstanceId.Malformed');
  }
  if (new Set(ids).size !== ids.length) throw new ApiError('InstanceIds.Duplicated');
  return ids;
}
