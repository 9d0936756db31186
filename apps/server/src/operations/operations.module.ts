import { Module } from '@nestjs/common';
import { HealthModule } from '../health/health.module';
import { MetricsModule } from '../metrics/metrics.module';
import { RetentionModule } from '../retention/retention.module';

/** What the people running the service need: /metrics, /health/*, and history retention. */
@Module({ imports: [MetricsModule, HealthModule, RetentionModule] })
export class OperationsModule {}
