import { z } from 'zod';
import { oneOf, text, withCode } from '../common/fields';
import { rpcInput } from '../actions/rpc-input';

const createAccessKey = z.object({
  Role: withCode(oneOf(['admin', 'readonly'] as const).default('readonly'), 'InvalidParameter.Role'),
  Description: text(256).optional(),
});
export const CreateAccessKeyInput = rpcInput(createAccessKey);
export type CreateAccessKeyInput = z.output<typeof createAccessKey>;

/**
 * V1 signs with a parameter named AccessKeyId, so the key to delete is named as in Alibaba RAM
 * (UserAccessKeyId); a V3 request, signed in a header, may also name it AccessKeyId (which
 * only the handler, knowing the signature, can tell).
 */
const deleteAccessKey = z.object({ UserAccessKeyId: text(64).optional() });
export const DeleteAccessKeyInput = rpcInput(deleteAccessKey);
export type DeleteAccessKeyInput = z.output<typeof deleteAccessKey>;
