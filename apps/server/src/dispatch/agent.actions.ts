import { Injectable } from '@nestjs/common';
import { AGENT_FINAL_STATUSES, AgentActions, MAX_POLL_WAIT_SECONDS } from '@ca/protocol';
import { ApiError } from '../api/api-error';
import { RpcAction, RpcContext } from '../api/rpc-action.decorator';
import { RpcParams } from '../api/rpc-params';
import { AgentTasksService } from './agent-tasks.service';

const RECORD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The agent protocol (libs/protocol/agent-protocol.ts), on the same signed RPC edge as the rest. */
@Injectable()
export class AgentActionsHandler {
  constructor(private readonly tasks: AgentTasksService) {}

  @RpcAction(AgentActions.heartbeat, 'agent')
  async heartbeat({ params, caller }: RpcContext): Promise<object> {
    await this.tasks.heartbeat(
      caller.instanceId!,
      params.string('AgentVersion', { maxLength: 64 }),
      params.string('Hostname', { maxLength: 255 }),
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
    const offset = params.int('Offset', { min: 0 }) ?? 0;
    await this.tasks.appendOutput(caller.instanceId!, id, offset, base64(params, 'Output'));
    return {};
  }

  @RpcAction(AgentActions.finish, 'agent')
  async finish({ params, caller }: RpcContext): Promise<object> {
    const id = recordId(params);
    const status = params.oneOf('Status', AGENT_FINAL_STATUSES);
    if (!status) throw ApiError.missing('Status');
    const finishedTime = params.string('FinishedTime', { maxLength: 40 });
    const finishedAt = finishedTime ? new Date(finishedTime) : new Date();
    if (Number.isNaN(finishedAt.getTime())) throw ApiError.invalid('FinishedTime', 'not an ISO 8601 time');
    const output = params.has('Output') ? { offset: params.int('Offset', { min: 0 }) ?? 0, data: base64(params, 'Output') } : undefined;
    await this.tasks.finish(caller.instanceId!, id, {
      status,
      exitCode: params.int('ExitCode', { min: -2147483648, max: 2147483647 }),
      errorCode: params.string('ErrorCode', { maxLength: 64 }),
      errorInfo: params.string('ErrorInfo', { maxLength: 4096 }),
      outputBytes: params.int('OutputBytes', { min: 0 }) ?? 0,
      finishedAt,
      output,
    });
    return {};
  }
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
