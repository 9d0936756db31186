import { Injectable } from '@nestjs/common';
import { AGENT_FINAL_STATUSES, AGENT_LABEL_PATTERN, AgentActions, MAX_POLL_WAIT_SECONDS, MAX_REPORT_AGE_DAYS, MAX_REPORTED_OUTPUT_BYTES } from '@ca/protocol';
import { TIMESTAMP_WINDOW_MS } from '../auth/signature-nonce';
import { ApiError } from '../common/api-error';
import { RpcAction, RpcContext } from '../rpc/rpc-action.decorator';
import { RpcParams } from '../rpc/rpc-params';
import { AgentTasksService } from './agent-tasks.service';

const RECORD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** ISO 8601 as toISOString() writes it, or with a numeric zone; a four-digit year only. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
/** Byte counts and offsets are stored and compared as 32-bit integers. */
const BYTES = { min: 0, max: MAX_REPORTED_OUTPUT_BYTES };

/**
 * The agent protocol (libs/protocol/agent-protocol.ts), on the same signed RPC edge as the rest.
 * The instance is always the credential's, never a parameter. Every value an agent reports is
 * checked here, so that a bad one is that report's 400 (naming the field) and never reaches the
 * batched statement of OutcomeRecorder, where the database refusing it would fail every report
 * of the batch with a 500.
 */
@Injectable()
export class AgentActionsHandler {
  constructor(private readonly tasks: AgentTasksService) {}

  @RpcAction(AgentActions.heartbeat, 'agent')
  async heartbeat({ params, caller }: RpcContext): Promise<object> {
    await this.tasks.heartbeat(
      caller.instanceId!,
      params.string('AgentVersion', { maxLength: 64, pattern: AGENT_LABEL_PATTERN }),
      params.string('Hostname', { maxLength: 255, pattern: AGENT_LABEL_PATTERN }),
    );
    return {};
  }

  @RpcAction(AgentActions.poll, 'agent')
  async poll({ params, caller, signal }: RpcContext): Promise<object> {
    const wait = params.int('WaitSeconds', { min: 0, max: MAX_POLL_WAIT_SECONDS }) ?? 20;
    const acks = (params.string('Acks', { maxLength: 64 * 1024 }) ?? '').split(',').filter(Boolean);
    if (acks.some((id) => !RECORD_ID.test(id))) throw ApiError.invalid('Acks', 'must be record ids separated by commas');
    return this.tasks.poll(caller.instanceId!, wait, acks, signal);
  }

  @RpcAction(AgentActions.output, 'agent')
  async output({ params, caller }: RpcContext): Promise<object> {
    const id = recordId(params);
    const offset = params.int('Offset', BYTES) ?? 0;
    await this.tasks.appendOutput(caller.instanceId!, id, offset, base64(params, 'Output'));
    return {};
  }

  @RpcAction(AgentActions.finish, 'agent')
  async finish({ params, caller }: RpcContext): Promise<object> {
    const id = recordId(params);
    const status = params.oneOf('Status', AGENT_FINAL_STATUSES);
    if (!status) throw ApiError.missing('Status');
    const finishedAt = finishedTime(params);
    const output = params.has('Output') ? { offset: params.int('Offset', BYTES) ?? 0, data: base64(params, 'Output') } : undefined;
    await this.tasks.finish(caller.instanceId!, id, {
      status,
      exitCode: params.int('ExitCode', { min: -2147483648, max: 2147483647 }),
      errorCode: params.string('ErrorCode', { maxLength: 64, pattern: AGENT_LABEL_PATTERN }),
      errorInfo: params.string('ErrorInfo', { maxLength: 4096 }),
      outputBytes: params.int('OutputBytes', BYTES) ?? 0,
      finishedAt,
      output,
    });
    return {};
  }
}

/**
 * Where PostgreSQL can store it and it means something: from MAX_REPORT_AGE_DAYS ago (a report
 * kept through an outage) to the signature's clock skew ahead. OutcomeRecorder still clamps it
 * to the run's own start and the service's now.
 */
function finishedTime(params: RpcParams): Date {
  const text = params.string('FinishedTime', { maxLength: 40 });
  if (text === undefined) return new Date();
  const time = ISO_TIME.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(time)) throw ApiError.invalid('FinishedTime', 'not an ISO 8601 time with a zone');
  const now = Date.now();
  if (time < now - MAX_REPORT_AGE_DAYS * 86_400_000 || time > now + TIMESTAMP_WINDOW_MS) {
    throw ApiError.invalid('FinishedTime', `must be within the last ${MAX_REPORT_AGE_DAYS} days and not in the future`);
  }
  return new Date(time);
}

function recordId(params: RpcParams): string {
  const id = params.requiredString('RecordId', { maxLength: 36 });
  if (!RECORD_ID.test(id)) throw new ApiError('InvalidRecordId.NotFound');
  return id;
}

function base64(params: RpcParams, name: string): Buffer {
  const value = params.string(name, { maxLength: 64 * 1024 }) ?? '';
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw ApiError.invalid(name, 'not Base64');
  return Buffer.from(value, 'base64');
}
