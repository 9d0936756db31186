import { ActivationEntity } from './activations/activation.entity';
import { AccessKeyEntity } from './auth/access-key.entity';
import { ServiceSettingEntity } from './auth/service-setting.entity';
import { SignatureNonceEntity } from './auth/signature-nonce.entity';
import { CommandEntity } from './commands/command.entity';
import { InstanceEntity } from './instances/instance.entity';
import { InvocationRecordEntity } from './invocations/invocation-record.entity';
import { InvocationEntity } from './invocations/invocation.entity';
import { RegionEntity } from './regions/region.entity';

/** Every entity, listed at the composition root (like app.module.ts) so database/ imports no concept. */
export const ENTITIES = [
  RegionEntity,
  AccessKeyEntity,
  SignatureNonceEntity,
  ServiceSettingEntity,
  InstanceEntity,
  ActivationEntity,
  CommandEntity,
  InvocationEntity,
  InvocationRecordEntity,
];
