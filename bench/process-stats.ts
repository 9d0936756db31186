import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

// What /proc says of a process: CPU time, memory, open-files limit (Linux only, like the benchmarks).

/** Units of /proc/<pid>/stat CPU times per second. */
export const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a process, in clock ticks; 0 once it is gone. */
export function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

export const sumTicks = (pids: number[]): number => pids.reduce((sum, pid) => sum + cpuTicks(pid), 0);

export function memoryOf(pid: number): { rssMb: number; peakRssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
}

/** Each simulated agent holds two sockets in the load client and two in the service (both inherit our limit). */
export function assertOpenFilesLimit(needed: number): void {
  const limit = /Max open files\s+(\d+|unlimited)/.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
  if (limit !== undefined && limit !== 'unlimited' && Number(limit) < needed) {
    throw new Error(`open files limit ${limit} < ${needed} needed for the connections benchmark: raise it (ulimit -n ${needed})`);
  }
}
