import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from './data-source.options';

/** An arbitrary, fixed key: every replica takes the same advisory lock to migrate. */
const MIGRATION_LOCK_KEY = 0x43_41_4d_49; // "CAMI"

/**
 * Applies pending migrations, serialized across replicas by an advisory lock so that several
 * processes starting at once against one database migrate it exactly once.
 */
export async function runMigrations(url: string): Promise<string[]> {
  const dataSource = new DataSource(buildDataSourceOptions(url, { poolSize: 2, applicationName: 'cloud-assistant-migrate' }));
  await dataSource.initialize();
  try {
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      const names = applied.map((m) => m.name);
      if (names.length > 0) new Logger('Migrations').log(`applied ${names.join(', ')}`);
      return names;
    } finally {
      await runner.release();
    }
  } finally {
    await dataSource.destroy();
  }
}
