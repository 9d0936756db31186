import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../apps/server/src/database/data-source.options';
import { runMigrations } from '../../apps/server/src/database/migrate';
import { createTestDatabase, TestDatabase } from '../support/test-database';

describe('migrations', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('match the entities: the schema builder finds nothing to change', async () => {
    const dataSource = new DataSource(buildDataSourceOptions(database.url));
    await dataSource.initialize();
    try {
      const sqlInMemory = await dataSource.driver.createSchemaBuilder().log();
      expect(sqlInMemory.upQueries.map((q) => q.query)).toEqual([]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('are already applied to the template, and running them again applies nothing', async () => {
    await expect(runMigrations(database.url)).resolves.toEqual([]);
  });

  it('apply from an empty database and revert cleanly', async () => {
    const empty = await createTestDatabase();
    try {
      const dataSource = new DataSource(buildDataSourceOptions(empty.url));
      await dataSource.initialize();
      try {
        while ((await dataSource.query('SELECT count(*)::int AS n FROM typeorm_migrations'))[0].n > 0) {
          await dataSource.undoLastMigration();
        }
        const tables = await dataSource.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'typeorm_migrations'`);
        expect(tables[0].n).toBe(0);
        const applied = await dataSource.runMigrations();
        expect(applied.length).toBeGreaterThan(0);
        const regions = await dataSource.query('SELECT count(*)::int AS n FROM regions');
        expect(regions[0].n).toBeGreaterThanOrEqual(20);
      } finally {
        await dataSource.destroy();
      }
    } finally {
      await empty.drop();
    }
  });
});
