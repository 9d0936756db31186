/**
 * Preloaded into a server process (`node --require …/sql-capture-hook.js`) by the read-side
 * benchmark: appends every statement the pg driver sends, with its parameters and the time, as
 * a JSON line to the file named by BENCH_SQL_CAPTURE. This is the SQL the service really runs,
 * whatever builds it (TypeORM or hand-written), so the benchmark can EXPLAIN exactly that.
 * Used only in a separate capture pass, never while latency is measured.
 */
import { appendFileSync } from 'node:fs';
import { Client } from 'pg';

export interface CapturedStatement {
  at: number;
  text: string;
  values: unknown[];
}

const file = process.env.BENCH_SQL_CAPTURE;
if (file) {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- applied to the client it is called on, below
  const original = Client.prototype.query;
  const capturing = function (this: Client, ...args: unknown[]): unknown {
    const [config, values] = args as [string | { text?: string; values?: unknown[] } | undefined, unknown];
    const text = typeof config === 'string' ? config : config?.text;
    if (typeof text === 'string') {
      const params = Array.isArray(values) ? values : typeof config === 'object' ? (config.values ?? []) : [];
      const line: CapturedStatement = { at: Date.now(), text, values: params };
      appendFileSync(file, JSON.stringify(line) + '\n');
    }
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  };
  Client.prototype.query = capturing as typeof Client.prototype.query;
}
