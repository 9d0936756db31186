import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AuthModule } from '../auth/auth.module';
import { RegionsModule } from '../regions/regions.module';
import { ActionRegistry } from './action-registry';
import { RpcController } from './rpc.controller';

@Module({ imports: [DiscoveryModule, AuthModule, RegionsModule], controllers: [RpcController], providers: [ActionRegistry] })
export class RpcModule {}
