/**
 * Personalization scenario: latency of the personalization subgraph on a
 * seeded catalogue (100,000 products for the figures in its README), one
 * request at a time, the way the gateway calls it.
 *
 *   pnpm bench personalization [--products 20000] [--sample 300] [--crossings 30] [--database bench_personalization] [--drop]
 *
 * The database is `bench_personalization` (--database) on DATABASE_URL's server, else on
 * the bench's embedded PostgreSQL (.data/bench); it is kept between runs (a
 * 100,000-product seed takes a minute or more) and reseeded when --products
 * changes; --drop drops it at the end. Each run starts from no stored lists
 * and adds `sample` VIEW interactions to the seeded ones.
 *
 * It starts the subgraph alone as a child process (REDIS_URL, when set, gives
 * it a Redis cache; no bus: this measures requests, not event delivery), and
 * measures over HTTP:
 *   1. every seeded shopper's first 12-item list in their home region (computed and stored),
 *      which also leaves every shopper with a list, as in a shop that has been running
 *   2. `sample` shoppers' lists again, three times (cache)
 *   3. trackEvent for each of them (record, affinities, recompute their candidates and lists, outbox)
 *   4. `sample` product page lists, first request and again
 * and 5. in this process against the same database, what the bus consumer runs
 * for an `inventory.stock.changed` that takes a product out of stock or back
 * in: the `crossings` products shown in most lists of the busiest region each
 * sell out (every sku reported at 0; the last report crosses) and come back.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { createCache, createDb, createLogger, dropDatabase, ensureDatabase, Header, migrateToLatest, withDatabase, type RegionCode } from '@shop/platform';
import { startEmbeddedPostgres } from '@shop/platform/embedded-postgres';
import { buildPersonalization } from '@shop/personalization';
import { migrations, seed, type Database } from '@shop/personalization/db';
import { applyStockChanged } from '@shop/personalization/stock';
import { DEFAULT_SHOPPER_COUNT, shopper, shopperCatalogue, shopperId } from '@shop/seed';
import { ROOT, SUBGRAPH_SERVICES, spawnService, stopProcess, waitUntilReady } from '@shop/stack';
import { BENCH, markdownTable, writeResult } from '../lib.ts';

const { values } = parseArgs({
  options: {
    products: { type: 'string', default: '20000' },
    sample: { type: 'string', default: '300' },
    crossings: { type: 'string', default: '30' },
    port: { type: 'string', default: '4904' },
    database: { type: 'string', default: 'bench_personalization' },
    drop: { type: 'boolean', default: false },
  },
  allowPositionals: true,
});
const PRODUCTS = Number(values.products);
const SAMPLE = Number(values.sample);
const CROSSINGS = Number(values.crossings);
const PORT = Number(values.port);
const DATABASE = values.database;
const SECRET = process.env.INTERNAL_SECRET ?? 'dev-internal-secret-change-me';

const pg = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres({ dataDir: path.join(BENCH.dataDir, 'postgres'), port: BENCH.pgPort });
const serverUrl = process.env.DATABASE_URL ?? pg!.url;
const databaseUrl = withDatabase(serverUrl, DATABASE);
const logger = createLogger('bench', 'warn');
console.error(`personalization bench: ${PRODUCTS} products, sample ${SAMPLE}, ${CROSSINGS} products crossing, database ${DATABASE} on ${process.env.DATABASE_URL ? 'DATABASE_URL' : 'the embedded server'}`);
await ensureDatabase(serverUrl, DATABASE);
const statements = { count: 0 };
const handle = createDb<Database>({ url: databaseUrl, logger, statementTimeoutMs: 0, onQuery: () => statements.count++ });
const db = handle.db;
let service: ReturnType<typeof spawnService> | undefined;
try {
  await migrateToLatest(db, migrations);
  const seedStarted = Date.now();
  if (await seed(db, PRODUCTS)) {
    // The seed is one transaction; autovacuum would soon do this on a running shop (visibility map, statistics).
    await sql`VACUUM ANALYZE`.execute(db);
    console.error(`seeded ${PRODUCTS} products in ${Date.now() - seedStarted} ms`);
  }
  // Every run starts with no shopper lists (and an empty outbox: no relay runs here).
  for (const t of ['user_recommendation', 'user_profile', 'outbox'] as const) await sql`DELETE FROM ${sql.table(t)}`.execute(db);
  await sql`VACUUM ANALYZE user_recommendation, user_profile, outbox`.execute(db);
  const counts = await sql<{ products: number; interactions: number; neighbors: number }>`
    SELECT (SELECT count(*) FROM product_feature)::int AS products, (SELECT count(*) FROM interaction)::int AS interactions,
           (SELECT count(*) FROM item_neighbor)::int AS neighbors`.execute(db);
  const data = counts.rows[0]!;

  // Shoppers as the seed made them: ids and home regions (the region is drawn before anything that needs the catalogue).
  const catalogue = shopperCatalogue([]);
  const shoppers = Array.from({ length: DEFAULT_SHOPPER_COUNT }, (_, i) => ({ id: shopperId(i), region: shopper(i, catalogue).region }));
  const sampled = shoppers.filter((_, i) => i % Math.max(1, Math.floor(shoppers.length / SAMPLE)) === 0).slice(0, SAMPLE);

  // The subgraph alone. No bus (neither BUS_DATABASE_URL nor, with REDIS_URL, the stack's stream prefix).
  delete process.env.BUS_DATABASE_URL;
  const spec = SUBGRAPH_SERVICES.find((s) => s.name === 'personalization')!;
  let featuresLoaded!: () => void;
  const loaded = new Promise<void>((resolve) => (featuresLoaded = resolve));
  service = spawnService(
    spec,
    PORT,
    { DATABASE_URL: databaseUrl, LOG_LEVEL: 'info', NEIGHBOR_REFRESH_INTERVAL_MS: '3600000', BUS_STREAM_PREFIX: `bench:personalization:${process.pid}:` },
    {
      onLine: (_, line) => {
        if (line.includes('product features loaded')) featuresLoaded();
        else if (/"level":(4|5|6)\d/.test(line)) console.error(line);
      },
    },
  );
  await waitUntilReady(service);
  // Product features load in the background after start; lists computed before then would fetch them one by one.
  await Promise.race([loaded, new Promise((r) => setTimeout(r, 60_000))]);

  const call = async (query: string, variables: Record<string, unknown>, userId?: string) => {
    const started = performance.now();
    const res = await fetch(service!.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [Header.internal]: SECRET, ...(userId ? { [Header.userId]: userId } : {}) },
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
  const productId = (n: number) => `prod_${String(n % data.products).padStart(6, '0')}`;

  // Warm-up on shoppers and products that are not measured: JIT, connections, the trending pool.
  for (let i = 0; i < 20; i++) await call(PRODUCT, { id: productId(i * 7), region: 'US' });
  for (let i = 0; i < 50; i++) await call(USER, { id: `bench_warmup_${i}`, region: 'US' }, `bench_warmup_${i}`);
  await sql`DELETE FROM user_recommendation WHERE user_id LIKE 'bench_warmup_%'`.execute(db);

  const rows: { operation: string; samples: string; ms: number[] }[] = [];
  const first: number[] = [];
  for (const s of shoppers) first.push(await call(USER, { id: s.id, region: s.region }, s.id));
  rows.push({ operation: '12-item shopper list, first request (computed and stored)', samples: `${first.length} shoppers`, ms: first });
  const cached: number[] = [];
  for (let round = 0; round < 3; round++) for (const s of sampled) cached.push(await call(USER, { id: s.id, region: s.region }, s.id));
  rows.push({ operation: '12-item shopper list, cached', samples: `${sampled.length} shoppers × 3`, ms: cached });
  const track: number[] = [];
  for (const [i, s] of sampled.entries()) track.push(await call(TRACK, { productId: productId(i * 7919) }, s.id));
  rows.push({ operation: 'trackEvent: record + refresh the shopper’s lists + outbox', samples: `${track.length} events`, ms: track });
  const product: number[] = [];
  for (let i = 0; i < SAMPLE; i++) product.push(await call(PRODUCT, { id: productId(i * 104_729), region: 'EU' }));
  rows.push({ operation: '8-item product page list, first request', samples: `${product.length} products`, ms: product });
  const productAgain: number[] = [];
  for (let i = 0; i < SAMPLE; i++) productAgain.push(await call(PRODUCT, { id: productId(i * 104_729), region: 'EU' }));
  rows.push({ operation: '8-item product page list, again (cached candidates, live stock)', samples: `${productAgain.length} products`, ms: productAgain });

  // 5. Stock crossings in the region with most lists, for the products in most of its lists (the costliest crossings).
  const cache = createCache({ redisUrl: process.env.REDIS_URL, prefix: 'shop:personalization:' });
  const { recommender } = buildPersonalization(db, { cache, logger });
  const { rows: regions } = await sql<{ region: RegionCode; lists: number }>`
    SELECT region, count(*)::int AS lists FROM user_recommendation GROUP BY region ORDER BY count(*) DESC LIMIT 1`.execute(db);
  const region = regions[0]!.region;
  const { rows: busiest } = await sql<{ product_id: string; lists: number }>`
    SELECT p AS product_id, count(*)::int AS lists FROM user_recommendation, unnest(product_ids) AS p
     WHERE region = ${region} GROUP BY p ORDER BY count(*) DESC, p LIMIT ${CROSSINGS + 1}`.execute(db);
  const crossing: number[] = [];
  const rederived: number[] = [];
  const perCrossing: number[] = [];
  const sellOutAndRestock = async (id: string, measure: boolean) => {
    const skus = await db.selectFrom('sku_stock').select(['sku', 'available', 'version']).where('product_id', '=', id).where('region', '=', region).orderBy('sku').execute();
    const report = async (sku: string, available: number, version: number) => {
      const before = statements.count;
      const started = performance.now();
      const result = await applyStockChanged(recommender, { sku, region, available }, version);
      const ms = performance.now() - started;
      if (result.crossed && measure) crossing.push(ms), rederived.push(result.refresh.events.length), perCrossing.push(statements.count - before);
    };
    for (const s of skus) await report(s.sku, 0, Number(s.version) + 1);
    for (const s of skus) await report(s.sku, s.available, Number(s.version) + 2);
  };
  // The last of the list warms this process up (JIT, connections); the others are measured.
  await sellOutAndRestock(busiest.at(-1)!.product_id, false);
  for (const { product_id } of busiest.slice(0, CROSSINGS)) await sellOutAndRestock(product_id, true);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  rows.push({
    operation: `stock event crossing a product out of / back into stock in ${region}: re-derive the lists it leaves or enters (${mean(rederived).toFixed(0)} on average, ${Math.max(0, ...rederived)} at most; ${mean(perCrossing).toFixed(0)} SQL statements)`,
    samples: `${crossing.length} crossings`,
    ms: crossing,
  });
  await cache.close();

  const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
  const lists = await sql<{ region: string; n: number }>`SELECT region, count(*)::int AS n FROM user_recommendation GROUP BY region ORDER BY region`.execute(db);
  console.log(
    `personalization subgraph: ${data.products.toLocaleString('en')} products, ${shoppers.length.toLocaleString('en')} shoppers, ${data.interactions.toLocaleString('en')} interactions, ` +
      `${data.neighbors.toLocaleString('en')} neighbour rows; lists per region ${lists.rows.map((r) => `${r.region} ${r.n}`).join(', ')}; ` +
      `cache ${process.env.REDIS_URL ? 'Redis' : 'in-process LRU'}; one request at a time\n`,
  );
  console.log(markdownTable(['operation', 'samples', 'p50 ms', 'p95 ms', 'p99 ms'], rows.map((r) => [r.operation, r.samples, pct(r.ms, 50).toFixed(1), pct(r.ms, 95).toFixed(1), pct(r.ms, 99).toFixed(1)])));
  const results = rows.map((r) => ({ operation: r.operation, samples: r.ms.length, p50: pct(r.ms, 50), p95: pct(r.ms, 95), p99: pct(r.ms, 99) }));
  console.log(`\nwrote ${writeResult('personalization', { ...data, shoppers: shoppers.length, region, cache: process.env.REDIS_URL ? 'redis' : 'lru', results })}`);
} finally {
  if (service) await stopProcess(service);
  await handle.close();
  if (values.drop) await dropDatabase(serverUrl, DATABASE);
  await pg?.stop();
}
