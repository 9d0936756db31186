import { Module } from '@nestjs/common';
import { RegionsModule } from '../regions/regions.module';
import { ActivationsActions } from './activations.actions';
import { ActivationsService } from './activations.service';

@Module({ imports: [RegionsModule], providers: [ActivationsService, ActivationsActions], exports: [ActivationsService] })
export class ActivationsModule {}
