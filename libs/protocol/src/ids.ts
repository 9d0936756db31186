import { randomBytes } from 'node:crypto';

/** `t-` + 32 hex: an InvokeId (SPEC §2.4). */
export const newInvokeId = (): string => `t-${randomBytes(16).toString('hex')}`;
/** `c-` + 32 hex: a CommandId. */
export const newCommandId = (): string => `c-${randomBytes(16).toString('hex')}`;
/** `i-` + 20 hex: an inventory instance registered without an id. */
export const newInstanceId = (): string => `i-${randomBytes(10).toString('hex')}`;
/** `mi-` + 20 hex: a managed instance created by an agent's activation. */
export const newManagedInstanceId = (): string => `mi-${randomBytes(10).toString('hex')}`;

export const INVOKE_ID_PATTERN = /^t-[0-9a-f]{32}$/;
export const COMMAND_ID_PATTERN = /^c-[0-9a-f]{32}$/;
export const INSTANCE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
