import { z } from 'zod';
import { anyRegionId, catalogued, instanceId, oneOf, text, withCode } from '../common/fields';
import type { Paging } from '../common/paging';
import { derived, readPagingInto, rpcInput } from '../actions/rpc-input';
import { INSTANCE_STATUSES, NETWORK_TYPES, OS_TYPES } from './instance.entity';

/** An instance named by a client: a malformed one (too long included) is InvalidInstanceId.Malformed. */
const namedInstance = () => withCode(instanceId(), 'InvalidInstanceId.Malformed');
/** A label for people; the inventory and activations share it. */
export const instanceName = () => text(128);
const osType = () => oneOf(OS_TYPES, { caseInsensitive: true });
export const MAX_STATUS_INSTANCES = 50;

const registerInstance = z.object({
  RegionId: anyRegionId(),
  InstanceId: namedInstance().optional(),
  InstanceName: instanceName().optional(),
  InstanceNetworkType: oneOf(NETWORK_TYPES, { caseInsensitive: true }).optional(),
  Status: oneOf(INSTANCE_STATUSES).optional(),
  OSType: osType().optional(),
});
export const RegisterInstanceInput = rpcInput(registerInstance);
export type RegisterInstanceInput = z.output<typeof registerInstance>;

const deregisterInstance = z.object({ InstanceId: namedInstance() });
export const DeregisterInstanceInput = rpcInput(deregisterInstance);
export type DeregisterInstanceInput = z.output<typeof deregisterInstance>;

const deregisterManagedInstance = z.object({ RegionId: anyRegionId(), InstanceId: namedInstance() });
export const DeregisterManagedInstanceInput = rpcInput(deregisterManagedInstance);
export type DeregisterManagedInstanceInput = z.output<typeof deregisterManagedInstance>;

const describeInstances = z.object({
  RegionId: anyRegionId(),
  InstanceIds: z.array(z.string()).optional(),
  Paging: derived<Paging>(),
});
export const DescribeInstancesInput = rpcInput(describeInstances, {
  order: ['RegionId', 'InstanceIds', readPagingInto({ defaultSize: 10, maxSize: 100 })],
});
export type DescribeInstancesInput = z.output<typeof describeInstances>;

const describeCloudAssistantStatus = z.object({
  RegionId: anyRegionId(),
  InstanceId: z
    .array(z.string())
    .max(MAX_STATUS_INSTANCES, { error: catalogued('InstanceIds.ExceedLimit') })
    .optional(),
  OSType: osType().optional(),
  Paging: derived<Paging>(),
});
export const DescribeCloudAssistantStatusInput = rpcInput(describeCloudAssistantStatus, {
  order: ['RegionId', 'InstanceId', 'OSType', readPagingInto({ defaultSize: 10, maxSize: 50 })],
  lists: { InstanceId: { repeated: 'InstanceId' } },
});
export type DescribeCloudAssistantStatusInput = z.output<typeof describeCloudAssistantStatus>;
