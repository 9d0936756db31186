import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime, in ticks: the process and its children already waited for. */
  ticks: number;
}

function readStats(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const text = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: the fields start after the last ')'.
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      stats.push({ pid: Number(name), ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]) });
    } catch {
      // exited while we looked
    }
  }
  return stats;
}

/**
 * CPU time used so far by each process tree (a root and all its descendants, living or already
 * reaped), in ms. Robust to a busy machine where wall-clock figures are not: what a change saves
 * in CPU it saves whatever else runs. Linux only; a root that has exited counts 0.
 */
export function treeCpuMs(roots: number[]): number[] {
  const stats = readStats();
  const children = new Map<number, ProcStat[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  return roots.map((root) => {
    let ticks = 0;
    const queue = byPid.has(root) ? [byPid.get(root)!] : [];
    while (queue.length > 0) {
      const s = queue.pop()!;
      ticks += s.ticks;
      queue.push(...(children.get(s.pid) ?? []));
    }
    return (ticks * 1000) / TICKS_PER_SECOND;
  });
}

/** Children of `ppid` running `command` (as /proc/PID/comm names it), e.g. an embedded postgres. */
export function childrenNamed(ppid: number, command: string): number[] {
  return readStats()
    .filter((s) => s.ppid === ppid)
    .filter((s) => {
      try {
        return readFileSync(`/proc/${s.pid}/comm`, 'utf8').trim() === command;
      } catch {
        return false;
      }
    })
    .map((s) => s.pid);
}
