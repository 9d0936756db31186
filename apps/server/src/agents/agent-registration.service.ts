import { Injectable } from '@nestjs/common';
import { AGENT_LABEL_PATTERN, AgentRegisterRequest, INSTANCE_ID_PATTERN, newManagedInstanceId } from '@ca/protocol';
import { DataSource } from 'typeorm';
import { ActivationEntity } from '../activations/activation.entity';
import { activationExpiresAt, codeMatches } from '../activations/activations.service';
import { ApiError } from '../common/api-error';
import { AccessKeyEntity } from '../auth/access-key.entity';
import { AccessKeysService, IssuedAccessKey } from '../auth/access-keys.service';
import { InstanceEntity } from '../instances/instance.entity';
import { ipInCidr } from './ip-range';

/**
 * Turns an activation into a registered agent: a new managed `mi-…` instance, or an existing
 * inventory instance that has no agent yet. An instance that already has one is refused: binding
 * it would hand its queued commands (and its results) to whoever holds any activation code, so
 * replacing an agent takes an administrator's DeregisterManagedInstance first. An activation
 * created with InstanceIds binds only those instances. One transaction: the activation's slot,
 * the instance and the credential all commit, or none.
 */
@Injectable()
export class AgentRegistrationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly accessKeys: AccessKeysService,
  ) {}

  async register(request: AgentRegisterRequest, clientIp: string): Promise<{ instanceId: string } & IssuedAccessKey> {
    validate(request);
    return this.dataSource.transaction(async (manager) => {
      const activation = await manager.findOne(ActivationEntity, {
        where: { activationId: request.activationId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!activation || activation.regionId !== request.regionId) throw new ApiError('InvalidActivationId.NotFound');
      if (!codeMatches(activation, request.activationCode)) throw new ApiError('InvalidActivationCode.Mismatch');
      if (activation.disabled) throw new ApiError('Activation.Disabled');
      if (activationExpiresAt(activation).getTime() < Date.now()) throw new ApiError('Activation.Expired');
      if (activation.registeredCount >= activation.instanceCount) throw new ApiError('Activation.ExceedLimit');
      if (!ipInCidr(clientIp, activation.ipAddressRange)) {
        throw new ApiError('Activation.IpAddressNotAllowed', `The address ${clientIp} is outside the activation's range ${activation.ipAddressRange}.`);
      }
      if (activation.instanceIds && !(request.instanceId && activation.instanceIds.includes(request.instanceId))) {
        throw new ApiError(
          'Activation.InstanceNotAllowed',
          request.instanceId
            ? `The activation cannot register ${request.instanceId}: it is limited to its listed instances.`
            : 'The activation is limited to its listed instances: name one with InstanceId; it cannot create a managed instance.',
        );
      }

      const now = new Date();
      const agentFields = {
        agentRegisteredAt: now,
        agentVersion: request.agentVersion,
        agentHostname: request.hostname,
        lastHeartbeatAt: now,
        activationId: activation.activationId,
      };
      let instanceId: string;
      if (request.instanceId) {
        const instance = await manager.findOne(InstanceEntity, {
          where: { instanceId: request.instanceId, regionId: request.regionId },
          lock: { mode: 'pessimistic_write' },
        });
        if (!instance) throw new ApiError('InvalidInstance.NotFound');
        if (instance.agentRegisteredAt !== null) throw new ApiError('InvalidInstance.AgentRegistered');
        instanceId = instance.instanceId;
        await manager.update(InstanceEntity, { instanceId }, agentFields);
      } else {
        instanceId = newManagedInstanceId();
        await manager.insert(InstanceEntity, {
          instanceId,
          regionId: request.regionId,
          instanceName: activation.instanceName || request.hostname,
          networkType: 'vpc',
          status: 'Running',
          osType: request.osType,
          ...agentFields,
        });
      }
      await manager.increment(ActivationEntity, { activationId: activation.activationId }, 'registeredCount', 1);
      // An unbound instance has no agent key left (DeregisterManagedInstance revokes it); any
      // stray one is still removed, so that only the agent registering now holds a credential.
      const previous = await manager.find(AccessKeyEntity, { where: { instanceId, role: 'agent' }, select: { accessKeyId: true } });
      await manager.delete(AccessKeyEntity, { instanceId, role: 'agent' });
      await this.accessKeys.announceRevoked(
        manager,
        previous.map((k) => k.accessKeyId),
      );
      const credential = await this.accessKeys.create('agent', { instanceId, manager, description: `agent of ${instanceId}` });
      return { instanceId, ...credential };
    });
  }
}

function validate(request: AgentRegisterRequest): void {
  const text = (name: string, value: unknown, max: number, required = true): void => {
    if (value === undefined || value === null || value === '') {
      if (required) throw ApiError.missing(name);
      return;
    }
    if (typeof value !== 'string' || value.length > max || !AGENT_LABEL_PATTERN.test(value)) {
      throw ApiError.invalid(name, `must be printable text of at most ${max} characters`);
    }
  };
  text('RegionId', request.regionId, 32);
  text('ActivationId', request.activationId, 64);
  text('ActivationCode', request.activationCode, 128);
  text('InstanceId', request.instanceId, 64, false);
  text('Hostname', request.hostname, 255);
  text('AgentVersion', request.agentVersion, 64);
  if (request.instanceId && !INSTANCE_ID_PATTERN.test(request.instanceId)) throw ApiError.invalid('InstanceId', 'malformed');
  if (request.osType !== 'linux' && request.osType !== 'windows') throw ApiError.invalid('OSType', 'must be linux or windows');
}
