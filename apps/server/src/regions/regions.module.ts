import { Module } from '@nestjs/common';
import { RegionsActions } from './regions.actions';
import { RegionsService } from './regions.service';

@Module({ providers: [RegionsService, RegionsActions], exports: [RegionsService] })
export class RegionsModule {}
