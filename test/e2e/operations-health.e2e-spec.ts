import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadConfig } from '../../apps/server/src/config/config.schema';
import { DispatchNotifier } from '../../apps/server/src/database/dispatch-notifier';
import { createServer } from '../../apps/server/src/server';
import { eventually } from '../support/eventually';
import { TcpProxy, urlThrough } from '../support/tcp-proxy';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { ADMIN_KEY_ID, ADMIN_KEY_SECRET } from '../support/test-app';

interface Probe {
  status: number;
  body: { status: string; checks?: Record<string, string> };
}

async function probe(endpoint: string, path: string): Promise<Probe> {
  const response = await fetch(endpoint + path);
  return { status: response.status, body: (await response.json()) as Probe['body'] };
}

/**
 * /health/live and /health/ready. The service reaches its database through a proxy
 * the test can cut, so "the database is down" is real for this service and nobody else.
 */
describe('health probes', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let app: NestFastifyApplication;
  let endpoint: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    const target = new URL(database.url);
    proxy = new TcpProxy(target.hostname, Number(target.port));
    await proxy.start();
    const config = loadConfig({
      DATA_DIR: mkdtempSync(join(tmpdir(), 'ca-health-')),
      BOOTSTRAP_ACCESS_KEY_ID: ADMIN_KEY_ID,
      BOOTSTRAP_ACCESS_KEY_SECRET: ADMIN_KEY_SECRET,
      LOG_LEVEL: 'error',
    });
    app = await createServer(config, urlThrough(database.url, proxy));
    await app.listen(0, '127.0.0.1');
    endpoint = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await proxy.start().catch(() => undefined); // a failed test may have left it cut
    await app?.close();
    await proxy.cut();
    await database.drop();
  });

  it('live and ready answer 200 without credentials while all is well', async () => {
    await expect(probe(endpoint, '/health/live')).resolves.toMatchObject({ status: 200, body: { status: 'ok' } });
    await expect(probe(endpoint, '/health/ready')).resolves.toEqual({
      status: 200,
      body: { status: 'ok', checks: { database: 'ok', migrations: 'ok', shutdown: 'ok' } },
    });
  });

  it('ready is 503 while the database is unreachable, live stays 200, and ready comes back with the database', async () => {
    await proxy.cut();
    const started = Date.now();
    const down = await probe(endpoint, '/health/ready');
    expect(Date.now() - started).toBeLessThan(10_000); // a probe must not hang on a dead database
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('unavailable');
    expect(down.body.checks?.database).toMatch(/^unreachable/);
    await expect(probe(endpoint, '/health/live')).resolves.toMatchObject({ status: 200 });

    await proxy.start();
    await eventually(async () => expect((await probe(endpoint, '/health/ready')).status).toBe(200), { description: 'ready again' });
  });

  it('ready is 503 when a migration this build knows is not applied to the database', async () => {
    const [[last]] = await app
      .get(DataSource)
      .query<[Array<{ id: number; name: string }>, number]>(
        'DELETE FROM typeorm_migrations WHERE id = (SELECT max(id) FROM typeorm_migrations) RETURNING id, name',
      );
    try {
      const ready = await probe(endpoint, '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.checks?.migrations).toBe(`not applied: ${last.name}`);
    } finally {
      await app
        .get(DataSource)
        .query('INSERT INTO typeorm_migrations (id, timestamp, name) VALUES ($1, $2, $3)', [last.id, Number(/\d+$/.exec(last.name)![0]), last.name]);
    }
    await expect(probe(endpoint, '/health/ready')).resolves.toMatchObject({ status: 200 });
  });

  it('ready is 503 (draining) once a SIGTERM shutdown has begun, while live still answers', async () => {
    // What main.ts does first on SIGTERM, before it stops accepting connections.
    app.get(DispatchNotifier).beginShutdown();
    const ready = await probe(endpoint, '/health/ready');
    expect(ready).toMatchObject({ status: 503, body: { status: 'unavailable', checks: { shutdown: 'draining', database: 'ok' } } });
    await expect(probe(endpoint, '/health/live')).resolves.toMatchObject({ status: 200 });
  });
});
