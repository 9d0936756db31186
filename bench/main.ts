import { cpus, totalmem } from 'node:os';
import { agentFootprintScenario } from './agent-footprint';
import { completionsScenario } from './completions';
import { dispatchLatencyScenario } from './dispatch-latency';
import { invokeThroughputScenario } from './invoke-throughput';
import { readSideScenario } from './read-side';
import { idleConnectionsScenario } from './idle-connections';
import { fanOutScenario } from './fan-out';
import { schedulerScenario } from './scheduler-fire-lag';
import { BenchRow, BenchScenario, renderTable } from './table';

/** In the order the table prints them. */
const SCENARIOS: BenchScenario[] = [
  invokeThroughputScenario,
  dispatchLatencyScenario,
  fanOutScenario,
  completionsScenario,
  readSideScenario,
  idleConnectionsScenario,
  schedulerScenario,
  agentFootprintScenario,
];

/**
 * `npm run bench [-- --quick] [--only name,name]`: bounded, loopback-only benchmarks printing one
 * table. Numbers, never assertions: targets are read off the table, not enforced in tests.
 */
async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const onlyIndex = process.argv.indexOf('--only');
  const only = onlyIndex > 0 ? process.argv[onlyIndex + 1].split(',') : undefined;
  const unknown = only?.filter((name) => !SCENARIOS.some((s) => s.name === name)) ?? [];
  if (unknown.length > 0) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  const started = Date.now();
  const rows: BenchRow[] = [];
  for (const scenario of SCENARIOS.filter((s) => only === undefined || only.includes(s.name))) {
    const log = (line: string): void => console.error(`[${scenario.name}] ${line}`);
    log('running');
    const t0 = Date.now();
    rows.push(...(await scenario.run({ quick, log })));
    log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`;
  console.log(`\nCloud Assistant benchmarks${quick ? ' (--quick)' : ''} — ${new Date().toISOString()} — ${machine}\n`);
  console.log(renderTable(rows));
  console.log(`\n${rows.filter((r) => r.met === false).length} target(s) missed; ran ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
