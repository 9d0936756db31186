import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { CommandsModule } from '../commands/commands.module';
import { InstancesModule } from '../instances/instances.module';
import { InvocationsModule } from '../invocations/invocations.module';
import { RegionsModule } from '../regions/regions.module';
import { BasicAuthenticator } from './basic-credentials';
import { CommandsRestController } from './commands.controller';
import { FrequencyPreviewRestController } from './frequency-preview.controller';
import { InstancesRestController } from './instances.controller';
import { InvocationsRestController } from './invocations.controller';
import { RegionsRestController } from './regions.controller';
import { RegionExistsPipe } from './region-exists.pipe';
import { RestAuthGuard } from './rest-auth.guard';
import { WhoAmIRestController } from './whoami.controller';

/**
 * The REST edge under /v1: a thin layer over the services the RPC actions use, with
 * the same error codes; documented by the OpenAPI document at /docs (openapi-document.ts).
 */
@Module({
  imports: [AuthModule, RegionsModule, CommandsModule, InstancesModule, InvocationsModule],
  controllers: [
    WhoAmIRestController,
    RegionsRestController,
    CommandsRestController,
    InstancesRestController,
    InvocationsRestController,
    FrequencyPreviewRestController,
  ],
  providers: [BasicAuthenticator, RestAuthGuard, RegionExistsPipe],
})
export class RestModule {}
