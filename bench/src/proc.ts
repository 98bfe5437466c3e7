import { readFileSync } from 'node:fs';

/** Kernel clock ticks per second (`getconf CLK_TCK`); 100 on every Linux this runs on. */
const ticksPerSecond = 100;

/** CPU time (user + system) of a process in milliseconds, or undefined when it is gone. */
export function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / ticksPerSecond;
  } catch {
    return undefined;
  }
}

/** Resident memory now and at its peak, in MB (10^6 bytes), or undefined when the process is gone. */
export function memoryMB(pid: number): { rss: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) =>
      (Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0) * 1.024) / 1000; // KiB to MB
    return { rss: field('VmRSS'), peak: field('VmHWM') };
  } catch {
    return undefined;
  }
}

/** A named group of processes whose CPU is summed (Postgres backends come and go). */
export type ProcessGroups = Record<string, () => number[] | Promise<number[]>>;

type Snapshot = Map<string, Map<number, number>>;

async function snapshot(groups: ProcessGroups): Promise<Snapshot> {
  const result: Snapshot = new Map();
  for (const [name, pids] of Object.entries(groups)) {
    const perPid = new Map<number, number>();
    for (const pid of await pids()) {
      const ms = cpuMs(pid);
      if (ms !== undefined) perPid.set(pid, ms);
    }
    result.set(name, perPid);
  }
  return result;
}

/**
 * Measures CPU milliseconds spent by each group between `start()` and `stop()`. A process
 * that appears in between counts from zero (it started within the phase); one that ended in
 * between is lost, which only Postgres backends do, and rarely, as pools keep them.
 */
export async function startCpuMeter(
  groups: ProcessGroups,
): Promise<{ stop(): Promise<Record<string, number>> }> {
  const before = await snapshot(groups);
  return {
    async stop() {
      const after = await snapshot(groups);
      const spent: Record<string, number> = {};
      for (const [name, perPid] of after) {
        let total = 0;
        for (const [pid, ms] of perPid) total += ms - (before.get(name)?.get(pid) ?? 0);
        spent[name] = total;
      }
      return spent;
    },
  };
}
