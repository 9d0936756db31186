import { Module } from '@nestjs/common';
import { RegionsModule } from '../regions/regions.module';
import { InstancesActions } from './instances.actions';
import { InstancesService } from './instances.service';

@Module({ imports: [RegionsModule], providers: [InstancesService, InstancesActions], exports: [InstancesService] })
export class InstancesModule {}
