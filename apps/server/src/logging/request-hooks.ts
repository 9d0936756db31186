import { AgentActions } from '@ca/protocol';
import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { operationsMetrics } from '../metrics/operations-metrics';
import type { StructuredMessage } from './app-logger';
import { currentRequestId, RequestContext, runInRequestContext } from './request-context';

/** Agents call these every few seconds each: their access lines are debug, not info. */
const AGENT_ACTIONS = new Set<string>(Object.values(AgentActions));
/** Probes and scrapes are not worth a line at all. */
const QUIET_ROUTES = new Set(['/metrics', '/health/live', '/health/ready']);

const contexts = new WeakMap<FastifyRequest, RequestContext>();
const accessLog = new Logger('Access');

/**
 * Every request runs in a request context (AsyncLocalStorage) from its first hook, so any log
 * line written while serving it carries its RequestId and InvokeId. When the answer has gone out,
 * one access line and the HTTP metrics, labelled by RPC action (never by raw URL: the action
 * name is known only for registered actions, so the label set stays bounded).
 */
export function installRequestHooks(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    const context: RequestContext = { startedAt: performance.now() };
    contexts.set(request, context);
    runInRequestContext(context, () => {
      currentRequestId();
      done();
    });
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const context = contexts.get(request);
    if (context) runInRequestContext(context, () => answered(request, reply, context));
    done();
  });
}

function answered(request: FastifyRequest, reply: FastifyReply, context: RequestContext): void {
  const seconds = (performance.now() - context.startedAt) / 1000;
  const route = request.routeOptions.url;
  const action = context.action ?? (route === '/' ? 'UnknownAction' : route ? `${request.method} ${route}` : 'unmatched');
  const code = context.code ?? (reply.statusCode < 400 ? 'Success' : String(reply.statusCode));
  operationsMetrics.observeHttp(action, code, reply.statusCode, seconds);
  if (route && QUIET_ROUTES.has(route)) return;
  const ms = Math.round(seconds * 10_000) / 10;
  const line: StructuredMessage = {
    message: `${action} ${reply.statusCode} ${code} ${ms} ms`,
    action,
    status: reply.statusCode,
    code,
    ms,
    accessKeyId: context.accessKeyId,
  };
  if (AGENT_ACTIONS.has(action)) accessLog.debug(line);
  else accessLog.log(line);
}
