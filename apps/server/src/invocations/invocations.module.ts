import { Module } from '@nestjs/common';
import { CommandsModule } from '../commands/commands.module';
import { InstancesModule } from '../instances/instances.module';
import { RegionsModule } from '../regions/regions.module';
import { InvocationsActions } from './invocations.actions';
import { InvocationsRepository } from './invocations.repository';
import { InvocationsService } from './invocations.service';
import { InvokeCommandService } from './invoke-command.service';
import { OneShotInvocationWriter } from './one-shot-writer';

@Module({
  imports: [RegionsModule, CommandsModule, InstancesModule],
  providers: [InvocationsRepository, OneShotInvocationWriter, InvokeCommandService, InvocationsService, InvocationsActions],
  exports: [InvokeCommandService, InvocationsService],
})
export class InvocationsModule {}
