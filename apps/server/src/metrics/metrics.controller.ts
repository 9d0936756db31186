import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { APP_CONFIG } from '../config/app-config.token';
import type { AppConfig } from '../config/config.schema';
import { DatabaseGauges } from './database-gauges';
import { operationsMetrics } from './operations-metrics';

/**
 * Prometheus scrape endpoint of this process (each replica is scraped on its own). Open by
 * default, like most exporters: it shows counts and timings, never ids, keys or output. With
 * METRICS_TOKEN set it wants `Authorization: Bearer <token>` (Prometheus' `authorization`
 * scrape setting): Alibaba signatures are nothing a scraper can produce.
 */
@Controller()
export class MetricsController {
  constructor(
    private readonly gauges: DatabaseGauges,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('/metrics')
  async metrics(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (this.config.METRICS_TOKEN && !bearerMatches(request.headers.authorization, this.config.METRICS_TOKEN)) {
      void reply.status(401).header('www-authenticate', 'Bearer').header('content-type', 'text/plain').send('metrics need the bearer token\n');
      return;
    }
    await this.gauges.refresh();
    const body = await operationsMetrics.registry.metrics();
    void reply.status(200).header('content-type', operationsMetrics.registry.contentType).send(body);
  }
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '';
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(token));
}
