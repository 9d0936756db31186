import { DataSource, EntityManager } from 'typeorm';
import { InvocationEntity } from './invocation.entity';
import { RecordRow } from './invocation.presenter';

let invocationSelect: string | undefined;

/** Every column of `invocations i` as its InvocationEntity property, from the entity's own metadata. */
export function invocationColumns(dataSource: DataSource): string {
  invocationSelect ??= dataSource
    .getMetadata(InvocationEntity)
    .columns.map((c) => `i.${c.databaseName} AS "${c.propertyName}"`)
    .join(', ');
  return invocationSelect;
}

/**
 * Columns of invocation_records (optionally of alias `alias`) as RecordRow fields. Without
 * `output` the column reads as empty: a list that shows no output need not fetch and decode it.
 */
export function recordColumns(alias?: string, options: { output: boolean } = { output: true }): string {
  const c = (column: string): string => (alias ? `${alias}.${column}` : column);
  return [
    `${c('record_id')} AS "recordId"`,
    `${c('invoke_id')} AS "invokeId"`,
    `${c('instance_id')} AS "instanceId"`,
    `${c('scheduled_at')} AS "scheduledAt"`,
    `${c('repeats')} AS repeats`,
    `${c('status')} AS status`,
    `${c('exit_code')} AS "exitCode"`,
    `${options.output ? c('output') : `'\\x'::bytea`} AS output`,
    `${c('dropped')} AS dropped`,
    `${c('error_code')} AS "errorCode"`,
    `${c('error_info')} AS "errorInfo"`,
    `${c('created_at')} AS "createdAt"`,
    `${c('start_time')} AS "startTime"`,
    `${c('finished_time')} AS "finishedTime"`,
    `${c('stop_time')} AS "stopTime"`,
    `${c('updated_at')} AS "updatedAt"`,
  ].join(', ');
}

/**
 * The latest run on each instance of the given invocations: one probe of the run key
 * (invoke_id, instance_id, scheduled_at) per pair, however many runs a timed invocation has had.
 */
export async function latestRuns(
  manager: EntityManager,
  invocations: Array<Pick<InvocationEntity, 'invokeId' | 'instanceIds'>>,
  options: { output: boolean } = { output: true },
): Promise<RecordRow[]> {
  const pairs = invocations.flatMap((i) => i.instanceIds.map((instanceId) => [i.invokeId, instanceId]));
  if (pairs.length === 0) return [];
  return manager.query(
    `SELECT ${recordColumns('r', options)}
       FROM unnest($1::varchar[], $2::varchar[]) AS p(invoke_id, instance_id)
       CROSS JOIN LATERAL (SELECT * FROM invocation_records lr
                            WHERE lr.invoke_id = p.invoke_id AND lr.instance_id = p.instance_id
                            ORDER BY lr.scheduled_at DESC LIMIT 1) r`,
    [pairs.map(([invokeId]) => invokeId), pairs.map(([, instanceId]) => instanceId)],
  );
}

/**
 * `r` is the latest run of invocation `i` on its instance: DISTINCT ON's choice, as a filter. A
 * one-shot has one run per instance (InvokeCommand writes them once), so only timed runs need the
 * probe for a later run; as an anti-join over all runs the planner could go quadratic on them.
 */
export const IS_LATEST_RUN = `(i.repeat_mode = 'Once' OR NOT EXISTS (SELECT 1 FROM invocation_records later
  WHERE later.invoke_id = r.invoke_id AND later.instance_id = r.instance_id AND later.scheduled_at > r.scheduled_at))`;

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

  /** The same conditions and values, to extend one way (a page) while this one stays as it is (its count). */
  copy(): SqlFilter {
    const copy = new SqlFilter();
    copy.conditions.push(...this.conditions);
    copy.values.push(...this.values);
    return copy;
  }

  next(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}
