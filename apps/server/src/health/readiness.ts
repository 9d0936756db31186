import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../../../migrations';
import { DispatchNotifier } from '../database/dispatch-notifier';

/** A readiness probe waits at most this long for the database. */
export const READY_DATABASE_TIMEOUT_MS = 2000;

/** 'ok', or why the check failed. */
export type CheckResult = string;

export interface Readiness {
  ready: boolean;
  checks: { database: CheckResult; migrations: CheckResult; shutdown: CheckResult };
}

/**
 * Whether this process should be sent traffic: its database answers quickly through the
 * process's own pool (a pool that cannot hand out a connection in time cannot serve either),
 * every migration this build knows is applied, and it is not draining for a SIGTERM.
 */
@Injectable()
export class ReadinessCheck {
  private readonly migrationNames = MIGRATIONS.map((migration) => migration.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly notifier: DispatchNotifier,
  ) {}

  async check(): Promise<Readiness> {
    // main.ts begins a SIGTERM drain by closing the notifier (long polls answer at once).
    const shutdown = this.notifier.closed ? 'draining' : 'ok';
    let database: CheckResult = 'ok';
    let migrations: CheckResult = 'ok';
    try {
      const applied = await this.appliedMigrations();
      const missing = this.migrationNames.filter((name) => !applied.has(name));
      if (missing.length > 0) migrations = `not applied: ${missing.join(', ')}`;
    } catch (error) {
      database = `unreachable: ${(error as Error).message}`;
      migrations = 'unknown';
    }
    const ready = database === 'ok' && migrations === 'ok' && shutdown === 'ok';
    return { ready, checks: { database, migrations, shutdown } };
  }

  private async appliedMigrations(): Promise<Set<string>> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const rows = await Promise.race([
        this.dataSource.query<Array<{ name: string }>>('SELECT name FROM typeorm_migrations'),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${READY_DATABASE_TIMEOUT_MS} ms`)), READY_DATABASE_TIMEOUT_MS);
        }),
      ]);
      return new Set(rows.map((row) => row.name));
    } finally {
      clearTimeout(timer);
    }
  }
}
