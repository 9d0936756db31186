import { Module } from '@nestjs/common';
import { InvocationsModule } from '../invocations/invocations.module';
import { FrequencyPreviewActions } from './frequency-preview.actions';
import { ScheduleFirer } from './schedule-firer';
import { SchedulerService } from './scheduler.service';

@Module({ imports: [InvocationsModule], providers: [ScheduleFirer, SchedulerService, FrequencyPreviewActions] })
export class SchedulerModule {}
