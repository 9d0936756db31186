import { Injectable } from '@nestjs/common';
import { AgentActions } from '@ca/protocol';
import { RpcAction, RpcContext } from '../actions/rpc-action.decorator';
import { FinishInput, HeartbeatInput, OutputInput, PollInput, StartInput } from './agent.input';
import { AgentStarts } from './agent-starts';
import { AgentTasksService } from './agent-tasks.service';

/**
 * The agent protocol (libs/protocol/agent-protocol.ts), on the same signed RPC edge as the rest.
 * The instance is always the credential's, never a parameter; every reported value is checked
 * by the action's input (agent.input.ts).
 */
@Injectable()
export class AgentActionsHandler {
  constructor(
    private readonly tasks: AgentTasksService,
    private readonly starts: AgentStarts,
  ) {}

  @RpcAction(AgentActions.start, 'agent', { input: StartInput })
  async start({ input, caller }: RpcContext<StartInput>): Promise<object> {
    await this.starts.record(caller.instanceId!, input);
    return {};
  }

  @RpcAction(AgentActions.heartbeat, 'agent', { input: HeartbeatInput })
  async heartbeat({ input, caller }: RpcContext<HeartbeatInput>): Promise<object> {
    await this.tasks.heartbeat(caller.instanceId!, input.AgentVersion, input.Hostname);
    return {};
  }

  @RpcAction(AgentActions.poll, 'agent', { input: PollInput })
  async poll({ input, caller, signal }: RpcContext<PollInput>): Promise<object> {
    return this.tasks.poll(caller.instanceId!, input.WaitSeconds, input.Acks, signal);
  }

  @RpcAction(AgentActions.output, 'agent', { input: OutputInput })
  async output({ input, caller }: RpcContext<OutputInput>): Promise<object> {
    await this.tasks.appendOutput(caller.instanceId!, input.RecordId, input.Offset, input.Output);
    return {};
  }

  @RpcAction(AgentActions.finish, 'agent', { input: FinishInput })
  async finish({ input, caller }: RpcContext<FinishInput>): Promise<object> {
    await this.tasks.finish(caller.instanceId!, input.RecordId, {
      status: input.Status,
      exitCode: input.ExitCode,
      errorCode: input.ErrorCode,
      errorInfo: input.ErrorInfo,
      outputBytes: input.OutputBytes,
      finishedAt: input.FinishedTime ?? new Date(),
      output: input.Output === undefined ? undefined : { offset: input.Offset, data: input.Output },
    });
    return {};
  }
}
