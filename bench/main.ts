import { measureDispatchLatency } from './dispatch-latency';
import { measureNaiveCronJobs, measureSchedulerFireLag } from './scheduler-fire-lag';

/**
 * `npm run bench [-- --quick]`: bounded, loopback-only benchmarks printing one table. Numbers,
 * never assertions: targets are read off the table, not enforced in tests.
 */
async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const rows: Array<[string, string, string]> = [];
  const fmt = (n: number): string => n.toFixed(2);

  const onlyIndex = process.argv.indexOf('--only');
  const only = onlyIndex > 0 ? process.argv[onlyIndex + 1] : undefined;
  const wanted = (name: string): boolean => only === undefined || only === name;

  if (wanted('dispatch')) {
  const dispatch = await measureDispatchLatency(quick ? { agents: 20, samples: 100 } : { agents: 100, samples: 500 });
  rows.push([
    `Dispatch latency, response → process started (${dispatch.agents} agents, n=${dispatch.samples})`,
    `p50 ${fmt(dispatch.afterResponse.p50)} ms, p90 ${fmt(dispatch.afterResponse.p90)} ms, p99 ${fmt(dispatch.afterResponse.p99)} ms, max ${fmt(dispatch.afterResponse.max)} ms`,
    'p50 ≤ 10 ms, p99 ≤ 50 ms',
  ]);
  rows.push([`  of which: response → task received by the agent`, `p50 ${fmt(dispatch.delivery.p50)} ms, p99 ${fmt(dispatch.delivery.p99)} ms`, '']);
  rows.push([`  InvokeCommand round trip (client view)`, `p50 ${fmt(dispatch.invokeCall.p50)} ms, p99 ${fmt(dispatch.invokeCall.p99)} ms`, '']);
  rows.push([`  request sent → process started`, `p50 ${fmt(dispatch.afterRequest.p50)} ms, p99 ${fmt(dispatch.afterRequest.p99)} ms`, '']);

  }

  if (wanted('scheduler')) {
  const scale = quick ? { schedules: 10_000, dueTogether: 1000 } : { schedules: 100_000, dueTogether: 1000 };
  const ours = await measureSchedulerFireLag(scale);
  rows.push([
    `Scheduler fire lag, ${ours.schedules} schedules, ${ours.dueTogether} due in one second (scheduled → records committed)`,
    `p50 ${fmt(ours.lag.p50)} ms, p99 ${fmt(ours.lag.p99)} ms, max ${fmt(ours.lag.max)} ms; fired ${ours.fired}, early ${ours.early}`,
    'p99 ≤ 250 ms, zero early',
  ]);
  rows.push([`  service process RSS after the fire (peak)`, `${ours.rssMb.toFixed(0)} MB (${ours.peakRssMb.toFixed(0)} MB)`, 'RSS ≤ 250 MB']);
  const naive = await measureNaiveCronJobs(scale);
  rows.push([
    `  naive: one @nestjs/schedule CronJob per schedule, same load`,
    `p50 ${fmt(naive.lag.p50)} ms, p99 ${fmt(naive.lag.p99)} ms; fired ${naive.fired}, early ${naive.early}; RSS ${naive.rssMb.toFixed(0)} MB; ${(naive.startupMs / 1000).toFixed(1)} s to start the jobs`,
    'reference',
  ]);
  }

  console.log(`\nCloud Assistant benchmarks — ${new Date().toISOString()} — ${require('node:os').cpus().length} cores, node ${process.version}\n`);
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length), ['scenario', 'result', 'target'][c].length));
  const line = (cells: string[]): string => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(['scenario', 'result', 'target']));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
