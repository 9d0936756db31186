import { EntityManager } from 'typeorm';
import { RecordRow } from './invocation.presenter';

/** Columns of invocation_records (optionally of alias `alias`) as RecordRow fields. */
export function recordColumns(alias?: string): string {
  const c = (column: string): string => (alias ? `${alias}.${column}` : column);
  return [
    `${c('record_id')} AS "recordId"`, `${c('invoke_id')} AS "invokeId"`, `${c('instance_id')} AS "instanceId"`,
    `${c('scheduled_at')} AS "scheduledAt"`, `${c('repeats')} AS repeats`, `${c('status')} AS status`,
    `${c('exit_code')} AS "exitCode"`, `${c('output')} AS output`, `${c('dropped')} AS dropped`,
    `${c('error_code')} AS "errorCode"`, `${c('error_info')} AS "errorInfo"`, `${c('created_at')} AS "createdAt"`,
    `${c('start_time')} AS "startTime"`, `${c('finished_time')} AS "finishedTime"`, `${c('stop_time')} AS "stopTime"`,
    `${c('updated_at')} AS "updatedAt"`,
  ].join(', ');
}

/** The latest run on each instance of the given invocations. */
export async function latestRuns(manager: EntityManager, invokeIds: string[]): Promise<RecordRow[]> {
  if (invokeIds.length === 0) return [];
  return manager.query(
    `SELECT DISTINCT ON (invoke_id, instance_id) ${recordColumns()}
       FROM invocation_records
      WHERE invoke_id = ANY($1)
      ORDER BY invoke_id, instance_id, scheduled_at DESC`,
    [invokeIds],
  );
}

/** A small WHERE-clause builder with numbered parameters. */
export class SqlFilter {
  readonly conditions: string[] = [];
  readonly values: unknown[] = [];

  add(condition: (placeholder: string) => string, value: unknown): this {
    this.values.push(value);
    this.conditions.push(condition(`$${this.values.length}`));
    return this;
  }

  addIf(present: unknown, condition: (placeholder: string) => string): this {
    return present === undefined ? this : this.add(condition, present);
  }

  where(): string {
    return this.conditions.length ? `WHERE ${this.conditions.join(' AND ')}` : '';
  }

  next(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}
