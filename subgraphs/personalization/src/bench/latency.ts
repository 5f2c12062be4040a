/**
 * Latency of the personalization subgraph over HTTP, as the gateway calls it,
 * against a seeded database (100,000 products for the numbers in the README).
 *
 *   DATABASE_URL=postgres://…/bench_personalization npx tsx subgraphs/personalization/src/bench/latency.ts [--seed 100000] [--users 300] [--port 4904]
 *
 * --seed N seeds that database first (personalization's tables only; skipped
 * when already seeded with N products). The script starts the subgraph as a
 * child process (REDIS_URL is passed through when set), then measures, one
 * request at a time:
 *   1. first request of a 12-item shopper list (computes and stores it)
 *   2. the same lists again (served from the cache)
 *   3. trackEvent (records, updates affinities, recomputes the shopper's lists, writes the outbox)
 *   4. 8-item product page lists (cached candidates + the stock filter)
 * and, in this process against the same database, 5. the refresh a stock
 * event causes when a product in many lists sells out and is restocked.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { createDb, createLogger, ensureDatabase, Header, LruCache, migrateToLatest, type RegionCode } from '@shop/platform';
import type { PersonalizationDatabase } from '../db/database.ts';
import { migrations } from '../db/migrations/index.ts';
import { seedPersonalization } from '../db/seed.ts';
import { createRecommender } from '../recommend/recommend.service.ts';
import { applyStockChanged } from '../stock/stock.service.ts';

const { values } = parseArgs({ options: { seed: { type: 'string' }, users: { type: 'string', default: '300' }, port: { type: 'string', default: '4904' } } });
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('DATABASE_URL: set it to the (seeded, or to be seeded with --seed) personalization database');
  process.exit(2);
}
const users = Number(values.users);
const port = Number(values.port);
const secret = process.env.INTERNAL_SECRET ?? 'dev-internal-secret-change-me';
const logger = createLogger('latency', 'warn');
if (values.seed) await ensureDatabase(databaseUrl, new URL(databaseUrl).pathname.slice(1));
const handle = createDb<PersonalizationDatabase>({ url: databaseUrl, logger, statementTimeoutMs: 0 });
const db = handle.db;

await migrateToLatest(db, migrations);
if (values.seed) {
  const started = Date.now();
  const seeded = await seedPersonalization(db, Number(values.seed));
  if (seeded) await sql`ANALYZE`.execute(db);
  console.log(seeded ? `seeded ${values.seed} products in ${Date.now() - started} ms` : 'seed data present');
}
const products = (await db.selectFrom('product_feature').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
const shopperIds = Array.from({ length: users }, (_, i) => `shopper_${String(i + 1).padStart(4, '0')}`);
// Start from no stored lists for the measured shoppers, so that phase 1 measures first requests.
await db.deleteFrom('user_recommendation').where('user_id', 'in', shopperIds).execute();
await db.deleteFrom('user_profile').where('user_id', 'in', shopperIds).execute();

const entry = fileURLToPath(new URL('../index.ts', import.meta.url));
// No PostgreSQL bus: this measures requests, not event delivery. With REDIS_URL the service also gets a Redis
// bus; a private stream prefix keeps it from joining (and taking events from) a stack that shares that Redis.
const { BUS_DATABASE_URL: _bus, ...env } = process.env;
const child = spawn(process.execPath, ['--import', 'tsx', entry], {
  env: { ...env, DATABASE_URL: databaseUrl, PORT: String(port), LOG_LEVEL: 'warn', NEIGHBOR_REFRESH_INTERVAL_MS: '3600000', BUS_STREAM_PREFIX: `bench:latency:${process.pid}:` },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const url = `http://127.0.0.1:${port}`;
try {
  for (let i = 0; ; i++) {
    if ((await fetch(`${url}/ready`).then((r) => r.ok, () => false)) === true) break;
    if (i > 300) throw new Error('the subgraph did not become ready in 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }

  const call = async (query: string, variables: Record<string, unknown>, userId?: string) => {
    const started = performance.now();
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [Header.internal]: secret, ...(userId ? { [Header.userId]: userId } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { errors?: unknown[] };
    const ms = performance.now() - started;
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return ms;
  };
  const USER = `query ($id: ID!, $region: RegionCode!) { _entities(representations: [{ __typename: "User", id: $id }]) { ... on User { recommendations(region: $region, first: 12) { score reason product { id } } } } }`;
  const PRODUCT = `query ($id: ID!, $region: RegionCode!) { _entities(representations: [{ __typename: "Product", id: $id }]) { ... on Product { recommendations(region: $region, first: 8) { score reason product { id } } } } }`;
  const TRACK = `mutation ($productId: ID!) { trackEvent(input: { type: VIEW, productId: $productId }) { accepted } }`;

  // The service loads product features in the background after start (a second or two for 100,000).
  await new Promise((r) => setTimeout(r, 5_000));
  // Warm-up on other shoppers and products: the first requests pay for JIT, connections and the trending pool.
  for (let i = 0; i < 20; i++) await call(PRODUCT, { id: `prod_${String(i).padStart(6, '0')}`, region: 'US' });
  for (let i = 0; i < 50; i++) await call(USER, { id: `warmup_${i}`, region: 'US' }, `warmup_${i}`);

  const rows: [string, string, number[]][] = [];
  const first: number[] = [];
  for (const id of shopperIds) first.push(await call(USER, { id, region: 'EU' }, id));
  rows.push(['12-item shopper list, first request (computed and stored)', `${users} shoppers`, first]);
  const cached: number[] = [];
  for (let round = 0; round < 3; round++) for (const id of shopperIds) cached.push(await call(USER, { id, region: 'EU' }, id));
  rows.push(['12-item shopper list, again (cache)', `${users} shoppers × 3`, cached]);
  const track: number[] = [];
  for (const [i, id] of shopperIds.entries()) track.push(await call(TRACK, { productId: `prod_${String((i * 7919) % products).padStart(6, '0')}` }, id));
  rows.push(['trackEvent: record + refresh the shopper’s list + outbox', `${users} events`, track]);
  const product: number[] = [];
  for (let i = 0; i < users; i++) product.push(await call(PRODUCT, { id: `prod_${String((i * 104_729) % products).padStart(6, '0')}`, region: 'EU' }));
  rows.push(['8-item product page list, first request', `${users} products`, product]);
  const productAgain: number[] = [];
  for (let i = 0; i < users; i++) productAgain.push(await call(PRODUCT, { id: `prod_${String((i * 104_729) % products).padStart(6, '0')}`, region: 'EU' }));
  rows.push(['8-item product page list, again (cached candidates, live stock)', `${users} products`, productAgain]);

  // 5. Sell-outs: the products in the most EU lists go out of stock, then come back.
  const recommender = createRecommender({ db, cache: new LruCache(), logger });
  const popular = await sql<{ product_id: string; lists: number }>`
    SELECT p AS product_id, count(*)::int AS lists FROM user_recommendation, unnest(product_ids) AS p
     WHERE region = 'EU' GROUP BY p ORDER BY count(*) DESC LIMIT 20`.execute(db);
  const crossing: number[] = [];
  let refreshed = 0;
  for (const { product_id } of popular.rows) {
    const skus = await db.selectFrom('sku_stock').select(['sku', 'available', 'version']).where('product_id', '=', product_id).where('region', '=', 'EU').orderBy('sku').execute();
    for (const s of skus) {
      const started = performance.now();
      const result = await applyStockChanged(recommender, { sku: s.sku, region: 'EU' as RegionCode, available: 0 }, Number(s.version) + 1);
      if (result.crossed) crossing.push(performance.now() - started), (refreshed += result.refresh.events.length);
    }
    const s = skus[0]!;
    const started = performance.now();
    const back = await applyStockChanged(recommender, { sku: s.sku, region: 'EU', available: s.available || 10 }, Number(s.version) + 2);
    if (back.crossed) crossing.push(performance.now() - started), (refreshed += back.refresh.events.length);
  }
  rows.push([`stock event that crosses a product in/out of stock: re-derive every EU list holding it (${(refreshed / Math.max(crossing.length, 1)).toFixed(0)} lists on average)`, `${crossing.length} crossings`, crossing]);

  const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
  console.log(`\npersonalization subgraph, ${products.toLocaleString('en')} products, cache ${process.env.REDIS_URL ? 'Redis' : 'in-process LRU'}, one request at a time (${new Date().toISOString()})\n`);
  console.log('| operation | samples | p50 ms | p95 ms | p99 ms |');
  console.log('|---|---|---:|---:|---:|');
  for (const [name, n, xs] of rows) console.log(`| ${name} | ${n} | ${q(xs, 0.5).toFixed(1)} | ${q(xs, 0.95).toFixed(1)} | ${q(xs, 0.99).toFixed(1)} |`);
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await handle.close();
}
