import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../apps/server/src/database/embedded-postgres';
import { runMigrations } from '../../apps/server/src/database/migrate';
import { databaseUrl, TEMPLATE_DATABASE } from './database-url';

/**
 * One real PostgreSQL for the whole run: an embedded one in a temporary directory (nothing
 * needs to be running beforehand), or the server named by TEST_DATABASE_URL. Migrations run
 * once, into a template database each suite clones (CREATE DATABASE … TEMPLATE), which takes
 * milliseconds.
 */
export default async function globalSetup(): Promise<void> {
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    const dir = mkdtempSync(join(tmpdir(), 'ca-test-pg-'));
    const postgres = await startEmbeddedPostgres(dir);
    (globalThis as Record<string, unknown>).__EMBEDDED_POSTGRES__ = postgres;
    adminUrl = postgres.url;
  }
  process.env.CA_TEST_ADMIN_URL = adminUrl;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE}`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  } finally {
    await admin.end();
  }
  await runMigrations(databaseUrl(adminUrl, TEMPLATE_DATABASE));
}
