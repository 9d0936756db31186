import { Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { RpcAction, RpcContext } from '../actions/rpc-action.decorator';
import { CreateAccessKeyInput, DeleteAccessKeyInput } from './access-keys.input';
import { AccessKeysService } from './access-keys.service';

/** Access key management: admin-only, effective at once on every replica. */
@Injectable()
export class AccessKeysActions {
  constructor(private readonly accessKeys: AccessKeysService) {}

  @RpcAction('CreateAccessKey', 'write', { input: CreateAccessKeyInput })
  async createAccessKey({ input }: RpcContext<CreateAccessKeyInput>): Promise<object> {
    const role = input.Role;
    const issued = await this.accessKeys.create(role, { description: input.Description });
    return { AccessKeyId: issued.accessKeyId, AccessKeySecret: issued.accessKeySecret, Role: role };
  }

  @RpcAction('DeleteAccessKey', 'write', { input: DeleteAccessKeyInput })
  async deleteAccessKey({ input, params, caller }: RpcContext<DeleteAccessKeyInput>): Promise<object> {
    const accessKeyId = input.UserAccessKeyId ?? (caller.signatureVersion === 'V3' ? params.string('AccessKeyId', { maxLength: 64 }) : undefined);
    if (!accessKeyId) throw ApiError.missing('UserAccessKeyId');
    if (accessKeyId === caller.accessKeyId) throw new ApiError('InvalidAccessKeyId.InUse');
    await this.accessKeys.delete(accessKeyId);
    return {};
  }
}
