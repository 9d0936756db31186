import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ActivationsModule } from './activations/activations.module';
import { AgentsModule } from './agents/agents.module';
import { RpcModule } from './rpc/rpc.module';
import { AuthModule } from './auth/auth.module';
import { CommandsModule } from './commands/commands.module';
import { ConfigModule } from './config/config.module';
import { DispatchModule } from './dispatch/dispatch.module';
import type { AppConfig } from './config/config.schema';
import { buildDataSourceOptions, SERVICE_QUERY_TIMEOUT_MS } from './database/data-source.options';
import { DatabaseUrlModule } from './database/database-url.module';
import { NotificationsModule } from './database/notifications.module';
import { SqlModule } from './database/sql.module';
import { InstancesModule } from './instances/instances.module';
import { InvocationsModule } from './invocations/invocations.module';
import { OperationsModule } from './operations/operations.module';
import { RegionsModule } from './regions/regions.module';
import { RestModule } from './rest/rest.module';
import { SchedulerModule } from './scheduler/scheduler.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, databaseUrl: string): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseUrlModule.forRoot(databaseUrl),
        NotificationsModule,
        TypeOrmModule.forRoot(buildDataSourceOptions(databaseUrl, { queryTimeoutMs: SERVICE_QUERY_TIMEOUT_MS })),
        SqlModule,
        ScheduleModule.forRoot(),
        RpcModule,
        AuthModule,
        RegionsModule,
        CommandsModule,
        InstancesModule,
        ActivationsModule,
        InvocationsModule,
        AgentsModule,
        DispatchModule,
        SchedulerModule,
        RestModule,
        OperationsModule,
      ],
    };
  }
}
