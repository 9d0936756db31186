import { Controller, Inject, Logger, Post, Req, Res } from '@nestjs/common';
import { AGENT_REGISTER_PATH, AgentRegisterRequest, AgentRegisterResponse } from '@ca/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../common/api-error';
import { toApiError } from '../common/error-mapping';
import { AuthFailureLimiter } from '../auth/auth-failure-limiter';
import { APP_CONFIG } from '../config/app-config.token';
import type { AppConfig } from '../config/config.schema';
import { AgentRegistrationService } from './agent-registration.service';

/** The answers to a guessed activation id or code; other refusals need the right code already. */
const WRONG_ACTIVATION_CODES = new Set(['InvalidActivationId.NotFound', 'InvalidActivationCode.Mismatch']);

/** `POST /agent/register`: JSON in, credentials out; authenticated by the activation code. */
@Controller()
export class AgentRegistrationController {
  private readonly logger = new Logger(AgentRegistrationController.name);

  constructor(
    private readonly registration: AgentRegistrationService,
    private readonly limiter: AuthFailureLimiter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post(AGENT_REGISTER_PATH)
  async register(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const requestId = randomUUID().toUpperCase();
    try {
      // Both checks come before the transaction: a throttled attempt takes no activation row lock.
      this.limiter.takeRegistration(request.ip);
      const body = parseJson(request.body);
      const activationKey = typeof body.activationId === 'string' ? `activation:${body.activationId}` : undefined;
      this.limiter.assertAllowed(request.ip, activationKey);
      const registered = await this.registration.register(body, request.ip).catch((error: unknown) => {
        if (error instanceof ApiError && WRONG_ACTIVATION_CODES.has(error.code)) this.limiter.recordFailure(request.ip, activationKey);
        throw error;
      });
      this.logger.log(`agent registered on ${registered.instanceId} (RequestId ${requestId})`);
      const response: AgentRegisterResponse = {
        RequestId: requestId,
        InstanceId: registered.instanceId,
        AccessKeyId: registered.accessKeyId,
        AccessKeySecret: registered.accessKeySecret,
      };
      void reply.status(200).send(response);
    } catch (error) {
      const apiError = toApiError(error);
      if (apiError.status >= 500) this.logger.error(`agent registration failed (RequestId ${requestId}): ${(error as Error)?.stack}`);
      if (apiError.retryAfterSeconds) void reply.header('retry-after', String(apiError.retryAfterSeconds));
      void reply.status(apiError.status).send({ RequestId: requestId, HostId: this.config.HOST_ID, Code: apiError.code, Message: apiError.message });
    }
  }
}

function parseJson(body: unknown): AgentRegisterRequest {
  try {
    const parsed: unknown = JSON.parse(Buffer.isBuffer(body) ? body.toString('utf8') : String(body ?? ''));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as AgentRegisterRequest;
  } catch {
    // fall through
  }
  throw new ApiError('InvalidParameter.Encoding', 'The request body must be a JSON object.');
}
