import { z } from 'zod';
import { INSTANCE_STATUSES, InstanceEntity, NETWORK_TYPES, OS_TYPES } from '../instances/instance.entity';
import { responseSchema } from './openapi';
import { instanceId, text, withCode } from '../common/fields';
import { iso, isoTime, pageOf, pagingQuery, regionIdQuery } from './rest-common';

export const Instance = responseSchema(
  'Instance',
  z.object({
    instanceId: z.string(),
    regionId: z.string(),
    instanceName: z.string(),
    hostname: z.string().nullable().meta({ description: 'As its agent reported it; null before an agent registered' }),
    osType: z.enum(OS_TYPES),
    networkType: z.enum(NETWORK_TYPES),
    status: z.enum(INSTANCE_STATUSES).meta({ description: 'The machine’s state; only Running instances can be invoked' }),
    agentOnline: z.boolean().meta({ description: 'The agent’s heartbeats are arriving (as DescribeCloudAssistantStatus)' }),
    agentVersion: z.string().nullable(),
    agentRegisteredAt: isoTime().nullable(),
    lastHeartbeatAt: isoTime().nullable(),
    registeredAt: isoTime().meta({ description: 'When the instance entered the inventory' }),
    managed: z.boolean().meta({ description: 'A managed instance (mi-…): created by an agent registering with an activation' }),
    activationId: z.string().nullable(),
    activeTaskCount: z.number().int().meta({ description: 'Runs being run on it now (Running; as ActiveTaskCount)' }),
    invocationCount: z.number().int(),
    lastInvokedAt: isoTime().nullable(),
  }),
);
export type InstanceDto = z.output<typeof Instance>;

export const InstanceList = pageOf('InstanceList', Instance);

export const ListInstancesQuery = z.object({
  regionId: regionIdQuery,
  status: withCode(z.enum(INSTANCE_STATUSES).optional(), 'InvalidParameter.Status'),
  instanceIds: withCode(
    text(64 * 101)
      .transform((value) =>
        value
          .split(',')
          .map((id) => id.trim())
          .filter(Boolean),
      )
      .pipe(z.array(instanceId()).max(100))
      .optional()
      .meta({ description: 'Comma-separated instance ids (at most 100)' }),
    'InvalidParameter.InstanceIds',
  ),
  ...pagingQuery,
});

export const instanceIdParam = instanceId();

/** What DescribeCloudAssistantStatus says of one instance (cloud-assistant-status.ts). */
export interface AgentStatus {
  InstanceId: string;
  CloudAssistantStatus: string;
  ActiveTaskCount: number;
  InvocationCount: number;
  LastInvokedTime: string;
}

export function toInstanceDto(instance: InstanceEntity, status: AgentStatus | undefined): InstanceDto {
  return {
    instanceId: instance.instanceId,
    regionId: instance.regionId,
    instanceName: instance.instanceName,
    hostname: instance.agentHostname,
    osType: instance.osType,
    networkType: instance.networkType,
    status: instance.status,
    agentOnline: status?.CloudAssistantStatus === 'true',
    agentVersion: instance.agentVersion,
    agentRegisteredAt: iso(instance.agentRegisteredAt),
    lastHeartbeatAt: iso(instance.lastHeartbeatAt),
    registeredAt: iso(instance.createdAt),
    managed: instance.instanceId.startsWith('mi-'),
    activationId: instance.activationId,
    activeTaskCount: status?.ActiveTaskCount ?? 0,
    invocationCount: status?.InvocationCount ?? 0,
    lastInvokedAt: status?.LastInvokedTime ? new Date(status.LastInvokedTime).toISOString() : null,
  };
}
