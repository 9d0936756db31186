import { Global, Module } from '@nestjs/common';
import { DispatchNotifier } from './dispatch-notifier';
import { PgListener } from './pg-listener';

/**
 * One LISTEN connection per process and the notifier that wakes long polls through it. Global:
 * writers (invocations, scheduler) and readers (dispatch, health) reach the same instances.
 */
@Global()
@Module({ providers: [PgListener, DispatchNotifier], exports: [PgListener, DispatchNotifier] })
export class NotificationsModule {}
