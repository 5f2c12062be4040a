/**
 * Query plans, cold and warm, and the gateway's start time. The gateway parses, validates and plans an
 * operation the first time it sees its text and keeps the results by that text; this scenario measures what
 * a miss costs, three ways:
 *
 * 1. In process: the planner the gateway uses (`@apollo/query-planner`'s QueryPlanner over
 *    `Supergraph.build` of schema/supergraph.graphql, built as @apollo/gateway builds it) timing
 *    `operationFromDocument` + `buildQueryPlan` per contract operation: the first call on a fresh planner
 *    (cold) and repeated calls (warm); and what building the supergraph and the planner costs.
 * 2. Through a running gateway (a bench stack): per contract operation, `--requests` sequential requests of
 *    the identical document (warm: every cache hits) against as many whose text is unique each time, in
 *    interleaved order. "New comment" adds a distinct `#` comment line: the gateway's document and plan
 *    caches (both keyed by the text's hash) miss, while the plan, the subgraph requests and their SQL stay
 *    exactly the warm ones. "New operation name" renames the operation instead, which also renames the
 *    subgraph fetches (the planner names them after the operation), so the subgraphs' own document caches
 *    miss too.
 * 3. Gateway start: `--starts` fresh gateway processes (this project's, from source with tsx, as the stack
 *    runs it), each timed from spawn to `/ready` and to the first answer of `{ regions { code } }`, then
 *    the first `ProductPage` it serves against the second.
 *
 *   pnpm bench plans [--products=2000] [--requests=30] [--planners=5] [--repeats=100] [--starts=3]
 *
 * On a shared machine wall-clock times mostly say how long other processes kept the CPU, so every step also
 * reports CPU time: this process's (process.cpuUsage, µs) in process, and per request the gateway's and the
 * subgraphs' (each thread's /proc schedstat, ns). Nothing is pinned: every request is sequential, one at a
 * time, so no load generator competes.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { operationFromDocument, Supergraph } from '@apollo/federation-internals';
import { QueryPlanner } from '@apollo/query-planner';
import { parse } from 'graphql';
import { GATEWAY_SERVICE, ROOT, spawnService, stopProcess, SUBGRAPH_SERVICES, type RunningProcess } from '@shop/stack';
import { bearer } from '../../test/harness/auth.ts';
import { contractOperation } from '../../test/harness/contract.ts';
import { otherCores, processTree, threadsCpuMs } from '../calibration/proc-cpu.ts';
import { benchStack, extraPort, markdownTable, writeResult } from '../lib.ts';
import { cpuMsOf, fmt, machine, machineBusyMs, percentile } from '../measure.ts';

const { values } = parseArgs({
  options: {
    /** @default 2000 // products in the bench stack */
    products: { type: 'string', default: '2000' },
    /** @default 30 // requests per operation and variant through the gateway */
    requests: { type: 'string', default: '30' },
    /** @default 5 // fresh supergraph + planner builds in process, each planning every operation once, cold */
    planners: { type: 'string', default: '5' },
    /** @default 100 // warm operationFromDocument + buildQueryPlan calls per operation in process */
    repeats: { type: 'string', default: '100' },
    /** @default 3 // gateway processes started and timed, one after another */
    starts: { type: 'string', default: '3' },
  },
  strict: true,
});
const settings = { products: Number(values.products), requests: Number(values.requests), planners: Number(values.planners), repeats: Number(values.repeats), starts: Number(values.starts) };

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => percentile(sorted(xs), 50);
const p95 = (xs: number[]) => percentile(sorted(xs), 95);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const selfCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** CPU ms used so far by this process and `pids` (this run's other processes). */
const ownCpuMs = (pids: (number | undefined)[]) => selfCpuMs() + pids.reduce((n: number, pid) => n + (cpuMsOf(pid) ?? 0), 0);

interface Timing {
  wallMs: number;
  /** This process's CPU (every thread: the main one and the garbage collector's helpers). */
  cpuMs: number;
}
function timed<T>(f: () => T): [T, Timing] {
  const [t, c] = [performance.now(), selfCpuMs()];
  const out = f();
  return [out, { wallMs: performance.now() - t, cpuMs: selfCpuMs() - c }];
}
const plus = (a: Timing, b: Timing): Timing => ({ wallMs: a.wallMs + b.wallMs, cpuMs: a.cpuMs + b.cpuMs });

/** The contract's read-only gateway operations, and `Me` (with a token). */
const OPERATIONS = [
  { file: 'gateway/ProductPage.graphql', name: 'ProductPage' },
  { file: 'gateway/CategoryPage.graphql', name: 'CategoryPage' },
  { file: 'gateway/Search.graphql', name: 'Search' },
  { file: 'gateway/Regions.graphql', name: 'Regions' },
  { file: 'gateway/Me.graphql', name: 'Me' },
].map((o) => ({ ...o, document: contractOperation(o.file, o.name) }));

// ---- 1. In process -------------------------------------------------------------------------------------

/**
 * Builds what ApolloGateway builds from a supergraph (createSchemaFromSupergraphSdl, updateWithSchemaAndNotify):
 * the supergraph, validated unless NODE_ENV=production (the bench stack runs development), its API schema as a
 * graphql-js schema, and the planner with default settings (its construction extracts and validates the
 * subgraphs and builds the query graph).
 */
function buildPlanner(sdl: string) {
  const [supergraph, build] = timed(() => Supergraph.build(sdl, { validateSupergraph: true }));
  const [apiSchema, apiSchemaTiming] = timed(() => {
    const api = supergraph.apiSchema();
    api.toGraphQLJSSchema();
    return api;
  });
  const [planner, plannerTiming] = timed(() => new QueryPlanner(supergraph));
  return { apiSchema, planner, timings: { build, apiSchema: apiSchemaTiming, planner: plannerTiming } };
}

function inProcess() {
  const [busy0, own0, t0] = [machineBusyMs(), selfCpuMs(), performance.now()];
  const sdl = readFileSync(path.join(ROOT, 'schema', 'supergraph.graphql'), 'utf8');
  const documents = OPERATIONS.map((o) => parse(o.document));
  const builds: ReturnType<typeof buildPlanner>['timings'][] = [];
  /** [operation][round]: operationFromDocument + the first buildQueryPlan on that round's fresh planner. */
  const cold = OPERATIONS.map(() => [] as { operation: Timing; plan: Timing }[]);
  let last!: ReturnType<typeof buildPlanner>;
  for (let round = 0; round < settings.planners; round++) {
    last = buildPlanner(sdl);
    builds.push(last.timings);
    // A different operation goes first each round, so that no operation always pays the planner's first use.
    for (let k = 0; k < OPERATIONS.length; k++) {
      const i = (round + k) % OPERATIONS.length;
      const [operation, operationTiming] = timed(() => operationFromDocument(last.apiSchema, documents[i]!, { operationName: OPERATIONS[i]!.name }));
      const [, plan] = timed(() => last.planner.buildQueryPlan(operation));
      cold[i]![round] = { operation: operationTiming, plan };
    }
    console.error(`planner ${round + 1}/${settings.planners}: Supergraph.build ${fmt(last.timings.build.cpuMs)} ms CPU, planner ${fmt(last.timings.planner.cpuMs)} ms CPU`);
  }
  // Warm: the same planner again and again; a fresh Operation each time, as the gateway makes one per plan-cache miss.
  const warm = OPERATIONS.map((o, i) => {
    const runs: Timing[] = [];
    for (let r = 0; r < settings.repeats; r++) {
      const [operation, operationTiming] = timed(() => operationFromDocument(last.apiSchema, documents[i]!, { operationName: o.name }));
      const [, plan] = timed(() => last.planner.buildQueryPlan(operation));
      runs.push(plus(operationTiming, plan));
    }
    return { meanCpuMs: mean(runs.map((r) => r.cpuMs)), medianCpuMs: median(runs.map((r) => r.cpuMs)), meanWallMs: mean(runs.map((r) => r.wallMs)), medianWallMs: median(runs.map((r) => r.wallMs)) };
  });
  const plans = OPERATIONS.map((o, i) => ({ operation: o.name, cold: cold[i]!, warm: warm[i]! }));
  return { builds, plans, otherLoad: otherCores(busy0, selfCpuMs() - own0, performance.now() - t0) };
}

// ---- 2. Through the gateway ----------------------------------------------------------------------------

interface Answer {
  ms: number;
  ok: boolean;
  text: string;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const t = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  const ms = performance.now() - t;
  const json = res.ok ? (JSON.parse(text) as { data?: unknown; errors?: unknown }) : undefined;
  return { ms, ok: !!json?.data && !json.errors, text };
}

const VARIANTS = ['warm', 'comment', 'name'] as const;
type Variant = (typeof VARIANTS)[number];

/** The operation's text for request `n` of a variant: the same text every time when warm, unique otherwise. */
function documentFor(variant: Variant, document: string, name: string, n: number, runId: string): { query: string; operationName: string } {
  if (variant === 'warm') return { query: document, operationName: name };
  if (variant === 'comment') return { query: `# plans ${runId} ${n}\n${document}`, operationName: name };
  const unique = `${name}_${runId}_${n}`;
  return { query: document.replace(new RegExp(`\\b(query|mutation)\\s+${name}\\b`), `$1 ${unique}`), operationName: unique };
}

interface VariantResult {
  p50: number;
  p95: number;
  /** Mean CPU ms per request of the gateway process and of the five subgraph processes together. */
  gatewayCpuMs: number;
  subgraphsCpuMs: number;
  samplesMs: number[];
}

async function throughGateway(url: string, variables: Record<string, Record<string, unknown>>, headers: Record<string, Record<string, string>>, stack: { gateway: number; subgraphs: number[]; all: (number | undefined)[] }) {
  const runId = Date.now().toString(36);
  const cpu = () => ({ gateway: threadsCpuMs(stack.gateway) ?? NaN, subgraphs: stack.subgraphs.reduce((n, pid) => n + (threadsCpuMs(pid) ?? NaN), 0) });
  const out = [];
  for (const op of OPERATIONS) {
    const send = (variant: Variant, n: number) => post(url, { ...documentFor(variant, op.document, op.name, n, runId), variables: variables[op.name] }, headers[op.name]);
    // Warm-up: the identical document a few times, so that "warm" starts warm (and the subgraphs' pools are open).
    for (let n = 0; n < 3; n++) {
      const a = await send('warm', 0);
      if (!a.ok) throw new Error(`${op.name}: ${a.text.slice(0, 500)}`);
    }
    const ms: Record<Variant, number[]> = { warm: [], comment: [], name: [] };
    const cpuMs: Record<Variant, { gateway: number; subgraphs: number }> = { warm: { gateway: 0, subgraphs: 0 }, comment: { gateway: 0, subgraphs: 0 }, name: { gateway: 0, subgraphs: 0 } };
    const loadStart = loadavg()[0]!;
    const [busy0, own0, t0] = [machineBusyMs(), ownCpuMs(stack.all), performance.now()];
    for (let n = 0; n < settings.requests; n++) {
      // The variants take turns in a rotating order, so that a machine getting busier moves all of them alike.
      for (let k = 0; k < VARIANTS.length; k++) {
        const variant = VARIANTS[(n + k) % VARIANTS.length]!;
        const before = cpu();
        const a = await send(variant, n);
        const after = cpu();
        if (!a.ok) throw new Error(`${op.name} (${variant}): ${a.text.slice(0, 500)}`);
        ms[variant].push(a.ms);
        cpuMs[variant].gateway += after.gateway - before.gateway;
        cpuMs[variant].subgraphs += after.subgraphs - before.subgraphs;
      }
    }
    const result = (v: Variant): VariantResult => ({ p50: median(ms[v]), p95: p95(ms[v]), gatewayCpuMs: cpuMs[v].gateway / settings.requests, subgraphsCpuMs: cpuMs[v].subgraphs / settings.requests, samplesMs: ms[v] });
    const row = {
      operation: op.name,
      loadAverage: { start: loadStart, end: loadavg()[0]! },
      otherLoad: otherCores(busy0, ownCpuMs(stack.all) - own0, performance.now() - t0),
      warm: result('warm'),
      comment: result('comment'),
      name: result('name'),
    };
    console.error(`${op.name}: p50 warm ${fmt(row.warm.p50)} ms, new comment ${fmt(row.comment.p50)} ms, new name ${fmt(row.name.p50)} ms; gateway CPU ${fmt(row.warm.gatewayCpuMs, 2)} / ${fmt(row.comment.gatewayCpuMs, 2)} / ${fmt(row.name.gatewayCpuMs, 2)} ms`);
    out.push(row);
  }
  return out;
}

// ---- 3. Gateway start ----------------------------------------------------------------------------------

/** Polls `probe` every 10 ms until it resolves true; the ms from `t0`. Throws if the process exits first. */
async function until(proc: RunningProcess, t0: number, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<number> {
  let exited = false;
  void proc.exited.then(() => (exited = true));
  while (performance.now() - t0 < timeoutMs) {
    if (exited) throw new Error(`${proc.name} exited during start; see its log above`);
    if (await probe().catch(() => false)) return performance.now() - t0;
    await sleep(10);
  }
  throw new Error(`${proc.name} did not start within ${timeoutMs} ms`);
}

async function gatewayStarts(env: Record<string, string>, productPage: { query: string; variables: unknown }, stackPids: (number | undefined)[]) {
  const starts = [];
  for (let i = 0; i < settings.starts; i++) {
    const [busy0, own0] = [machineBusyMs(), ownCpuMs(stackPids)];
    const t0 = performance.now();
    const proc = spawnService(GATEWAY_SERVICE, extraPort(i), env, { onLine: (_n, line) => void (/warn|error|fatal/i.test(line) && console.error(`gateway: ${line}`)) });
    try {
      const readyUrl = proc.url.replace(/\/graphql$/, '/ready');
      // Both probes run side by side, each from the spawn.
      const [readyMs, firstAnswerMs] = await Promise.all([
        until(proc, t0, async () => (await fetch(readyUrl, { signal: AbortSignal.timeout(1_000) })).ok),
        until(proc, t0, async () => (await post(proc.url, { query: '{ regions { code } }' })).ok),
      ]);
      // Its own CPU (with tsx's esbuild helper process) counts as this run's: what the start cost, and what
      // else the machine did meanwhile.
      const gatewayCpuMs = processTree(proc.child.pid!).reduce((n, pid) => n + (cpuMsOf(pid) ?? 0), 0);
      const otherLoad = otherCores(busy0, ownCpuMs(stackPids) - own0 + gatewayCpuMs, performance.now() - t0);
      // The first ProductPage of a fresh process: its parse, validation, plan and JIT all cold.
      const first = await post(proc.url, productPage);
      const second = await post(proc.url, productPage);
      if (!first.ok || !second.ok) throw new Error(`ProductPage on a fresh gateway: ${first.text.slice(0, 300)}`);
      const start = { readyMs, firstAnswerMs, firstProductPageMs: first.ms, secondProductPageMs: second.ms, gatewayCpuMs, otherLoad };
      console.error(`gateway start ${i + 1}/${settings.starts}: /ready ${fmt(readyMs, 0)} ms, first answer ${fmt(firstAnswerMs, 0)} ms (${fmt(gatewayCpuMs, 0)} ms CPU), first ProductPage ${fmt(first.ms)} ms, second ${fmt(second.ms)} ms`);
      starts.push(start);
    } finally {
      await stopProcess(proc);
    }
  }
  return starts;
}

// ---- Run -----------------------------------------------------------------------------------------------

// Before the stack starts, so that planning has the machine to itself (apart from other people's work).
const planning = inProcess();
const stack = await benchStack(settings.products);
try {
  const gateway = stack.urls.gateway!;
  const found = await post(gateway, { query: '{ products(first: 1) { edges { node { slug title category { slug } } } } }' });
  const product = (JSON.parse(found.text) as { data: { products: { edges: { node: { slug: string; title: string; category: { slug: string } } }[] } } }).data.products.edges[0]!.node;
  const variables: Record<string, Record<string, unknown>> = {
    ProductPage: { slug: product.slug, region: 'EU' },
    CategoryPage: { categorySlug: product.category.slug, region: 'EU', first: 20 },
    Search: { query: product.title, region: 'EU', first: 10 },
    Regions: {},
    Me: { region: 'EU' },
  };
  const headers: Record<string, Record<string, string>> = { Me: await bearer('bench_plans') };
  const pidOf = (name: string) => stack.processes.find((p) => p.name === name)?.child.pid;
  const stackPids = stack.processes.map((p) => p.child.pid);
  const gatewayResults = await throughGateway(gateway, variables, headers, { gateway: pidOf('gateway')!, subgraphs: SUBGRAPH_SERVICES.map((s) => pidOf(s.name)!), all: stackPids });

  // The stack's own gateway keeps running; each timed one is an extra process routed to the same subgraphs.
  const routes = Object.fromEntries(SUBGRAPH_SERVICES.map((s) => [`${s.name.toUpperCase()}_URL`, stack.urls[s.name]!]));
  const env = { NODE_ENV: 'development', LOG_LEVEL: 'warn', ...routes, ...(stack.databases.bus ? { BUS_DATABASE_URL: stack.databases.bus } : {}) };
  const starts = await gatewayStarts(env, { query: OPERATIONS[0]!.document, variables: variables.ProductPage }, stackPids);

  const ms = (t: Timing) => `${fmt(t.cpuMs)} (${fmt(t.wallMs)})`;
  const medianTiming = (ts: Timing[]): Timing => ({ cpuMs: median(ts.map((t) => t.cpuMs)), wallMs: median(ts.map((t) => t.wallMs)) });
  const after = planning.builds.slice(1);
  const other = (n: number | undefined) => (n === undefined ? '-' : fmt(n, 2));
  console.log(
    `**Building the planner in process**, as @apollo/gateway does at start and on every supergraph change (CPU ms, wall ms in brackets; other load ${other(planning.otherLoad)} cores)\n\n` +
      markdownTable(
        ['step', 'first in this process', `median of the ${after.length} after`],
        (['build', 'apiSchema', 'planner'] as const).map((k) => [
          { build: 'Supergraph.build (validated, as NODE_ENV=development)', apiSchema: 'apiSchema().toGraphQLJSSchema()', planner: 'new QueryPlanner' }[k],
          ms(planning.builds[0]![k]),
          after.length ? ms(medianTiming(after.map((b) => b[k]))) : '-',
        ]),
      ),
  );
  const cpuCell = (ts: Timing[]) => (ts.length ? `${fmt(median(ts.map((t) => t.cpuMs)), 2)} (${fmt(Math.min(...ts.map((t) => t.cpuMs)), 2)}–${fmt(Math.max(...ts.map((t) => t.cpuMs)), 2)})` : '-');
  console.log(
    `\n**Planning each contract operation in process**: operationFromDocument + buildQueryPlan, CPU ms (cold = the first call on a fresh planner; ` +
      `on the ${after.length} planners after the first: median (min–max); warm = ${settings.repeats} calls on one planner)\n\n` +
      markdownTable(
        ['operation', 'cold, first in this process', 'cold, fresh planner', 'warm, mean', 'warm, median', 'warm, median wall ms'],
        planning.plans.map((p) => [
          p.operation,
          fmt(p.cold[0]!.operation.cpuMs + p.cold[0]!.plan.cpuMs, 2),
          cpuCell(p.cold.slice(1).map((c) => plus(c.operation, c.plan))),
          fmt(p.warm.meanCpuMs, 2),
          fmt(p.warm.medianCpuMs, 2),
          fmt(p.warm.medianWallMs, 2),
        ]),
      ),
  );
  const diff = (a: number, b: number) => `${a - b >= 0 ? '+' : ''}${fmt(a - b, 1)}`;
  console.log(
    `\n**Through the gateway**: latency, ms (${settings.products} products, region EU; ${settings.requests} sequential requests per variant, interleaved)\n\n` +
      markdownTable(
        ['operation', 'warm p50', 'warm p95', 'new comment p50', 'p95', 'cold − warm p50', 'new operation name p50', 'p95', 'cold − warm p50', 'other load (cores)'],
        gatewayResults.map((r) => [r.operation, fmt(r.warm.p50), fmt(r.warm.p95), fmt(r.comment.p50), fmt(r.comment.p95), diff(r.comment.p50, r.warm.p50), fmt(r.name.p50), fmt(r.name.p95), diff(r.name.p50, r.warm.p50), other(r.otherLoad)]),
      ),
  );
  console.log(
    `\n**Through the gateway**: CPU ms per request (mean of ${settings.requests}; cold − warm in brackets)\n\n` +
      markdownTable(
        ['operation', 'gateway, warm', 'gateway, new comment', 'gateway, new operation name', 'subgraphs, warm', 'subgraphs, new comment', 'subgraphs, new operation name'],
        gatewayResults.map((r) => [
          r.operation,
          fmt(r.warm.gatewayCpuMs, 2),
          `${fmt(r.comment.gatewayCpuMs, 2)} (${diff(r.comment.gatewayCpuMs, r.warm.gatewayCpuMs)})`,
          `${fmt(r.name.gatewayCpuMs, 2)} (${diff(r.name.gatewayCpuMs, r.warm.gatewayCpuMs)})`,
          fmt(r.warm.subgraphsCpuMs, 2),
          `${fmt(r.comment.subgraphsCpuMs, 2)} (${diff(r.comment.subgraphsCpuMs, r.warm.subgraphsCpuMs)})`,
          `${fmt(r.name.subgraphsCpuMs, 2)} (${diff(r.name.subgraphsCpuMs, r.warm.subgraphsCpuMs)})`,
        ]),
      ),
  );
  const col = (k: 'readyMs' | 'firstAnswerMs' | 'firstProductPageMs' | 'secondProductPageMs' | 'gatewayCpuMs') => starts.map((s) => s[k]);
  console.log(
    `\n**Gateway start**: ${settings.starts} starts of gateway/src/index.ts with tsx, NODE_ENV=development, one after another (ms; other load ${starts.map((s) => other(s.otherLoad)).join(', ')} cores)\n\n` +
      markdownTable(
        ['measure', 'min', 'median', 'each'],
        (
          [
            ['spawn → /ready answers 200', 'readyMs'],
            ['spawn → first answer to { regions { code } }', 'firstAnswerMs'],
            ['gateway CPU (with its esbuild helper) until that answer', 'gatewayCpuMs'],
            ['first ProductPage after that (latency)', 'firstProductPageMs'],
            ['second ProductPage (latency)', 'secondProductPageMs'],
          ] as const
        ).map(([label, k]) => [label, fmt(Math.min(...col(k)), 0), fmt(median(col(k)), 0), col(k).map((x) => fmt(x, 0)).join(', ')]),
      ),
  );
  console.log(`\n${JSON.stringify(machine())}`);
  console.log(`wrote ${writeResult('plans', { settings, machine: machine(), inProcess: planning, gateway: gatewayResults, starts })}`);
} finally {
  await stack.stop();
}
