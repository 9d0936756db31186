import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { RpcInput } from '../actions/rpc-input';
import { ActionAccess, RPC_ACTION, RpcActionMetadata, RpcHandler } from '../actions/rpc-action.decorator';

export interface RegisteredAction {
  access: ActionAccess;
  handler: RpcHandler;
  spendsNonce: boolean;
  input?: RpcInput;
  region?: 'required';
}

/** Finds every `@RpcAction` method among the providers once, at start-up. */
@Injectable()
export class ActionRegistry implements OnModuleInit {
  private readonly logger = new Logger(ActionRegistry.name);
  private readonly actions = new Map<string, RegisteredAction>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = instance[methodName] as RpcHandler;
        const meta = this.reflector.get<RpcActionMetadata | undefined>(RPC_ACTION, method);
        if (!meta) continue;
        if (this.actions.has(meta.name)) throw new Error(`RPC action ${meta.name} is registered twice`);
        if (meta.region && !meta.input?.schema.shape.RegionId) throw new Error(`RPC action ${meta.name} declares a region but its input has no RegionId`);
        this.actions.set(meta.name, {
          access: meta.access,
          handler: method.bind(instance),
          spendsNonce: meta.spendsNonce ?? false,
          input: meta.input,
          region: meta.region,
        });
      }
    }
    this.logger.log(`${this.actions.size} RPC actions registered`);
  }

  find(name: string): RegisteredAction | undefined {
    return this.actions.get(name);
  }

  names(): string[] {
    return [...this.actions.keys()].sort();
  }
}
