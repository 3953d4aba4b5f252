import { readdir, readFile } from 'node:fs/promises';

/** Clock ticks a second for /proc's CPU times (Linux: 100 on every common kernel). */
const TICKS_PER_SECOND = 100;

/** One process's /proc/<pid>/stat: parent, CPU seconds (user + system) and resident bytes. */
async function statOf(pid: number): Promise<{ ppid: number; cpuS: number } | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  // The command name is in parentheses and may hold spaces: fields count from after it.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(fields[1]), cpuS: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND };
}

/** CPU seconds used so far by `pid` and every live descendant (PostgreSQL's backends under its postmaster). */
export async function treeCpuSeconds(pid: number): Promise<number> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
  const stats = new Map<number, { ppid: number; cpuS: number }>();
  for (const p of pids) {
    const stat = await statOf(p);
    if (stat) stats.set(p, stat);
  }
  const children = new Map<number, number[]>();
  for (const [p, stat] of stats) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), p]);
  let total = 0;
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.pop() as number;
    total += stats.get(p)?.cpuS ?? 0;
    queue.push(...(children.get(p) ?? []));
  }
  return total;
}

/** CPU seconds used so far by one process. */
export async function cpuSeconds(pid: number): Promise<number> {
  return (await statOf(pid))?.cpuS ?? Number.NaN;
}

/** VmRSS of a process in bytes (Linux). */
export async function residentBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN) * 1024;
}
