import { Injectable } from '@nestjs/common';
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { DataSource, In } from 'typeorm';
import { ApiError } from '../common/api-error';
import { Paging } from '../common/paging';
import { InstanceEntity } from '../instances/instance.entity';
import { ActivationEntity } from './activation.entity';

export interface NewActivation {
  regionId: string;
  instanceName?: string;
  instanceCount?: number;
  timeToLiveInHours?: number;
  ipAddressRange?: string;
  description?: string;
  /** The only existing instances the activation may bind (each must exist in the region). */
  instanceIds?: string[];
}

export function hashActivationCode(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}

export function activationExpiresAt(activation: ActivationEntity): Date {
  return new Date(activation.createdAt.getTime() + activation.timeToLiveInHours * 3600_000);
}

@Injectable()
export class ActivationsService {
  constructor(private readonly dataSource: DataSource) {}

  async create(input: NewActivation): Promise<{ activationId: string; activationCode: string }> {
    const activationId = randomUUID().toUpperCase();
    const activationCode = `a-${randomBytes(24).toString('base64url')}`;
    if (input.instanceIds) await this.assertInstancesExist(input.regionId, input.instanceIds);
    await this.dataSource.manager.insert(ActivationEntity, {
      activationId,
      codeHash: hashActivationCode(activationCode),
      regionId: input.regionId,
      instanceName: input.instanceName ?? '',
      instanceCount: input.instanceCount ?? 10,
      timeToLiveInHours: input.timeToLiveInHours ?? 4,
      ipAddressRange: input.ipAddressRange ?? '0.0.0.0/0',
      description: input.description ?? '',
      instanceIds: input.instanceIds ?? null,
    });
    return { activationId, activationCode };
  }

  private async assertInstancesExist(regionId: string, instanceIds: string[]): Promise<void> {
    const found = await this.dataSource.manager.find(InstanceEntity, {
      where: { regionId, instanceId: In(instanceIds) },
      select: { instanceId: true },
    });
    const known = new Set(found.map((i) => i.instanceId));
    const missing = instanceIds.find((id) => !known.has(id));
    if (missing) throw new ApiError('InvalidInstance.NotFound', `The specified instance ${missing} does not exist in region ${regionId}.`);
  }

  async list(regionId: string, activationId: string | undefined, paging: Paging): Promise<{ activations: ActivationEntity[]; total: number }> {
    const [activations, total] = await this.dataSource.manager.findAndCount(ActivationEntity, {
      where: activationId ? { regionId, activationId } : { regionId },
      order: { createdAt: 'DESC', activationId: 'ASC' },
      skip: paging.offset,
      take: paging.limit,
    });
    return { activations, total };
  }

  async disable(regionId: string, activationId: string): Promise<ActivationEntity> {
    const activation = await this.dataSource.manager.findOneBy(ActivationEntity, { regionId, activationId });
    if (!activation) throw new ApiError('ActivationId.NotFound');
    await this.dataSource.manager.update(ActivationEntity, { activationId }, { disabled: true });
    return { ...activation, disabled: true };
  }

  async delete(regionId: string, activationId: string): Promise<ActivationEntity> {
    return this.dataSource.transaction(async (manager) => {
      const activation = await manager.findOne(ActivationEntity, { where: { regionId, activationId }, lock: { mode: 'pessimistic_write' } });
      if (!activation) throw new ApiError('ActivationId.NotFound');
      // Alibaba keeps an activation that registered instances: it is their provenance.
      if (activation.registeredCount > 0) throw new ApiError('ActivationId.InUse');
      await manager.delete(ActivationEntity, { activationId });
      return activation;
    });
  }
}

export function codeMatches(activation: ActivationEntity, code: string): boolean {
  const expected = Buffer.from(activation.codeHash, 'hex');
  const actual = createHash('sha256').update(code).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
