import { Module } from '@nestjs/common';
import { FrequencyPreviewActions } from './frequency-preview.actions';
import { ScheduleFirer } from './schedule-firer';
import { SchedulerService } from './scheduler.service';

@Module({ providers: [ScheduleFirer, SchedulerService, FrequencyPreviewActions] })
export class SchedulerModule {}
