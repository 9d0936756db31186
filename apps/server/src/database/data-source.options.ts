import { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../../../migrations';
import { DeadlineClient } from './deadline-client';
import { ENTITIES } from '../entities';

/**
 * The service's bound on one statement. Its statements are short (the slowest indexed read at a
 * million records takes tens of milliseconds; purges go in small batches), so one unanswered for
 * this long means the database stopped answering: the request gets ServiceUnavailable instead of
 * hanging, and the connection is dropped (DeadlineClient). The server-side statement_timeout,
 * a little longer, ends whatever the service gave up on.
 */
export const SERVICE_QUERY_TIMEOUT_MS = 5000;

/**
 * The one TypeORM options object: Nest's TypeOrmModule, the migration runner and the TypeORM
 * CLI all build from it, so they cannot drift apart.
 */
export function buildDataSourceOptions(
  url: string,
  overrides: { poolSize?: number; applicationName?: string; queryTimeoutMs?: number } = {},
): DataSourceOptions {
  // Migrations and the CLI have no bound: building an index on a large table may take minutes.
  const timeouts = overrides.queryTimeoutMs
    ? { Client: DeadlineClient, query_timeout: overrides.queryTimeoutMs, statement_timeout: overrides.queryTimeoutMs * 2 }
    : {};
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
      ...timeouts,
    },
  };
}
