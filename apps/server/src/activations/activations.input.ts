import { INSTANCE_ID_PATTERN } from '@ca/protocol';
import { z } from 'zod';
import { ApiError } from '../common/api-error';
import { anyRegionId, int, resourceId, text, withCode } from '../common/fields';
import type { Paging } from '../common/paging';
import { instanceName } from '../instances/instances.input';
import { derived, readPagingInto, rpcInput } from '../actions/rpc-input';

const OCTET = '(?:25[0-5]|2[0-4]\\d|[01]?\\d?\\d)';
const ADDRESS_OR_CIDR = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}(?:/(?:3[0-2]|[0-2]?\\d))?$`);
const MAX_ACTIVATION_INSTANCES = 100;

const createActivation = z.object({
  RegionId: anyRegionId(),
  InstanceName: instanceName().optional(),
  InstanceCount: withCode(int({ min: 1, max: 1000 }), 'ActivationLimitation.Invalid').optional(),
  TimeToLiveInHours: int({ min: 1, max: 24 * 365 }).optional(),
  IpAddressRange: withCode(text(64).regex(ADDRESS_OR_CIDR), 'AddressRange.InvalidPattern').optional(),
  Description: withCode(text(100), 'ActivationDesc.ExceedLimit').optional(),
  InstanceIds: z.array(z.string()).optional(),
});
export const CreateActivationInput = rpcInput(createActivation, {
  order: ['RegionId', 'InstanceName', 'InstanceCount', 'TimeToLiveInHours', 'IpAddressRange', 'Description', 'InstanceIds', checkInstanceIds],
});
export type CreateActivationInput = z.output<typeof createActivation>;

/** The instances an activation is limited to, if any: a short list of distinct well-formed ids. */
function checkInstanceIds({ InstanceIds: ids }: Partial<CreateActivationInput>): void {
  if (ids === undefined) return;
  if (ids.length === 0) throw ApiError.invalid('InstanceIds', 'must list at least one instance');
  if (ids.length > MAX_ACTIVATION_INSTANCES)
    throw new ApiError('InstanceIds.ExceedLimit', `An activation can list at most ${MAX_ACTIVATION_INSTANCES} instances.`);
  for (const id of ids) {
    if (id.length > 64 || !INSTANCE_ID_PATTERN.test(id)) throw ApiError.invalid('InstanceIds', 'an instance id is malformed', 'InvalidInstanceId.Malformed');
  }
  if (new Set(ids).size !== ids.length) throw new ApiError('InstanceIds.Duplicated');
}

const describeActivations = z.object({ RegionId: anyRegionId(), ActivationId: resourceId().optional(), Paging: derived<Paging>() });
export const DescribeActivationsInput = rpcInput(describeActivations, {
  order: ['RegionId', 'ActivationId', readPagingInto({ defaultSize: 10, maxSize: 50 })],
});
export type DescribeActivationsInput = z.output<typeof describeActivations>;

/** DisableActivation and DeleteActivation. */
const oneActivation = z.object({ RegionId: anyRegionId(), ActivationId: resourceId() });
export const OneActivationInput = rpcInput(oneActivation);
export type OneActivationInput = z.output<typeof oneActivation>;
