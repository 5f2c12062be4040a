/**
 * An embedded PostgreSQL server's CPU by database (Linux, /proc), as a
 * counter for measure.ts's `interleaved` (its `counters` option).
 *
 * PostgreSQL is not one process: the postmaster forks a backend per
 * connection, and each backend names its database in its process title
 * (`postgres: <user> <database> <client> <state>`), so /proc tells whose
 * statements used the CPU.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { cpuMsOf } from '../measure.ts';

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
