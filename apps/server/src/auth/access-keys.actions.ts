import { Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { RpcAction, RpcContext } from '../rpc/rpc-action.decorator';
import { AccessKeysService } from './access-keys.service';

/** Access key management: admin-only, effective at once on every replica. */
@Injectable()
export class AccessKeysActions {
  constructor(private readonly accessKeys: AccessKeysService) {}

  @RpcAction('CreateAccessKey', 'write')
  async createAccessKey({ params }: RpcContext): Promise<object> {
    const role = params.oneOf('Role', ['admin', 'readonly'] as const, { code: 'InvalidParameter.Role' }) ?? 'readonly';
    const description = params.string('Description', { maxLength: 256 });
    const issued = await this.accessKeys.create(role, { description });
    return { AccessKeyId: issued.accessKeyId, AccessKeySecret: issued.accessKeySecret, Role: role };
  }

  @RpcAction('DeleteAccessKey', 'write')
  async deleteAccessKey({ params, caller }: RpcContext): Promise<object> {
    // V1 signs with a parameter named AccessKeyId, so the key to delete is named as in Alibaba
    // RAM (UserAccessKeyId); a V3 request, signed in a header, may also name it AccessKeyId.
    const accessKeyId =
      params.string('UserAccessKeyId', { maxLength: 64 }) ??
      (caller.signatureVersion === 'V3' ? params.string('AccessKeyId', { maxLength: 64 }) : undefined);
    if (!accessKeyId) throw ApiError.missing('UserAccessKeyId');
    if (accessKeyId === caller.accessKeyId) throw new ApiError('InvalidAccessKeyId.InUse');
    await this.accessKeys.delete(accessKeyId);
    return {};
  }
}
