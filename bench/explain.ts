import { Client } from 'pg';

/** A node of `EXPLAIN (FORMAT JSON)`, the fields we read. */
interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

export interface PlanSummary {
  /** Indexes the plan reads, as `name (node type)`. */
  indexes: string[];
  /** Tables read with a sequential scan. */
  seqScans: string[];
  /** Rows the scan nodes produced or filtered away: the work, not the result. */
  rowsScanned: number;
  /** Shared buffers hit or read. */
  buffers: number;
  /** PostgreSQL's own planning + execution time, ms (median of the runs). */
  ms: number;
}

export interface ExplainedStatement {
  sql: string;
  values: unknown[];
  summary: PlanSummary;
  /** `EXPLAIN (ANALYZE, BUFFERS)` as text, for the artifacts file. */
  text: string;
}

const SCANS = new Set(['Seq Scan', 'Index Scan', 'Index Only Scan', 'Bitmap Heap Scan']);

function walk(node: PlanNode, visit: (n: PlanNode) => void): void {
  visit(node);
  for (const child of node.Plans ?? []) walk(child, visit);
}

function summarizePlan(root: PlanNode): Omit<PlanSummary, 'ms'> {
  const indexes = new Set<string>();
  const seqScans = new Set<string>();
  let rowsScanned = 0;
  walk(root, (n) => {
    if (n['Index Name']) indexes.add(`${n['Index Name']} (${n['Node Type']})`);
    if (n['Node Type'] === 'Seq Scan' && n['Relation Name']) seqScans.add(n['Relation Name']);
    if (SCANS.has(n['Node Type'])) {
      const perLoop = (n['Actual Rows'] ?? 0) + (n['Rows Removed by Filter'] ?? 0) + (n['Rows Removed by Index Recheck'] ?? 0);
      rowsScanned += perLoop * (n['Actual Loops'] ?? 1);
    }
  });
  return { indexes: [...indexes], seqScans: [...seqScans], rowsScanned, buffers: (root['Shared Hit Blocks'] ?? 0) + (root['Shared Read Blocks'] ?? 0) };
}

/**
 * EXPLAIN (ANALYZE, BUFFERS) of one statement with its parameters, bound the way the service
 * binds them (unnamed statement, custom plan). Runs it `runs` times and keeps the median time:
 * the floor PostgreSQL itself needs for this SQL, without network, driver or service. Timed
 * with TIMING OFF: per-node clocks would inflate plans that touch many rows.
 */
export async function explainStatement(db: Client, sql: string, values: unknown[], runs = 5): Promise<ExplainedStatement> {
  const times: number[] = [];
  let root: PlanNode | undefined;
  for (let i = 0; i < runs; i++) {
    const result = await db.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode; 'Planning Time': number; 'Execution Time': number }> }>(
      `EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, FORMAT JSON) ${sql}`,
      values,
    );
    const [plan] = result.rows[0]['QUERY PLAN'];
    times.push(plan['Planning Time'] + plan['Execution Time']);
    root = plan.Plan;
  }
  const textResult = await db.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, values);
  const text = textResult.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n');
  times.sort((a, b) => a - b);
  return { sql, values, text, summary: { ...summarizePlan(root!), ms: times[Math.floor(times.length / 2)] } };
}

/** One line: which indexes, any sequential scan, rows scanned, PostgreSQL's time per statement. */
export function compactPlan(statements: ExplainedStatement[]): string {
  const indexes = [
    ...new Set(
      statements.flatMap((s) =>
        s.summary.indexes.map((i) =>
          i.replace(/ \((Index|Index Only|Bitmap Index) Scan\)/, (_, t: string) => ` ${t === 'Index Only' ? 'IOS' : t === 'Bitmap Index' ? 'bitmap' : 'scan'}`),
        ),
      ),
    ),
  ];
  const seq = [...new Set(statements.flatMap((s) => s.summary.seqScans))];
  const rows = statements.reduce((sum, s) => sum + s.summary.rowsScanned, 0);
  const ms = statements.map((s) => s.summary.ms.toFixed(2)).join(' + ');
  return `${indexes.join(', ') || 'no index'}${seq.length ? `; SEQ SCAN ${seq.join(', ')}` : ''}; ${rows.toLocaleString('en')} rows scanned; ${statements.length} stmt ${ms} ms`;
}
