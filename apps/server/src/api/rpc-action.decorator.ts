import { SetMetadata } from '@nestjs/common';
import { RpcParams } from './rpc-params';

/**
 * Who may call an action: `read` is open to readonly keys (Alibaba's Describe* actions),
 * `write` needs an admin key, `agent` is reserved for agent credentials.
 */
export type ActionAccess = 'read' | 'write' | 'agent';

export const RPC_ACTION = Symbol('RPC_ACTION');

export interface RpcActionMetadata {
  name: string;
  access: ActionAccess;
}

export function RpcAction(name: string, access: ActionAccess): MethodDecorator {
  return SetMetadata(RPC_ACTION, { name, access } satisfies RpcActionMetadata);
}

export interface Caller {
  accessKeyId: string;
  role: 'admin' | 'readonly' | 'agent';
  /** Set for agent credentials: the one instance whose work the caller may see. */
  instanceId: string | null;
  /** Which signature the request carried. */
  signatureVersion: 'V1' | 'V3';
}

export interface RpcContext {
  action: string;
  requestId: string;
  params: RpcParams;
  caller: Caller;
  /** Aborted when the client goes away (long polls stop waiting). */
  signal: AbortSignal;
}

export type RpcHandler = (ctx: RpcContext) => Promise<object>;
