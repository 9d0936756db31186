import { Module } from '@nestjs/common';
import { DispatchNotifier } from './dispatch-notifier';

/** Separate from DispatchModule so that invocations (writers) and dispatch (readers) can both use it. */
@Module({ providers: [DispatchNotifier], exports: [DispatchNotifier] })
export class DispatchNotifierModule {}
