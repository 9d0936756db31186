import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { RpcClient } from '@ca/signing';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { AppConfig, loadConfig } from '../../apps/server/src/config/config.schema';
import { createServer } from '../../apps/server/src/server';
import { createTestDatabase, TestDatabase } from './test-database';

export const ADMIN_KEY_ID = 'LTAItestadmin0000000001';
export const ADMIN_KEY_SECRET = 'test-admin-secret-0000000000001';

export interface TestApp {
  app: NestFastifyApplication;
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  port: number;
  database: TestDatabase;
  config: AppConfig;
  /** A V1-signing client with the admin key. */
  admin: RpcClient;
  /** Stops the service (the database stays), as a crash or a deploy would. */
  stopServer(): Promise<void>;
  /** Starts the service again on the same port and database. */
  startServer(): Promise<void>;
  /** Direct SQL on the suite's database: for assertions, and to set up states no API call can reach. */
  sql<T = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/**
 * The whole service (AppModule) on a fresh database of its own, listening on a free port.
 * `overrides` bypass the schema, for bounds it refuses in production but a test needs short
 * (a request timeout below the long poll, to show the long poll is not cut by it).
 */
export async function startTestApp(env: Record<string, string> = {}, overrides: Partial<AppConfig> = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const loaded = loadConfig({
    DATA_DIR: mkdtempSync(join(tmpdir(), 'ca-test-data-')),
    BOOTSTRAP_ACCESS_KEY_ID: ADMIN_KEY_ID,
    BOOTSTRAP_ACCESS_KEY_SECRET: ADMIN_KEY_SECRET,
    LOG_LEVEL: 'warn',
    PORT: '0',
    // Every suite's requests come from 127.0.0.1, and many fail authentication on purpose: the
    // failure throttles are off unless a suite (authentication, agent registration) sets them.
    AUTH_FAILURES_PER_ADDRESS: '0',
    AUTH_FAILURES_PER_KEY: '0',
    REGISTRATION_ATTEMPTS_PER_ADDRESS: '0',
    ...env,
  });
  const config: AppConfig = { ...loaded, ...overrides };
  let app = await createServer(config, database.url);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  let running = true;
  const endpoint = `http://127.0.0.1:${port}`;
  const sqlClient = new Client({ connectionString: database.url });
  await sqlClient.connect();
  const testApp: TestApp = {
    app,
    endpoint,
    port,
    database,
    config,
    admin: new RpcClient({ endpoint, accessKeyId: ADMIN_KEY_ID, accessKeySecret: ADMIN_KEY_SECRET }),
    sql: async <T>(text: string, values?: unknown[]) => (await sqlClient.query(text, values)).rows as T[],
    stopServer: async () => {
      running = false;
      await app.close();
    },
    startServer: async () => {
      app = await createServer(config, database.url);
      await app.listen(port, '127.0.0.1');
      testApp.app = app;
      running = true;
    },
    close: async () => {
      await sqlClient.end();
      if (running) await app.close();
      await database.drop();
    },
  };
  return testApp;
}

/** Row counts of every table a request could write: for the tests that expect a given number of new rows. */
export async function tableCounts(app: TestApp): Promise<Record<string, number>> {
  const tables = ['commands', 'instances', 'activations', 'access_keys', 'invocations', 'invocation_records'];
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const [row] = await app.sql<{ count: number }>(`SELECT count(*)::int AS count FROM ${table}`);
    counts[table] = row.count;
  }
  return counts;
}

/**
 * The tables a request can write, each with its primary key (the order its rows are hashed in)
 * and the columns left out of the hash because something other than the request under test
 * writes them. signature_nonces is left out as a whole: every signed request, refused or not,
 * spends its nonce there (replay protection). No read writes anything else: access keys keep no
 * last-used time, and rate-limit buckets live in memory.
 */
const SNAPSHOT_TABLES: Record<string, { key: string; volatile?: string[] }> = {
  regions: { key: 'region_id' },
  service_settings: { key: 'name' },
  access_keys: { key: 'access_key_id' },
  activations: { key: 'activation_id' },
  // A running agent's heartbeat stamps last_heartbeat_at in the background (heartbeat-writer.ts).
  instances: { key: 'instance_id', volatile: ['last_heartbeat_at'] },
  commands: { key: 'command_id' },
  invocations: { key: 'invoke_id' },
  invocation_records: { key: 'record_id' },
};

const UNWATCHED_TABLES = ['signature_nonces', 'typeorm_migrations'];

export type TableSnapshot = Record<string, { rows: number; md5: string }>;

/**
 * Row count and an md5 of the content of every table a request could write: a refused request
 * must leave both unchanged, so an UPDATE that a count alone would miss is caught as well.
 */
export async function tableSnapshot(app: TestApp): Promise<TableSnapshot> {
  // A table added later must be listed here (or deliberately left out), or it would go unwatched.
  const tables = await app.sql<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'`);
  const unlisted = tables.map((t) => t.name).filter((name) => !(name in SNAPSHOT_TABLES) && !UNWATCHED_TABLES.includes(name));
  if (unlisted.length > 0) throw new Error(`tableSnapshot does not know the tables ${unlisted.join(', ')}`);
  const snapshot: TableSnapshot = {};
  for (const [table, { key, volatile = [] }] of Object.entries(SNAPSHOT_TABLES)) {
    const [row] = await app.sql<{ rows: number; md5: string }>(
      `SELECT count(*)::int AS rows, coalesce(md5(string_agg((to_jsonb(t) - $1::text[])::text, E'\\n' ORDER BY t.${key})), '') AS md5
         FROM ${table} t`,
      [volatile],
    );
    snapshot[table] = row;
  }
  return snapshot;
}
