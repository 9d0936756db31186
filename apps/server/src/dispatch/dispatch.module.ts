import { Module } from '@nestjs/common';
import { AgentActionsHandler } from './agent.actions';
import { AgentStarts } from './agent-starts';
import { AgentTasksService } from './agent-tasks.service';
import { HeartbeatWriter } from './heartbeat-writer';
import { HousekeepingService } from './housekeeping.service';
import { OutcomeRecorder } from './outcome-recorder';
import { WorkClaims } from './work-claims';

@Module({
  providers: [AgentStarts, AgentTasksService, AgentActionsHandler, HeartbeatWriter, HousekeepingService, WorkClaims, OutcomeRecorder],
})
export class DispatchModule {}
