import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ReadinessCheck } from './readiness';

/**
 * Probes for an orchestrator, without authentication. Liveness says only that the process
 * answers: a wedged event loop answers nothing and the probe times out. It deliberately does not
 * look at the database, or a database outage would restart every replica at once.
 */
@Controller('health')
export class HealthController {
  constructor(private readonly readiness: ReadinessCheck) {}

  @Get('live')
  live(@Res() reply: FastifyReply): void {
    void reply.status(200).send({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
  }

  @Get('ready')
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const { ready, checks } = await this.readiness.check();
    void reply.status(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable', checks });
  }
}
