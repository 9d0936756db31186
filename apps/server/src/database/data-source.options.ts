import { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../../../migrations';
import { ENTITIES } from './entities';

/**
 * The one TypeORM options object: Nest's TypeOrmModule, the migration runner and the TypeORM
 * CLI all build from it, so they cannot drift apart.
 */
export function buildDataSourceOptions(url: string, overrides: { poolSize?: number; applicationName?: string } = {}): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    migrationsRun: false,
    // gen_random_uuid() is built into PostgreSQL 13+: no extension to install, no superuser needed.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    // Failed queries surface as errors we log with their RequestId; TypeORM's console logging would duplicate them.
    logging: false,
    poolSize: overrides.poolSize ?? 20,
    applicationName: overrides.applicationName ?? 'cloud-assistant',
    extra: {
      // Fail fast instead of hanging when PostgreSQL is unreachable.
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30000,
    },
  };
}
