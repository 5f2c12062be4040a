/**
 * Measuring on a small shared machine: HTTP load with autocannon, CPU time per
 * process from /proc, CPU pinning with taskset, and A/B(/C) variants measured
 * in interleaved slices so that a machine getting busier or quieter does not
 * favour whichever runs last. Scenarios compare ratios within one run.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import autocannon from 'autocannon';

/** Clock ticks per second of /proc's CPU times (/proc/stat, /proc/<pid>/stat). */
export const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux); undefined elsewhere. */
export function cpuMsOf(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    // Fields after the parenthesised command name: state is field 3, utime 14 and stime 15.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** CPU ms every core together has spent busy since boot (/proc/stat, Linux); undefined elsewhere. */
export function machineBusyMs(): number | undefined {
  try {
    // "cpu  user nice system idle iowait irq softirq steal guest guest_nice"; guest time is already in user.
    const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return ((user! + nice! + system! + irq! + softirq! + (steal ?? 0)) * 1000) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** A process whose CPU time a scenario reports. */
export interface Watched {
  name: string;
  pid: number | undefined;
}

/** CPU ms used so far by each watched process and by this one (the load generator), by name. */
export function cpuSnapshot(processes: Watched[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of processes) {
    const ms = cpuMsOf(p.pid);
    if (ms !== undefined) out[p.name] = ms;
  }
  const self = process.cpuUsage();
  out['load generator'] = (self.user + self.system) / 1000;
  return out;
}

/**
 * CPU pinning. With two or more cores and `taskset` present, the system under test gets CPU 0 and everything
 * else (this process, the load generator, the databases it already started and the other services) the rest,
 * so that the load generator does not steal the measured process's core. `undefined` where that cannot be done.
 */
export const PINNING = (() => {
  const n = cpus().length;
  if (process.platform !== 'linux' || n < 2 || spawnSync('taskset', ['-V']).status !== 0) return undefined;
  return { underTest: '0', rest: `1-${n - 1}` };
})();

/** Pins every thread of `pid` to `cpuList` (taskset syntax); false when it could not. */
export function pin(pid: number | undefined, cpuList: string | undefined): boolean {
  if (!pid || !cpuList) return false;
  return spawnSync('taskset', ['-a', '-cp', cpuList, String(pid)], { stdio: 'ignore' }).status === 0;
}

/** Pins this process (and so the children it starts from now on) to the cores that are not under test. */
export function pinSelfToRest(): boolean {
  return pin(process.pid, PINNING?.rest);
}

export interface LoadTarget {
  name: string;
  url: string;
  /** The request bodies, as sent, in turn (one body: every request the same). */
  bodies: string[];
  headers?: Record<string, string>;
  /** A 200 answer is counted as an error when this says so (a string check: the load generator shares the CPU). */
  isError?: (body: string) => boolean;
}

export interface Slice {
  requests: number;
  seconds: number;
  /** Latency of each 2xx answer, ms. */
  latencies: number[];
  errors: number;
}

/**
 * One closed-loop autocannon run: `connections` requests in flight, for `seconds`, or until `amount`
 * requests have been answered. A run by amount ends with nothing in flight, so the CPU the process under
 * test spent belongs to exactly the requests counted; a run by time cuts off up to `connections` requests
 * whose work is done but not counted (or spills into what is measured next).
 */
export async function load(target: LoadTarget, seconds: number, connections: number, amount?: number): Promise<Slice> {
  const latencies: number[] = [];
  let graphqlErrors = 0;
  let next = 0;
  const isError = target.isError ?? ((b: string) => b.includes('"errors"'));
  let instance!: autocannon.Instance;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: target.url,
        connections,
        ...(amount ? { amount } : { duration: seconds }),
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...target.headers },
        body: target.bodies[0],
        requests: [
          {
            // Each connection takes the next body in turn, so concurrent requests differ (unless there is only one).
            setupRequest: (req) => ({ ...req, body: target.bodies[next++ % target.bodies.length] }),
            onResponse: (status, body) => void (status === 200 && isError(body) && graphqlErrors++),
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
  instance.on('response', (_client, status, _bytes, ms) => void (status < 300 && latencies.push(ms)));
  const result = await done;
  return { requests: result.requests.total, seconds: result.duration, latencies, errors: result.errors + result.non2xx + graphqlErrors };
}

export interface Measured {
  name: string;
  requests: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  /** CPU ms per completed request, by watched process (and counter), over the measured slices. */
  cpuMsPerRequest: Record<string, number>;
  /** Each measured slice's req/s, in order. */
  perRound: number[];
}

export function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
}

export interface InterleaveOptions {
  /** @default 3 // seconds of unmeasured load per target first (JIT, pools, caches; at least 1: it also sizes the slices) */
  warmupSeconds: number;
  /** seconds measured per target, split into `rounds` slices */
  seconds: number;
  /** @default 3 */
  rounds: number;
  connections: number;
  /** The processes whose CPU time is reported, for every target. */
  watch: Watched[];
  /**
   * CPU ms counters that are not one process (PostgreSQL's backends by database, the whole machine), read
   * around each slice like the watched processes and reported beside them.
   */
  counters?: () => Record<string, number>;
  log?: (line: string) => void;
}

/** Waits until the watched processes are quiet (requests cut off by a run by time, a GC), at most `maxMs`. */
async function settle(watch: Watched[], maxMs = 3_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = cpuSnapshot(watch);
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    const now = cpuSnapshot(watch);
    const busy = watch.reduce((n, w) => n + (now[w.name] ?? 0) - (last[w.name] ?? 0), 0);
    last = now;
    if (busy <= 10) return; // under 10 CPU-ms in 100 ms over all of them: idle but for housekeeping
  }
}

/**
 * Warms every target up, then measures them in `rounds` rounds, each target one slice per round in turn,
 * with every watched process's CPU time read around each slice. A slice is a number of requests (what the
 * target's warm-up rate does in the slice's seconds), so that each slice ends with nothing in flight.
 */
export async function interleaved(targets: LoadTarget[], options: InterleaveOptions): Promise<{ measured: Measured[]; load: { start: number; end: number } }> {
  const log = options.log ?? ((line: string) => console.error(line));
  const sliceSeconds = options.seconds / options.rounds;
  const amounts = new Map<LoadTarget, number>();
  for (const t of targets) {
    const w = await load(t, Math.max(1, options.warmupSeconds), options.connections);
    // At least a few requests per connection, so that the ramp-up and the last requests' tail weigh little.
    amounts.set(t, Math.max(4 * options.connections, Math.round((w.requests / w.seconds) * sliceSeconds)));
    log(`warm-up ${t.name}: ${(w.requests / w.seconds).toFixed(0)} req/s, ${w.errors} errors`);
  }
  await settle(options.watch);
  const start = loadavg()[0]!;
  const slices = targets.map(() => [] as Slice[]);
  const cpu = targets.map(() => ({}) as Record<string, number>);
  for (let round = 0; round < options.rounds; round++) {
    for (const [i, t] of targets.entries()) {
      const before = { ...cpuSnapshot(options.watch), ...options.counters?.() };
      const slice = await load(t, sliceSeconds, options.connections, amounts.get(t));
      await settle(options.watch);
      const after = { ...cpuSnapshot(options.watch), ...options.counters?.() };
      for (const name of Object.keys(after)) cpu[i]![name] = (cpu[i]![name] ?? 0) + after[name]! - (before[name] ?? 0);
      slices[i]!.push(slice);
      log(`round ${round + 1}/${options.rounds} ${t.name}: ${(slice.requests / slice.seconds).toFixed(0)} req/s, ${slice.errors} errors`);
    }
  }
  const end = loadavg()[0]!;
  const measured = targets.map((t, i) => {
    const s = slices[i]!;
    const latencies = s.flatMap((x) => x.latencies).sort((a, b) => a - b);
    const requests = s.reduce((n, x) => n + x.requests, 0);
    const seconds = s.reduce((n, x) => n + x.seconds, 0);
    return {
      name: t.name,
      requests,
      perSecond: requests / seconds,
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      errors: s.reduce((n, x) => n + x.errors, 0),
      cpuMsPerRequest: Object.fromEntries(Object.entries(cpu[i]!).map(([name, ms]) => [name, ms / Math.max(1, requests)])),
      perRound: s.map((x) => x.requests / x.seconds),
    };
  });
  return { measured, load: { start, end } };
}

/** Where and how a run was measured, for the tables' captions and the JSON. */
export function machine() {
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    pinning: PINNING ? `system under test on CPU ${PINNING.underTest}, the rest on CPU ${PINNING.rest}` : 'none',
    loadAverage: loadavg()[0],
  };
}

export const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
