/**
 * Calibration: what this machine does with nothing of the project in the way, as figures anyone can
 * set beside published ones (and so scale the other scenarios' figures to their own machine):
 *
 * - a Node hello world (node:http alone, fastify/benchmarks' `node-http` handler) under autocannon GET load;
 * - a PostgreSQL primary-key lookup, prepared, random ids over a 100,000-row table: one connection one query
 *   at a time, then a pg.Pool of `--connections` at once;
 * - a Redis GET with ioredis: one at a time, `--in-flight` concurrent on one connection, and pipelines of
 *   `--in-flight` GETs. Skipped (a row says so) when no Redis answers within 1 s.
 *
 *   pnpm bench calibration [--seconds=10] [--warmup=2] [--connections=16] [--pipelining=1]
 *                          [--pg-seconds=4] [--rows=100000] [--redis-seconds=3] [--in-flight=16]
 *
 * PostgreSQL is `DATABASE_URL`'s server when set, else an embedded one (benchStack's port and data folder),
 * in a database of its own that is dropped at the end. Redis is `REDIS_URL` (default redis://127.0.0.1:6379);
 * the keys live under a prefix of this run's and are deleted at the end.
 *
 * Where taskset is available the measured server (the hello world; the embedded PostgreSQL's backends) runs
 * on CPU 0 and this process, the load generator and client, on the rest, as in the other scenarios. Redis
 * is not ours to pin. Every row also gives the cores each side kept busy and the "other load" (busy cores
 * that were not this run's): on a shared machine the rates say first how much CPU was left to them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import pg from 'pg';
import { dropDatabase, ensureDatabase, withDatabase } from '@shop/platform';
import { startEmbeddedPostgres } from '@shop/platform/embedded-postgres';
import { ROOT } from '@shop/stack';
import { otherCores } from '../calibration/proc-cpu.ts';
import { BENCH, markdownTable, writeResult } from '../lib.ts';
import { cpuMsOf, fmt, machine, machineBusyMs, percentile, pin, pinSelfToRest, PINNING, type Slice } from '../measure.ts';

const { values } = parseArgs({
  options: {
    /** @default 10 // seconds of measured hello-world load */
    seconds: { type: 'string', default: '10' },
    /** @default 2 // seconds of unmeasured load before each measurement (JIT, connections, caches) */
    warmup: { type: 'string', default: '2' },
    /** @default 16 // HTTP connections, and the pg.Pool's size */
    connections: { type: 'string', default: '16' },
    /** @default 1 // HTTP requests in flight per connection (fastify/benchmarks use 10, with 100 connections) */
    pipelining: { type: 'string', default: '1' },
    /** @default 4 // seconds measured per PostgreSQL variant */
    'pg-seconds': { type: 'string', default: '4' },
    /** @default 100000 // rows in the lookup table */
    rows: { type: 'string', default: '100000' },
    /** @default 3 // seconds measured per Redis variant */
    'redis-seconds': { type: 'string', default: '3' },
    /** @default 16 // Redis GETs in flight (concurrent) or per pipeline */
    'in-flight': { type: 'string', default: '16' },
  },
  strict: true,
});
const settings = {
  seconds: Number(values.seconds),
  warmupSeconds: Number(values.warmup),
  connections: Number(values.connections),
  pipelining: Number(values.pipelining),
  pgSeconds: Number(values['pg-seconds']),
  rows: Number(values.rows),
  redisSeconds: Number(values['redis-seconds']),
  inFlight: Number(values['in-flight']),
};

/** CPU ms this process (the load generator or client) has used so far. */
const selfCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * The pids among `pids` that are local processes named `comm` (a server's pid as the server reports it is
 * someone else's, or nobody's, when the server runs in a container or on another host).
 */
function localPids(pids: Iterable<number>, comm: string): number[] {
  return [...pids].filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim().startsWith(comm);
    } catch {
      return false;
    }
  });
}
const cpuMsOfAll = (pids: number[]) => pids.reduce((n, pid) => n + (cpuMsOf(pid) ?? 0), 0);

/** measure.ts's `load` POSTs a body; a hello world wants plain GETs. Same closed loop, same latency capture. */
async function getLoad(url: string, seconds: number, connections: number, pipelining: number): Promise<Slice> {
  const latencies: number[] = [];
  let instance!: autocannon.Instance;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon({ url, connections, pipelining, duration: seconds, method: 'GET' }, (err, result) => (err ? reject(err) : resolve(result)));
  });
  // autocannon's own histogram keeps whole milliseconds; a hello world answers in fractions of one.
  instance.on('response', (_client, status, _bytes, ms) => void (status < 300 && latencies.push(ms)));
  const result = await done;
  return { requests: result.requests.total, seconds: result.duration, latencies: latencies.sort((a, b) => a - b), errors: result.errors + result.non2xx + result.timeouts };
}

async function helloWorld() {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'calibration', 'hello-server.ts')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [line] = (await Promise.race([
      once(createInterface({ input: child.stdout! }), 'line'),
      once(child, 'exit').then(([code]) => Promise.reject(new Error(`hello server exited (code ${code}) before listening`))),
    ])) as [string];
    const url = `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}/`;
    // Pinned once it listens, so that every thread it has (V8's, libuv's) is moved; later ones inherit.
    const pinned = pin(child.pid, PINNING?.underTest);
    if (settings.warmupSeconds > 0) await getLoad(url, settings.warmupSeconds, settings.connections, settings.pipelining);
    const load = loadavg()[0]!;
    const server0 = cpuMsOf(child.pid);
    const self0 = selfCpuMs();
    const busy0 = machineBusyMs();
    const slice = await getLoad(url, settings.seconds, settings.connections, settings.pipelining);
    const serverMs = (cpuMsOf(child.pid) ?? NaN) - (server0 ?? NaN);
    const selfMs = selfCpuMs() - self0;
    const otherLoad = otherCores(busy0, serverMs + selfMs, slice.seconds * 1000);
    const result = {
      url,
      pinned,
      loadAverage: load,
      requests: slice.requests,
      seconds: slice.seconds,
      perSecond: slice.requests / slice.seconds,
      p50: percentile(slice.latencies, 50),
      p95: percentile(slice.latencies, 95),
      p99: percentile(slice.latencies, 99),
      errors: slice.errors,
      serverCpuUsPerRequest: (serverMs * 1000) / Math.max(1, slice.requests),
      serverCores: serverMs / (slice.seconds * 1000),
      loadGeneratorCores: selfMs / (slice.seconds * 1000),
      otherLoad,
    };
    console.error(`hello world: ${fmt(result.perSecond, 0)} req/s, p99 ${fmt(result.p99, 2)} ms, ${result.errors} errors`);
    return result;
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
  }
}

interface Loop {
  operations: number;
  seconds: number;
  /** Latency of each operation (or pipeline), µs, sorted. */
  latenciesUs: number[];
}

/** `workers` closed loops calling `op` until `seconds` have passed. */
async function timedLoop(seconds: number, workers: number, op: () => Promise<unknown>, perCall = 1): Promise<Loop> {
  const latenciesUs: number[] = [];
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        await op();
        latenciesUs.push((performance.now() - t) * 1000);
      }
    }),
  );
  return { operations: latenciesUs.length * perCall, seconds: (performance.now() - started) / 1000, latenciesUs: latenciesUs.sort((a, b) => a - b) };
}

interface Variant {
  name: string;
  inFlight: number;
  perSecond: number;
  p50Us: number;
  p99Us: number;
  operations: number;
  /** CPU µs per operation of the server's processes, when they are local and visible. */
  serverCpuUs: number | undefined;
  clientCpuUs: number;
  /** Cores busy on average: whichever side is near 1.0 is what limits the rate. */
  serverCores: number | undefined;
  clientCores: number;
  /** Cores other processes kept busy meanwhile (the server's count as others' when it is not visible). */
  otherLoad: number | undefined;
  loadAverage: number;
}

/** Warms `op` up, then measures it, with the CPU of the server's processes (`serverPids()`, read after warm-up) and this one's. */
async function measureVariant(name: string, inFlight: number, seconds: number, op: () => Promise<unknown>, serverPids: () => number[], perCall = 1): Promise<Variant> {
  await timedLoop(Math.min(1, seconds), inFlight, op, perCall);
  const pids = serverPids();
  const loadAverage = loadavg()[0]!;
  const server0 = cpuMsOfAll(pids);
  const self0 = selfCpuMs();
  const busy0 = machineBusyMs();
  const loop = await timedLoop(seconds, inFlight, op, perCall);
  const serverMs = cpuMsOfAll(pids) - server0;
  const selfMs = selfCpuMs() - self0;
  const otherLoad = otherCores(busy0, serverMs + selfMs, loop.seconds * 1000);
  const v: Variant = {
    name,
    inFlight,
    perSecond: loop.operations / loop.seconds,
    p50Us: percentile(loop.latenciesUs, 50),
    p99Us: percentile(loop.latenciesUs, 99),
    operations: loop.operations,
    serverCpuUs: pids.length ? (serverMs * 1000) / loop.operations : undefined,
    clientCpuUs: (selfMs * 1000) / loop.operations,
    serverCores: pids.length ? serverMs / (loop.seconds * 1000) : undefined,
    clientCores: selfMs / (loop.seconds * 1000),
    otherLoad,
    loadAverage,
  };
  console.error(`${name}: ${fmt(v.perSecond, 0)}/s, p50 ${fmt(v.p50Us, 0)} µs, p99 ${fmt(v.p99Us, 0)} µs`);
  return v;
}

const DATABASE = 'shop_calibration';

async function postgres() {
  const dataDir = path.join(BENCH.dataDir, 'postgres');
  const embedded = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres({ dataDir, port: BENCH.pgPort, log: (l) => (/error|fatal|panic/i.test(l) ? console.error(`postgres: ${l}`) : undefined) });
  const serverUrl = process.env.DATABASE_URL ?? embedded!.url;
  // Backends fork from the postmaster and inherit its CPUs; the ones already running (checkpointer etc.) stay idle.
  const pinned = embedded ? pin(Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]), PINNING?.underTest) : false;
  const url = withDatabase(serverUrl, DATABASE);
  await dropDatabase(serverUrl, DATABASE);
  await ensureDatabase(serverUrl, DATABASE);
  const client = new pg.Client({ connectionString: url });
  const pool = new pg.Pool({ connectionString: url, max: settings.connections });
  const poolPids = new Set<number>();
  pool.on('connect', (c) => void c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid').then((r) => poolPids.add(r.rows[0]!.pid)));
  try {
    await client.connect();
    const t0 = performance.now();
    await client.query('CREATE TABLE item (id integer PRIMARY KEY, sku text NOT NULL, title text NOT NULL, price_cents integer NOT NULL)');
    await client.query(`INSERT INTO item SELECT g, 'SKU-' || lpad(g::text, 6, '0'), 'Item ' || g, 100 + (g * 7919) % 100000 FROM generate_series(1, $1::int) g`, [settings.rows]);
    await client.query('ANALYZE item');
    const createMs = performance.now() - t0;
    console.error(`postgres: ${settings.rows} rows in ${fmt(createMs, 0)} ms`);
    const clientPid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    // A named query is prepared once per connection by node-postgres, then only bound and executed.
    const lookup = () => ({ name: 'calibration_by_id', text: 'SELECT id, sku, title, price_cents FROM item WHERE id = $1', values: [1 + Math.floor(Math.random() * settings.rows)] });
    const one = await client.query(lookup());
    if (one.rowCount !== 1) throw new Error(`lookup found ${one.rowCount} rows`);
    const variants = [
      await measureVariant('one connection, sequential', 1, settings.pgSeconds, () => client.query(lookup()), () => localPids([clientPid], 'postgres')),
      await measureVariant(`pg.Pool of ${settings.connections}, concurrent`, settings.connections, settings.pgSeconds, () => pool.query(lookup()), () => localPids(poolPids, 'postgres')),
    ];
    const version = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
    return { server: embedded ? `embedded, port ${BENCH.pgPort}` : 'DATABASE_URL', version, pinned, rows: settings.rows, createMs, variants };
  } finally {
    await client.end().catch(() => {});
    await pool.end().catch(() => {});
    await dropDatabase(serverUrl, DATABASE).catch((err) => console.error(`could not drop ${DATABASE}: ${err}`));
    await embedded?.stop();
  }
}

const REDIS_KEYS = 10_000;

async function redis() {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  // No retries and no offline queue: an absent Redis must fail fast, not hang the run.
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  let lastError: unknown;
  client.on('error', (err) => (lastError = err));
  try {
    await Promise.race([client.connect().then(() => client.ping()), sleep(1_000).then(() => Promise.reject(new Error('no answer within 1 s')))]);
  } catch (err) {
    client.disconnect();
    const reason = String((err as Error).message ?? lastError ?? err);
    console.error(`redis: skipped, no Redis at ${url} (${reason})`);
    return { url, skipped: `no Redis at ${url}`, reason };
  }
  const prefix = `bench:calibration:${process.pid}:`;
  const keys = Array.from({ length: REDIS_KEYS }, (_, i) => `${prefix}${i}`);
  try {
    // A product-sized value; the expiry cleans up after a run killed before its own cleanup.
    const value = JSON.stringify({ id: 'p1', title: 'A product title of some length', priceCents: 1990, badge: 'IN_STOCK', pad: 'x'.repeat(40) });
    await client.pipeline(keys.map((k) => ['set', k, value, 'EX', '600'])).exec();
    const info = await client.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1];
    const serverPid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    const serverPids = () => localPids([serverPid], 'redis');
    const randomKey = () => keys[Math.floor(Math.random() * keys.length)]!;
    const n = settings.inFlight;
    const variants = [
      await measureVariant('GET, one at a time', 1, settings.redisSeconds, () => client.get(randomKey()), serverPids),
      await measureVariant(`GET, ${n} concurrent on one connection`, n, settings.redisSeconds, () => client.get(randomKey()), serverPids),
      await measureVariant(`pipelines of ${n} GETs (latency per pipeline)`, 1, settings.redisSeconds, () => client.pipeline(Array.from({ length: n }, () => ['get', randomKey()])).exec(), serverPids, n),
    ];
    return { url, version, keys: REDIS_KEYS, valueBytes: Buffer.byteLength(value), variants };
  } finally {
    for (let i = 0; i < keys.length; i += 1_000) await client.unlink(...keys.slice(i, i + 1_000)).catch(() => {});
    client.disconnect();
  }
}

pinSelfToRest();
const http = await helloWorld();
const postgresResult = await postgres();
const redisResult = await redis();

const us = (n: number | undefined, digits = 0) => (n === undefined ? '-' : fmt(n, digits));
console.log(
  `**Node hello world** (node:http, GET, ${settings.connections} connections, pipelining ${settings.pipelining}, ${fmt(http.seconds, 0)} s after ${settings.warmupSeconds} s warm-up; ` +
    `server ${http.pinned ? `pinned to CPU ${PINNING!.underTest}` : 'not pinned'}; load average ${fmt(http.loadAverage)})\n\n` +
    markdownTable(
      ['req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', 'server CPU µs/req', 'server cores', 'load generator cores', 'other load (cores)'],
      [[fmt(http.perSecond, 0), fmt(http.p50, 2), fmt(http.p95, 2), fmt(http.p99, 2), http.errors, fmt(http.serverCpuUsPerRequest, 1), fmt(http.serverCores, 2), fmt(http.loadGeneratorCores, 2), us(http.otherLoad, 2)]],
    ),
);
console.log(
  `\n**PostgreSQL ${postgresResult.version} primary-key lookup** (${postgresResult.server}${postgresResult.pinned ? `, backends pinned to CPU ${PINNING!.underTest}` : ''}; ` +
    `prepared \`SELECT … WHERE id = $1\`, random ids over ${postgresResult.rows} rows; ${settings.pgSeconds} s each)\n\n` +
    markdownTable(
      ['variant', 'queries/s', 'p50 µs', 'p99 µs', 'backend CPU µs/query', 'client CPU µs/query', 'backend cores', 'client cores', 'other load (cores)'],
      postgresResult.variants.map((v) => [v.name, fmt(v.perSecond, 0), fmt(v.p50Us, 0), fmt(v.p99Us, 0), us(v.serverCpuUs, 1), fmt(v.clientCpuUs, 1), us(v.serverCores, 2), fmt(v.clientCores, 2), us(v.otherLoad, 2)]),
    ),
);
console.log(
  `\n**Redis GET** (ioredis, ${redisResult.url}${redisResult.variants ? `, Redis ${redisResult.version}, ${redisResult.keys} keys of ${redisResult.valueBytes} bytes` : ''}; ${settings.redisSeconds} s each)\n\n` +
    markdownTable(
      ['variant', 'GETs/s', 'p50 µs', 'p99 µs', 'Redis CPU µs/GET', 'client CPU µs/GET', 'Redis cores', 'client cores', 'other load (cores)'],
      redisResult.variants
        ? redisResult.variants.map((v) => [v.name, fmt(v.perSecond, 0), fmt(v.p50Us, 0), fmt(v.p99Us, 0), us(v.serverCpuUs, 2), fmt(v.clientCpuUs, 2), us(v.serverCores, 2), fmt(v.clientCores, 2), us(v.otherLoad, 2)])
        : [[`skipped: ${redisResult.skipped}`, '-', '-', '-', '-', '-', '-', '-', '-']],
    ),
);
console.log(`\n${JSON.stringify(machine())}`);
console.log(`wrote ${writeResult('calibration', { settings, machine: machine(), http, postgres: postgresResult, redis: redisResult })}`);
if (http.errors > 0) process.exitCode = 1;
// embedded-postgres's exit hook would end the process with 0 whatever it found: say it here.
process.exit(process.exitCode ?? 0);
