import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AgentRegistrationController } from './agent-registration.controller';
import { AgentRegistrationService } from './agent-registration.service';

@Module({ imports: [AuthModule], controllers: [AgentRegistrationController], providers: [AgentRegistrationService] })
export class AgentsModule {}
