import { Module } from '@nestjs/common';
import { DatabaseGauges } from './database-gauges';
import { MetricsController } from './metrics.controller';

@Module({ controllers: [MetricsController], providers: [DatabaseGauges] })
export class MetricsModule {}
