import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { memoryOf } from './process-stats';
import { treeCpuMs } from './process-cpu';
import { BenchEnvironment, REPO, sleep } from './support';
import { BenchScenario } from './table';

/** The self-contained executable `npm run build` makes: what a machine runs. */
const INSTALLED_AGENT = join(REPO, 'dist', 'agent', 'cloud-assistant-agent');
/** Long enough to hold several heartbeats (every 10 s) and long-poll renewals (every 20 s). */
const IDLE_SECONDS = { full: 60, quick: 20 };
/** Start-up (code loading, the first heartbeat and poll) is not idle cost. */
const SETTLE_SECONDS = 5;

const IDLE_RSS_TARGET_MB = 50;
const IDLE_CPU_TARGET_PERCENT = 0.5;

/**
 * What one idle agent costs its machine: resident memory and CPU while it heartbeats and waits
 * in its long poll with nothing to run. The agent runs on every managed machine, beside that
 * machine's own work, so this is the cost the fleet pays. Measured on the self-contained
 * executable when the build made one, else on the built JavaScript under this Node.
 *
 * CPU counts the agent's whole process tree (its spare shell included), from /proc, so a busy
 * machine does not inflate it; RSS is the agent's plus its spare's.
 */
export const agentFootprintScenario: BenchScenario = {
  name: 'agent',
  async run({ quick, log }) {
    const env = new BenchEnvironment();
    try {
      await env.startDatabase();
      await env.startServer();
      const activation = await env.call('CreateActivation', { InstanceCount: '1' });
      const agent = await env.registerAgentState(activation, 'bench-idle');
      const executable = existsSync(INSTALLED_AGENT);
      const [file, args] = executable
        ? [INSTALLED_AGENT, ['run', '--state-dir', agent.stateDir]]
        : [process.execPath, [join(REPO, 'dist', 'apps', 'agent', 'src', 'main.js'), 'run', '--state-dir', agent.stateDir]];
      log(`idle agent: ${executable ? 'the self-contained executable' : 'dist JavaScript (no executable built)'}`);
      const child = await env.spawnExecutable(file, args, /agent .* for /);
      await sleep(SETTLE_SECONDS * 1000);
      const seconds = quick ? IDLE_SECONDS.quick : IDLE_SECONDS.full;
      const [cpuBefore] = treeCpuMs([child.pid!]);
      const rssSamples: number[] = [];
      for (let waited = 0; waited < seconds; waited += 5) {
        await sleep(5000);
        rssSamples.push(treeRssMb(child.pid!));
      }
      const [cpuAfter] = treeCpuMs([child.pid!]);
      const cpuPercent = ((cpuAfter - cpuBefore) / (seconds * 1000)) * 100;
      const rssMb = Math.max(...rssSamples);
      const kind = executable ? 'executable' : 'node dist';
      return [
        {
          scenario: `idle agent RSS (${kind}; agent + spare shell, max of ${rssSamples.length} samples)`,
          ours: `${rssMb.toFixed(1)} MB`,
          target: `≤ ${IDLE_RSS_TARGET_MB} MB`,
          met: rssMb <= IDLE_RSS_TARGET_MB,
        },
        {
          scenario: `idle agent CPU (${kind}; over ${seconds} s)`,
          ours: `${cpuPercent.toFixed(2)} % of a core`,
          target: `≤ ${IDLE_CPU_TARGET_PERCENT} %`,
          met: cpuPercent <= IDLE_CPU_TARGET_PERCENT,
        },
      ];
    } finally {
      await env.close();
    }
  },
};

/** RSS of the agent and its direct children (the spare shell waiting for the next run). */
function treeRssMb(pid: number): number {
  let total = memoryOf(pid).rssMb;
  for (const child of childPids(pid)) {
    try {
      total += memoryOf(child).rssMb;
    } catch {
      // exited while we looked
    }
  }
  return total;
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
