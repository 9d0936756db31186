import { Injectable } from '@nestjs/common';
import { newInstanceId } from '@ca/protocol';
import { DataSource, EntityManager, FindOptionsWhere, In } from 'typeorm';
import { ApiError } from '../common/api-error';
import { AccessKeyEntity } from '../auth/access-key.entity';
import { AccessKeysService } from '../auth/access-keys.service';
import { Paging } from '../common/paging';
import { InstanceEntity, InstanceStatus, NetworkType, OsType } from './instance.entity';

export interface InstanceRegistration {
  regionId: string;
  instanceId?: string;
  instanceName?: string;
  networkType?: NetworkType;
  status?: InstanceStatus;
  osType?: OsType;
}

@Injectable()
export class InstancesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly accessKeys: AccessKeysService,
  ) {}

  /** Creates the instance, or updates the given fields of an existing one with that id. */
  async register(input: InstanceRegistration): Promise<string> {
    const instanceId = input.instanceId ?? newInstanceId();
    return this.dataSource.transaction(async (manager) => {
      const existing = await manager.findOne(InstanceEntity, { where: { instanceId }, lock: { mode: 'pessimistic_write' } });
      if (existing && existing.regionId !== input.regionId) {
        throw new ApiError('InvalidInstance.RegionMismatch', `Instance ${instanceId} is registered in region ${existing.regionId}.`);
      }
      const changes = Object.fromEntries(
        Object.entries({
          instanceName: input.instanceName,
          networkType: input.networkType,
          status: input.status,
          osType: input.osType,
        }).filter(([, v]) => v !== undefined),
      );
      if (existing) {
        await manager.update(InstanceEntity, { instanceId }, changes);
      } else {
        await manager.insert(InstanceEntity, { instanceId, regionId: input.regionId, ...changes });
      }
      return instanceId;
    });
  }

  async deregister(instanceId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const instance = await lockWithActivation(manager, { instanceId });
      if (!instance) throw new ApiError('InvalidInstance.NotFound');
      // Its agent's credential dies with it (FK cascade), and a managed instance frees its activation slot's count.
      if (instance.activationId) {
        await manager.query('UPDATE activations SET deregistered_count = deregistered_count + 1 WHERE activation_id = $1', [instance.activationId]);
      }
      const agentKeys = await manager.find(AccessKeyEntity, { where: { instanceId }, select: { accessKeyId: true } });
      await manager.delete(InstanceEntity, { instanceId });
      await this.accessKeys.announceRevoked(
        manager,
        agentKeys.map((k) => k.accessKeyId),
      );
    });
  }

  /**
   * Detaches the agent from an instance: its agent keys are revoked (every process drops them
   * from its cache) and the binding is cleared, so that a new agent may register on it. The
   * instance, its history and its queued work stay. Returns the instance as it was bound.
   */
  async detachAgent(regionId: string, instanceId: string): Promise<InstanceEntity> {
    return this.dataSource.transaction(async (manager) => {
      const instance = await lockWithActivation(manager, { instanceId, regionId });
      if (!instance) throw new ApiError('InvalidInstance.NotFound');
      const agentKeys = await manager.find(AccessKeyEntity, { where: { instanceId, role: 'agent' }, select: { accessKeyId: true } });
      if (instance.agentRegisteredAt === null && agentKeys.length === 0) throw new ApiError('InvalidInstance.NoAgentRegistered');
      if (instance.activationId) {
        await manager.query('UPDATE activations SET deregistered_count = deregistered_count + 1 WHERE activation_id = $1', [instance.activationId]);
      }
      await manager.delete(AccessKeyEntity, { instanceId, role: 'agent' });
      await manager.update(
        InstanceEntity,
        { instanceId },
        {
          agentRegisteredAt: null,
          agentVersion: null,
          agentHostname: null,
          lastHeartbeatAt: null,
          activationId: null,
        },
      );
      await this.accessKeys.announceRevoked(
        manager,
        agentKeys.map((k) => k.accessKeyId),
      );
      return instance;
    });
  }

  async list(
    regionId: string,
    instanceIds: string[] | undefined,
    paging: Paging,
    filter: { status?: InstanceStatus } = {},
  ): Promise<{ instances: InstanceEntity[]; total: number }> {
    const where: FindOptionsWhere<InstanceEntity> = instanceIds ? { regionId, instanceId: In(instanceIds) } : { regionId };
    if (filter.status) where.status = filter.status;
    const [instances, total] = await this.dataSource.manager.findAndCount(InstanceEntity, {
      where,
      order: { createdAt: 'ASC', instanceId: 'ASC' },
      skip: paging.offset,
      take: paging.limit,
    });
    return { instances, total };
  }

  /** The instances of `regionId` among `instanceIds`, locked against concurrent change. */
  async findForInvocation(manager: EntityManager, regionId: string, instanceIds: string[]): Promise<InstanceEntity[]> {
    return manager.find(InstanceEntity, { where: { regionId, instanceId: In(instanceIds) }, lock: { mode: 'pessimistic_read' } });
  }
}

/**
 * Locks an instance for a change that also updates its activation, in the order agent
 * registration takes them (the activation, then the instance), so the two never deadlock. The
 * activation is read first without a lock; if a registration changed it in between, again.
 */
async function lockWithActivation(manager: EntityManager, where: FindOptionsWhere<InstanceEntity>): Promise<InstanceEntity | null> {
  for (;;) {
    const seen = await manager.findOne(InstanceEntity, { where, select: { instanceId: true, activationId: true } });
    if (!seen) return null;
    if (seen.activationId) {
      await manager.query('SELECT 1 FROM activations WHERE activation_id = $1 FOR UPDATE', [seen.activationId]);
    }
    const instance = await manager.findOne(InstanceEntity, { where, lock: { mode: 'pessimistic_write' } });
    if (!instance || instance.activationId === seen.activationId) return instance;
  }
}
