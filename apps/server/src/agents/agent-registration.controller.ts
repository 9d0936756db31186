import { Controller, Inject, Logger, Post, Req, Res } from '@nestjs/common';
import { AGENT_REGISTER_PATH, AgentRegisterRequest, AgentRegisterResponse } from '@ca/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error';
import type { ErrorCode } from '../common/error-catalog';
import { toApiError } from '../common/error-mapping';
import { logServerFailure, renderError, sendError } from '../common/error-response';
import { currentRequestId } from '../logging/request-context';
import { AuthFailureLimiter } from '../auth/auth-failure-limiter';
import { APP_CONFIG } from '../config/app-config.token';
import type { AppConfig } from '../config/config.schema';
import { AgentRegistrationService } from './agent-registration.service';

/** The answers to a guessed activation id or code; other refusals need the right code already. */
const WRONG_ACTIVATION_CODES = new Set<ErrorCode>(['InvalidActivationId.NotFound', 'InvalidActivationCode.Mismatch']);

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
    const requestId = currentRequestId();
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
      logServerFailure(this.logger, 'agent registration', requestId, apiError, error);
      sendError(reply, renderError(apiError, { url: request.url, requestId, hostId: this.config.HOST_ID }));
    }
  }
}

function parseJson(body: unknown): AgentRegisterRequest {
  try {
    const parsed: unknown = JSON.parse(Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : '');
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as AgentRegisterRequest;
  } catch {
    // fall through
  }
  throw new ApiError('InvalidParameter.Encoding', 'The request body must be a JSON object.');
}
