import { Module } from '@nestjs/common';
import { InvocationsModule } from '../invocations/invocations.module';
import { AgentActionsHandler } from './agent.actions';
import { AgentTasksService } from './agent-tasks.service';
import { HeartbeatWriter } from './heartbeat-writer';
import { HousekeepingService } from './housekeeping.service';
import { OutcomeRecorder } from './outcome-recorder';
import { WorkClaims } from './work-claims';

@Module({
  imports: [InvocationsModule],
  providers: [AgentTasksService, AgentActionsHandler, HeartbeatWriter, HousekeepingService, WorkClaims, OutcomeRecorder],
})
export class DispatchModule {}
