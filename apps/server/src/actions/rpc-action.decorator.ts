import { SetMetadata } from '@nestjs/common';
import type { SignatureNonce } from './signature-nonce';
import type { RpcInput } from './rpc-input';
import { RpcParams } from './rpc-params';

/**
 * Who may call an action: `read` is open to readonly keys (Alibaba's Describe* actions),
 * `write` needs an admin key, `agent` is reserved for agent credentials.
 */
export type ActionAccess = 'read' | 'write' | 'agent';

export const RPC_ACTION = Symbol('RPC_ACTION');

export interface RpcActionOptions {
  /**
   * The handler spends the request's SignatureNonce in its own transaction (`RpcContext.nonce`),
   * saving a commit; the edge spends it whenever the handler fails without having done so.
   */
  spendsNonce?: boolean;
  /** The action's parameters: read and validated before the handler runs, handed to it as `input`. */
  input?: RpcInput;
  /**
   * The action works in the region its input's RegionId names: the region must exist, checked
   * once the input is valid and before the handler runs.
   */
  region?: 'required';
}

export interface RpcActionMetadata extends RpcActionOptions {
  name: string;
  access: ActionAccess;
}

export function RpcAction(name: string, access: ActionAccess, options: RpcActionOptions = {}): MethodDecorator {
  return SetMetadata(RPC_ACTION, { name, access, ...options } satisfies RpcActionMetadata);
}

export interface Caller {
  accessKeyId: string;
  role: 'admin' | 'readonly' | 'agent';
  /** Set for agent credentials: the one instance whose work the caller may see. */
  instanceId: string | null;
  /** Which signature the request carried. */
  signatureVersion: 'V1' | 'V3';
}

export interface RpcContext<Input = unknown> {
  action: string;
  requestId: string;
  /** The raw parameters, for what no input schema covers. */
  params: RpcParams;
  /** The parameters as the action's input schema read them. */
  input: Input;
  caller: Caller;
  /** Already spent, unless the action was declared with `spendsNonce`. */
  nonce: SignatureNonce;
  /** Aborted when the client goes away (long polls stop waiting). */
  signal: AbortSignal;
}

/**
 * Each handler states its own input type; the registry holds handlers of every input type, and
 * the controller hands each the input its own declared schema produced.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RpcHandler = (ctx: RpcContext<any>) => Promise<object>;
