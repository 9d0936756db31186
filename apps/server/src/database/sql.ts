import { Injectable } from '@nestjs/common';
import { Pool, PoolClient, QueryResultRow } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/** What a statement returned: its rows (RETURNING included) and how many rows it touched. */
export interface SqlResult<T> {
  rows: T[];
  rowCount: number;
}

/**
 * A statement's text, or a named statement: PostgreSQL plans a named one once per connection,
 * which is worth it on the hot paths (planning a claim took four times its execution).
 */
export type Statement = string | { name: string; text: string };

/** Runs statements: on the pool (each its own transaction) or on one transaction's client. */
export interface SqlRunner {
  query<T extends QueryResultRow = QueryResultRow>(statement: Statement, values?: readonly unknown[]): Promise<SqlResult<T>>;
}

/**
 * The service's way to run raw SQL: on TypeORM's own pg pool (one pool, one connection budget),
 * answering rows and counts alike whatever the statement. TypeORM repositories still serve
 * simple entity reads and writes.
 */
@Injectable()
export class Sql implements SqlRunner {
  readonly pool: Pool;

  constructor(dataSource: DataSource) {
    this.pool = poolOf(dataSource);
  }

  query<T extends QueryResultRow = QueryResultRow>(statement: Statement, values: readonly unknown[] = []): Promise<SqlResult<T>> {
    return runOn(this.pool, statement, values);
  }

  /**
   * Runs `work` in one transaction on one client (READ COMMITTED): committed when it resolves,
   * rolled back when it throws. A client whose rollback fails is discarded, not pooled.
   */
  async transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // A checked-out client has no listener of the pool's: without one, a connection that breaks
    // mid-transaction (a statement past its deadline, a restarted server) would throw its
    // 'error' event at the process. The broken client leaves the pool on release.
    let broken: Error | undefined;
    const onError = (error: Error): void => {
      broken = error;
    };
    client.on('error', onError);
    const release = (error?: Error): void => {
      client.removeListener('error', onError);
      client.release(error ?? broken);
    };
    const tx: SqlRunner = { query: (statement, values = []) => runOn(client, statement, values) };
    let result: T;
    try {
      await client.query('BEGIN');
      result = await work(tx);
      await client.query('COMMIT');
    } catch (error) {
      release(await rollback(client));
      throw error;
    }
    release();
    return result;
  }
}

/**
 * Runs statements inside a TypeORM transaction (`manager`) or, given the DataSource, each on its
 * own: for the paths whose transaction reads entities through TypeORM as well.
 */
export function sqlRunnerOf(executor: EntityManager | DataSource): SqlRunner {
  const manager = executor instanceof DataSource ? executor.manager : executor;
  return {
    async query<T extends QueryResultRow>(statement: Statement, values: readonly unknown[] = []): Promise<SqlResult<T>> {
      const ownRunner = manager.queryRunner === undefined;
      const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
      try {
        const text = typeof statement === 'string' ? statement : statement.text;
        const result = await runner.query(text, [...values], true);
        return { rows: (result.records ?? []) as T[], rowCount: result.affected ?? 0 };
      } finally {
        if (ownRunner) await runner.release();
      }
    },
  };
}

async function runOn<T extends QueryResultRow>(target: Pool | PoolClient, statement: Statement, values: readonly unknown[]): Promise<SqlResult<T>> {
  const config = typeof statement === 'string' ? { text: statement } : statement;
  const result = await target.query<T>({ ...config, values: [...values] });
  return { rows: result.rows, rowCount: result.rowCount ?? 0 };
}

/** Rolls back; answers the error that makes the client unfit to reuse, if the rollback failed. */
async function rollback(client: PoolClient): Promise<Error | undefined> {
  try {
    await client.query('ROLLBACK');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** TypeORM's pool for the primary: the service configures no replicas. */
function poolOf(dataSource: DataSource): Pool {
  const driver = dataSource.driver;
  if (!(driver instanceof PostgresDriver)) throw new Error('the service runs on PostgreSQL only');
  const pool: unknown = driver.master;
  if (!(pool instanceof Pool)) throw new Error('the PostgreSQL pool is not open: initialize the DataSource first');
  return pool;
}
