/**
 * CPU time from /proc (Linux), beyond measure.ts's per-process ticks: how busy the whole machine is, so that
 * a figure measured on a shared machine says how much of the CPU other people's work took meanwhile ("other
 * load": busy cores that were not this run's processes); a process's descendants; and a process's CPU time
 * to the nanosecond, for spans too short for clock ticks (one request).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { machineBusyMs } from '../measure.ts';

/**
 * Cores busy with other work between `startMs` (a machineBusyMs() reading) and now, over `wallMs`, given the
 * CPU ms this run's own processes used meanwhile.
 */
export function otherCores(startMs: number | undefined, ownMs: number, wallMs: number): number | undefined {
  const now = machineBusyMs();
  if (startMs === undefined || now === undefined) return undefined;
  return Math.max(0, now - startMs - ownMs) / wallMs;
}

/** `pid` and its descendants, as they are now (/proc/<pid>/task/<tid>/children, Linux); [pid] elsewhere. */
export function processTree(pid: number): number[] {
  const out = [pid];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (children) for (const child of children.split(/\s+/)) out.push(...processTree(Number(child)));
    }
  } catch {
    // gone meanwhile, or not Linux
  }
  return out;
}

/**
 * CPU ms every thread of `pid` has run so far, from each thread's schedstat (nanoseconds, where /proc/<pid>/stat
 * counts 10 ms ticks); threads that have already exited are missing. undefined when unreadable.
 */
export function threadsCpuMs(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // the thread ended meanwhile
      }
    }
    return ns / 1e6;
  } catch {
    return undefined;
  }
}
