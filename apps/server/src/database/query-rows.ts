import { DataSource, EntityManager } from 'typeorm';

/**
 * Runs SQL and returns its rows, whatever the statement. (TypeORM's plain `query` returns
 * `[rows, count]` for UPDATE and DELETE, which makes `UPDATE … RETURNING` easy to misread.)
 */
export async function queryRows<T>(executor: EntityManager | DataSource, sql: string, params: unknown[] = []): Promise<T[]> {
  const manager = executor instanceof DataSource ? executor.manager : executor;
  const ownRunner = manager.queryRunner === undefined;
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  try {
    const result = await runner.query(sql, params, true);
    return result.records as T[];
  } finally {
    if (ownRunner) await runner.release();
  }
}
