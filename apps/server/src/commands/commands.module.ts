import { Module } from '@nestjs/common';
import { RegionsModule } from '../regions/regions.module';
import { CommandsActions } from './commands.actions';
import { CommandsService } from './commands.service';

@Module({ imports: [RegionsModule], providers: [CommandsService, CommandsActions], exports: [CommandsService] })
export class CommandsModule {}
