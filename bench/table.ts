/**
 * One row of the benchmark table: our figure, the reference measured in the same run (pgbench,
 * graphile-worker, a naive implementation), their ratio, and the target from the issue.
 */
export interface BenchRow {
  scenario: string;
  ours: string;
  /** The peer or hard limit measured in this same run; '' when the row has none. */
  reference?: string;
  /** ours ÷ reference, oriented so that > 1 means we are better; undefined when not comparable. */
  ratio?: number;
  target?: string;
  /** Whether the target was met; undefined for informational rows. */
  met?: boolean;
}

/** A scenario of `npm run bench`; `quick` must keep the whole run under two minutes. */
export interface BenchScenario {
  name: string;
  run(options: { quick: boolean; log: (line: string) => void }): Promise<BenchRow[]>;
}

export function renderTable(rows: BenchRow[]): string {
  const cells = rows.map((r) => [
    r.scenario,
    r.ours,
    r.reference ?? '',
    r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`,
    r.target ?? '',
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
  ]);
  const header = ['scenario', 'ours', 'reference (same run)', 'ratio', 'target', 'met'];
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)));
  const line = (row: string[]): string => `| ${row.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

export const ms = (n: number): string => `${n.toFixed(1)} ms`;
