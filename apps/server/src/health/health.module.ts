import { Module } from '@nestjs/common';
import { DispatchNotifierModule } from '../dispatch/dispatch-notifier.module';
import { HealthController } from './health.controller';
import { ReadinessCheck } from './readiness';

@Module({ imports: [DispatchNotifierModule], controllers: [HealthController], providers: [ReadinessCheck] })
export class HealthModule {}
