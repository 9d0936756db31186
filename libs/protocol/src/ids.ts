import { randomFillSync } from 'node:crypto';

/**
 * Random bytes from a pool refilled 4 KiB at a time: one call into the CSPRNG per ~250 ids
 * instead of one per id (a randomBytes call costs more than the rest of an id's making).
 */
const pool = Buffer.allocUnsafe(4096);
let used = pool.length;
function randomHex(bytes: number): string {
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  used += bytes;
  return pool.toString('hex', used - bytes, used);
}

/** `t-` + 32 hex: an InvokeId. */
export const newInvokeId = (): string => `t-${randomHex(16)}`;
/** `c-` + 32 hex: a CommandId. */
export const newCommandId = (): string => `c-${randomHex(16)}`;
/** `i-` + 20 hex: an inventory instance registered without an id. */
export const newInstanceId = (): string => `i-${randomHex(10)}`;
/** `mi-` + 20 hex: a managed instance created by an agent's activation. */
export const newManagedInstanceId = (): string => `mi-${randomHex(10)}`;

export const INVOKE_ID_PATTERN = /^t-[0-9a-f]{32}$/;
export const COMMAND_ID_PATTERN = /^c-[0-9a-f]{32}$/;
export const INSTANCE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
