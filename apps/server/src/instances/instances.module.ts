import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { RegionsModule } from '../regions/regions.module';
import { InstancesActions } from './instances.actions';
import { InstancesService } from './instances.service';

@Module({ imports: [RegionsModule, AuthModule], providers: [InstancesService, InstancesActions], exports: [InstancesService] })
export class InstancesModule {}
