import { Controller, Get, Inject, Logger, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { AuthFailureLimiter, claimedAccessKeyId } from '../auth/auth-failure-limiter';
import { RateLimiter } from '../auth/rate-limiter';
import { RequestAuthenticator } from '../auth/request-authenticator';
import { SignatureNonce } from '../actions/signature-nonce';
import { APP_CONFIG } from '../config/app-config.token';
import type { AppConfig } from '../config/config.schema';
import { annotateRequest, currentRequestId } from '../logging/request-context';
import { ActionRegistry } from './action-registry';
import { ApiError } from '../common/api-error';
import { toApiError } from '../common/error-mapping';
import { IncomingRpcRequest } from '../actions/incoming-request';
import { decodeParameters } from './request-parser';
import { logServerFailure, renderError, sendError } from '../common/error-response';
import { renderBody, ResponseFormat } from '../common/response-renderer';
import { Caller, RpcContext } from '../actions/rpc-action.decorator';
import { RegionsService } from '../regions/regions.service';
import { readRpcInput } from '../actions/rpc-input';
import { RpcParams } from '../actions/rpc-params';

const API_VERSION = '2014-05-26';

/**
 * The Alibaba-style RPC edge: `GET /?Action=…` or `POST /` with a form body. Parses,
 * authenticates, authorizes and routes to the action's handler; renders JSON or XML. Every
 * failure leaves here as an Alibaba error body with its HTTP status (renderError).
 */
@Controller()
export class RpcController {
  private readonly logger = new Logger(RpcController.name);

  constructor(
    private readonly registry: ActionRegistry,
    private readonly authenticator: RequestAuthenticator,
    private readonly rateLimiter: RateLimiter,
    private readonly authFailures: AuthFailureLimiter,
    private readonly dataSource: DataSource,
    private readonly regions: RegionsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('/')
  get(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.handle(request, reply);
  }

  @Post('/')
  post(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.handle(request, reply);
  }

  private async handle(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const requestId = currentRequestId();
    let format: ResponseFormat = 'JSON';
    let action = 'Unknown';
    let nonce: SignatureNonce | undefined;
    let signal: AbortSignal | undefined;
    try {
      const incoming = toIncoming(request);
      format = responseFormat(incoming);
      action = this.actionName(incoming);
      const registered = this.registry.find(action);
      if (!registered) {
        throw new ApiError('InvalidAction.NotFound', `Specified api is not found, please check your url and method: ${action.slice(0, 64)}`);
      }
      annotateRequest({ action, invokeId: incoming.params.get('InvokeId') });
      checkVersion(incoming);
      const authenticated = await this.authFailures.guard(request.ip, claimedAccessKeyId(incoming), () => this.authenticator.authenticate(incoming));
      const caller = authenticated.caller;
      nonce = authenticated.nonce;
      annotateRequest({ accessKeyId: caller.accessKeyId });
      this.rateLimiter.take(caller.accessKeyId);
      authorize(caller, registered.access, action);
      if (!registered.spendsNonce) await nonce.spend(this.dataSource);
      const params = new RpcParams(incoming.params);
      const input = registered.input ? readRpcInput(registered.input, params) : undefined;
      if (registered.region) await this.regions.assertExists((input as { RegionId: string }).RegionId);
      const context: RpcContext = {
        action,
        requestId,
        params,
        input,
        caller,
        nonce,
        get signal() {
          return (signal ??= clientGone(reply));
        },
      };
      const result = await registered.handler(context);
      // A spendsNonce handler spends it before its effects commit; this only covers one that had nothing to commit.
      if (!nonce.spent) await nonce.spend(this.dataSource);
      const { contentType, payload } = renderBody(format, `${action}Response`, { RequestId: requestId, ...result });
      void reply.status(200).header('content-type', contentType).send(payload);
    } catch (thrown) {
      const error = await this.burnNonce(nonce, thrown);
      const apiError = toApiError(error);
      annotateRequest({ code: apiError.code });
      logServerFailure(this.logger, action, requestId, apiError, error);
      sendError(reply, renderError(apiError, { url: request.url, requestId, hostId: this.config.HOST_ID, format }));
    }
  }

  /**
   * A correctly signed request that failed before its nonce was spent still spends it, so that
   * a replay is refused whatever the first attempt did; a replay of an already spent nonce is
   * answered SignatureNonceUsed, as if the nonce had been checked first. Not when the database
   * itself failed: spending would wait on it as long again, and a nonce left unspent lets a
   * replay do only what this attempt did not (its effects and its nonce commit together).
   */
  private async burnNonce(nonce: SignatureNonce | undefined, error: unknown): Promise<unknown> {
    if (!nonce || nonce.spent || toApiError(error).code === 'ServiceUnavailable') return error;
    try {
      await nonce.spend(this.dataSource);
      return error;
    } catch (burnError) {
      return burnError instanceof ApiError && burnError.code === 'SignatureNonceUsed' ? burnError : error;
    }
  }

  /**
   * The action the signature covers. V1 signs the parameters and no header, so its action is
   * the Action parameter; an x-acs-action header naming another would turn a signed read into
   * any other action. V3 signs x-acs-action (RequestAuthenticator insists), and an Action
   * parameter (also signed) naming another action makes the request ambiguous.
   */
  private actionName(incoming: IncomingRpcRequest): string {
    const header = incoming.headers['x-acs-action'];
    const parameter = incoming.params.get('Action');
    if (this.authenticator.isV3(incoming)) {
      if (header !== undefined && parameter !== undefined && parameter !== header) {
        throw new ApiError('InvalidParameter.Action', 'The Action parameter and the x-acs-action header name different actions.');
      }
      const name = header ?? parameter;
      if (!name) throw ApiError.missing('Action');
      return name;
    }
    if (!parameter) throw ApiError.missing('Action');
    if (header !== undefined && header !== parameter) {
      throw new ApiError(
        'IncompleteSignature',
        'The request signature does not conform to Aliyun standards: a V1 signature does not cover the x-acs-action header, and it names another action than the signed Action parameter.',
      );
    }
    return parameter;
  }
}

function toIncoming(request: FastifyRequest): IncomingRpcRequest {
  const url = request.raw.url ?? '/';
  const queryStart = url.indexOf('?');
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  const query = new Map<string, string>();
  decodeParameters(queryStart === -1 ? '' : url.slice(queryStart + 1), query);
  const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const params = new Map(query);
  const contentType = String(request.headers['content-type'] ?? '').toLowerCase();
  if (rawBody.length > 0) {
    if (!contentType.startsWith('application/x-www-form-urlencoded')) throw new ApiError('UnsupportedMediaType');
    decodeParameters(decodeUtf8(rawBody), params);
  }
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return { method: request.method, path, query, params, rawBody, headers };
}

/**
 * Aborted when the client's connection closes before the answer was sent. Built on first use:
 * only long polls ask, and an AbortSignal per request is measurable at thousands a second.
 * (The request's own 'close' event is no use here: Node emits it once the body has been read.)
 */
function clientGone(reply: FastifyReply): AbortSignal {
  const abort = new AbortController();
  const response = reply.raw;
  if (response.destroyed) abort.abort();
  else response.once('close', () => response.writableFinished || abort.abort());
  return abort.signal;
}

function decodeUtf8(body: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new ApiError('InvalidParameter.Encoding', 'The request body is not valid UTF-8.');
  }
}

/**
 * Only one version exists, so every version the request states, signed or not (V1 signs no
 * header, V3 need not sign x-acs-version), must be it: none can select other behaviour.
 */
function checkVersion(incoming: IncomingRpcRequest): void {
  for (const version of [incoming.headers['x-acs-version'], incoming.params.get('Version')]) {
    if (version !== undefined && version !== API_VERSION) throw new ApiError('InvalidParameter.Version');
  }
}

function responseFormat(incoming: IncomingRpcRequest): ResponseFormat {
  const format = incoming.params.get('Format');
  if (format === undefined || format === '') return 'JSON';
  const upper = format.toUpperCase();
  if (upper === 'JSON' || upper === 'XML') return upper;
  throw new ApiError('InvalidParameter.Format');
}

function authorize(caller: Caller, access: 'read' | 'write' | 'agent', action: string): void {
  if (access === 'agent') {
    if (caller.role !== 'agent') throw new ApiError('Forbidden.AgentOnly');
    return;
  }
  if (caller.role === 'agent') {
    throw new ApiError('Forbidden.RAM', `User not authorized to operate on the specified resource: agent credentials cannot call ${action}.`);
  }
  if (access === 'write' && caller.role !== 'admin') {
    throw new ApiError('Forbidden.RAM', `User not authorized to operate on the specified resource: a readonly key cannot call ${action}.`);
  }
}
