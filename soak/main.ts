import { soak } from './soak';

/** `npm run soak -- --minutes N`: prints the audit; exits 1 when anything was lost, doubled or left stuck. */
async function main(): Promise<void> {
  const index = process.argv.indexOf('--minutes');
  const minutes = index > 0 ? Number(process.argv[index + 1]) : 2;
  if (!(minutes > 0 && minutes <= 240)) throw new Error('--minutes takes a number from 0 to 240');
  const started = Date.now();
  const audit = await soak({ minutes, log: (line) => console.log(`${new Date().toISOString()} ${line}`) });
  console.log(`\nSoak audit after ${((Date.now() - started) / 60_000).toFixed(1)} minutes (${minutes} of load):`);
  console.log(JSON.stringify(audit, null, 2));
  const checks: Array<[string, number]> = [
    ['duplicate runs', audit.duplicateRuns],
    ['missed fires', audit.missedFires],
    ['records stuck', audit.stuckRecords],
    ['double executions', audit.doubleExecutions],
    ['one-shot runs lost or doubled', audit.lostOneShotRuns],
    ['runs finished that no agent logged executing', audit.finishedWithoutExecution],
    ['processes that died by themselves', audit.unexpectedExits],
    ['deadlocks', audit.deadlocks],
    // The chaos itself must have happened, or the run proves nothing.
    ['PostgreSQL restarts other than one', audit.postgresRestarts === 1 ? 0 : 1],
    ['service processes never killed', audit.serverKills > 0 ? 0 : 1],
    ['agents never killed', audit.agentKills > 0 ? 0 : 1],
  ];
  const failures = checks.filter(([, n]) => n !== 0);
  for (const [what, n] of failures) console.log(`FAILED: ${n} ${what}`);
  console.log(`soak: ${checks.length - failures.length} passed, ${failures.length} failed`);
  process.exit(failures.length === 0 ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
