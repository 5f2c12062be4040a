/**
 * CPU counters that are not one process (Linux, /proc), and a way to read
 * them around the slices of measure.ts's `interleaved`: an embedded PostgreSQL
 * server's CPU by database, and the whole machine's busy time (to tell how
 * much other people's work competed).
 *
 * PostgreSQL is not one process: the postmaster forks a backend per
 * connection, and each backend names its database in its process title
 * (`postgres: <user> <database> <client> <state>`), so /proc tells whose
 * statements used the CPU.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { cpuMsOf } from '../measure.ts';

/** Clock ticks per second of /proc's CPU times. */
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** CPU ms every core of the machine has spent busy (not idle, not waiting for I/O) since boot, from /proc/stat. */
export function machineBusyMs(): number | undefined {
  try {
    // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest time is inside user already)
    const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return ((user! + nice! + system! + irq! + softirq! + steal!) * 1000) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** The postmaster's pid from `<dataDir>/postmaster.pid`; undefined when the server is not ours or not local. */
export function postmasterPid(dataDir: string): number | undefined {
  const file = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && existsSync(`/proc/${pid}`) ? pid : undefined;
}

/** The postmaster and every process it has forked (backends, checkpointer, WAL writer, autovacuum…). */
export function postgresPids(postmaster: number): number[] {
  const out = [postmaster];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 (ppid) is the second after the parenthesised command name.
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[1]);
      if (ppid === postmaster) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** `postgres: postgres shop_bench_catalogue 127.0.0.1(40122) idle` -> `shop_bench_catalogue`; background processes -> undefined. */
function databaseOf(pid: number): string | undefined {
  try {
    const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    return /^postgres: \S+ (\S+) \S+\(\d+\)/.exec(title)?.[1];
  } catch {
    return undefined;
  }
}

/**
 * A counter of PostgreSQL CPU ms by group: `group(database)` names the
 * group of a backend (undefined: "other", with the server's own processes). Each call adds what every
 * process used since the previous call, so the totals only grow; a backend that exits between two calls
 * loses what it used after the first (the pools keep their connections under load, so that is little).
 */
export function postgresCpuCounter(postmaster: number, group: (database: string) => string | undefined): () => Record<string, number> {
  const last = new Map<number, number>();
  const totals: Record<string, number> = {};
  const read = () => {
    const seen = new Set<number>();
    for (const pid of postgresPids(postmaster)) {
      const ms = cpuMsOf(pid);
      if (ms === undefined) continue;
      seen.add(pid);
      const db = databaseOf(pid);
      const name = (db && group(db)) ?? 'pg other';
      totals[name] = (totals[name] ?? 0) + ms - (last.get(pid) ?? 0);
      last.set(pid, ms);
    }
    for (const pid of last.keys()) if (!seen.has(pid)) last.delete(pid);
    return { ...totals };
  };
  read();
  for (const k of Object.keys(totals)) totals[k] = 0;
  return read;
}

/**
 * Attributes counters that are not one pid (the functions above) to the slices of measure.ts's
 * `interleaved`, which reads only watched pids itself: pass `log` as its `log` option. `interleaved` logs
 * once after each warm-up and once after each measured slice (`round r/n <target>: <n> req/s, …`), so the
 * counters are read at every line and what changed since the previous line is added to the target a
 * `round` line names (warm-up lines only move the starting point). Also keeps each slice's req/s as logged.
 */
export function sliceTracker(read: () => Record<string, number>, print: (line: string) => void = (line) => console.error(line)) {
  let last = read();
  const byTarget: Record<string, Record<string, number>> = {};
  const perRound: Record<string, number[]> = {};
  return {
    byTarget,
    perRound,
    log(line: string) {
      const now = read();
      const m = /^round \d+\/\d+ (\S+): (\d+(?:\.\d+)?) req\/s/.exec(line);
      if (m) {
        const totals = (byTarget[m[1]!] ??= {});
        for (const [k, v] of Object.entries(now)) totals[k] = (totals[k] ?? 0) + v - (last[k] ?? 0);
        (perRound[m[1]!] ??= []).push(Number(m[2]));
      }
      last = now;
      print(line);
    },
  };
}
