/**
 * The "physical floor" for the contract's gateway `ProductPage`: one node:http
 * process that answers the same page, for the same `{ slug, region }`, from the
 * same four databases as the subgraphs, with as few SQL statements and round
 * trips as the data allows, and writes the same JSON body as the gateway
 * (`{"data":{"product":…}}`). A benchmark tool, not a service: it reads every
 * database directly and borrows the subgraphs' domain rules, so that it does
 * the same work as the gateway path minus federation (query planning, entity
 * fetches between processes, GraphQL execution in six processes, statements
 * the plan splits apart).
 *
 * Per page, with a product's recommendation candidates cached (as the
 * personalization subgraph caches them, per process, 10 minutes):
 *
 *   1. catalogue       the product by slug with its category, images and variants, as JSON (1 statement)
 *   2. in parallel:
 *      inventory       every variant's level in the region and "any variant in stock" (1 statement)
 *      pricing         every variant's price with the region's tax rule, and the price range (1 statement)
 *      personalization which of the product's candidates are in stock in the region (1 statement)
 *      catalogue       id, slug and title of every candidate (1 statement), with FLOOR_RECOMMENDED=prefetch
 *   3. catalogue       id, slug and title of the ≤ 8 served products (1 statement), with FLOOR_RECOMMENDED=after
 *
 * Five statements per page either way. The slug names the product, and every
 * other database is keyed by its id, so step 2 has to wait for step 1: two
 * round trips is the floor without caching what the gateway path does not
 * cache. `prefetch` (the default) reads all candidates' titles (up to 120
 * rows) to save the third round trip; `after` reads only the served ones.
 *
 * Recommendations: candidate generation (blending the product's collaborative
 * and content neighbours with the trending pool, features, scores and
 * reasons) is the personalization subgraph's own code, called in-process
 * (`productCandidates` and its inputs, cached under the subgraph's key and
 * TTL), and so is the diversity rule that picks the served list
 * (`serveList`). Rewriting that ranking as one SQL statement would be a second
 * implementation of the recommender to keep equal to the first, and it is
 * region-independent work the subgraph does not repeat per request either;
 * the per-request part, the stock filter, is one statement here as there.
 *
 * Environment: PORT, CATALOGUE_DATABASE_URL, INVENTORY_DATABASE_URL,
 * PRICING_DATABASE_URL, PERSONALIZATION_DATABASE_URL, DB_POOL_SIZE
 * (@default 10 // connections per database, as each subgraph's), FLOOR_RECOMMENDED.
 * GET /metrics gives `floor_sql_statements_total{database=…}`; POST /graphql
 * (any path) answers `{ variables: { slug, region } }` and ignores the query text.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createDb, createLogger, isRegionCode, LruCache, type Db, type RegionCode } from '@shop/platform';
import type { PersonalizationDatabase } from '../../subgraphs/personalization/src/db/database.ts';
import { productCandidates, serveList, type Candidate } from '../../subgraphs/personalization/src/recommend/hybrid.ts';
import { mergeNeighborRows } from '../../subgraphs/personalization/src/recommend/neighbors.ts';
import { findInStock, findNeighbors, stockKey, toItem } from '../../subgraphs/personalization/src/recommend/recommend.repository.ts';
import { CacheKey, createRecommender } from '../../subgraphs/personalization/src/recommend/recommend.service.ts';
import { priceRange, variantPrice } from '../../subgraphs/pricing/src/price/price.service.ts';
import { stockView } from '../../subgraphs/inventory/src/stock/stock.rules.ts';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`floor-server: ${name} is required`);
  return v;
};
const PORT = Number(env('PORT'));
/** @default 10 // connections per database, as each subgraph's DB_POOL_SIZE */
const POOL_SIZE = Number(process.env.DB_POOL_SIZE ?? 10);
/** @default 'prefetch' // read every candidate's title beside the stock filter (one round trip less) */
const RECOMMENDED = (process.env.FLOOR_RECOMMENDED ?? 'prefetch') as 'prefetch' | 'after';
if (RECOMMENDED !== 'prefetch' && RECOMMENDED !== 'after') throw new Error(`FLOOR_RECOMMENDED must be prefetch or after, got ${RECOMMENDED}`);
/** The contract's `recommendations(region: $region, first: 8)`. */
const FIRST = 8;

const logger = createLogger('floor', process.env.LOG_LEVEL ?? 'warn');
const statements: Record<string, number> = { catalogue: 0, inventory: 0, pricing: 0, personalization: 0 };
const open = (name: string, url: string) => createDb<unknown>({ url, logger, poolSize: POOL_SIZE, onQuery: () => statements[name]!++ });
const catalogue = open('catalogue', env('CATALOGUE_DATABASE_URL'));
const inventory = open('inventory', env('INVENTORY_DATABASE_URL'));
const pricing = open('pricing', env('PRICING_DATABASE_URL'));
const personalization = createDb<PersonalizationDatabase>({ url: env('PERSONALIZATION_DATABASE_URL'), logger, poolSize: POOL_SIZE, onQuery: () => statements.personalization!++ });
// The subgraph's recommender with the subgraph's defaults: the same in-process LRU, TTLs, trending pool and feature cache.
const recommender = createRecommender({ db: personalization.db, cache: new LruCache(50_000), logger });

/** Raw statements (pg, unnamed like kysely's, so PostgreSQL parses and plans each as it does the subgraphs'). */
async function query<T>(db: Db<unknown>, name: string, text: string, values: unknown[]): Promise<T[]> {
  statements[name]!++;
  return (await db.pool.query(text, values)).rows as T[];
}

interface CatalogueProduct {
  id: string;
  slug: string;
  title: string;
  description: string;
  brand: string;
  category: { id: string; slug: string; name: string };
  images: { url: string; altText: string | null }[];
  variants: { sku: string; title: string; options: { name: string; value: string }[] }[];
}

// Orders as the subgraph's loaders do (variants and images by position).
const PRODUCT_SQL = `
SELECT p.id, p.slug, p.title, p.description, p.brand,
       json_build_object('id', c.id, 'slug', c.slug, 'name', c.name) AS category,
       coalesce((SELECT json_agg(json_build_object('url', i.url, 'altText', i.alt_text) ORDER BY i.position)
                   FROM product_image i WHERE i.product_id = p.id), '[]') AS images,
       coalesce((SELECT json_agg(json_build_object('sku', v.sku, 'title', v.title, 'options', v.options) ORDER BY v.position)
                   FROM variant v WHERE v.product_id = p.id), '[]') AS variants
  FROM product p JOIN category c ON c.id = p.category_id
 WHERE p.slug = $1`;

const TITLES_SQL = `SELECT id, slug, title FROM product WHERE id = ANY($1)`;

// A sku without a level row has no stock (the subgraph's stockView(0, 0)); availableForSale as findProductsWithStock.
const STOCK_SQL = `
SELECT coalesce((SELECT json_agg(json_build_array(l.sku, l.on_hand, l.reserved))
                   FROM inventory_level l WHERE l.sku = ANY($1) AND l.region = $2), '[]') AS levels,
       EXISTS (SELECT 1 FROM inventory_item i JOIN inventory_level l ON l.sku = i.sku
                WHERE i.product_id = $3 AND l.region = $2 AND l.on_hand > l.reserved) AS available`;

// As findPrices (joined to the region for its tax rule and currency) and findPriceRanges (min/max per currency).
const PRICE_SQL = `
SELECT coalesce((SELECT json_agg(json_build_array(p.sku, p.currency_code, p.amount_minor, p.compare_at_minor, r.tax_included))
                   FROM price p JOIN region r ON r.code = p.region AND r.currency_code = p.currency_code
                  WHERE p.sku = ANY($1) AND p.region = $2), '[]') AS prices,
       (SELECT json_build_array(currency_code, min(amount_minor), max(amount_minor))
          FROM price WHERE product_id = $3 AND region = $2 GROUP BY currency_code LIMIT 1) AS range`;

/**
 * A product's region-independent candidates: the cache, else what personalization's productRecommendations
 * computes on a miss (neighbours, trending pool, features), cached under the same key for the same time.
 */
async function candidatesOf(productId: string): Promise<Candidate[]> {
  const key = CacheKey.productCandidates(productId);
  const cached = await recommender.cacheGet<Candidate[]>(key);
  if (cached) return cached;
  const [neighborRows, pool] = await Promise.all([findNeighbors(recommender.db, [productId]), recommender.trendingPool()]);
  const items = await recommender.features.get(recommender.db, [productId, ...neighborRows.map((r) => r.neighbor_id)]);
  for (const r of pool) if (!items.has(r.product_id)) items.set(r.product_id, toItem(r));
  const edges = mergeNeighborRows(neighborRows.map((r) => ({ productId: r.product_id, neighborId: r.neighbor_id, kind: r.kind, score: Number(r.score) })));
  const trending = pool.map((r) => ({ id: r.product_id, score: Number(r.popularity) }));
  const list = productCandidates(items.get(productId), productId, edges.get(productId) ?? [], trending, items);
  await recommender.cacheSet(key, list, recommender.settings.productCandidatesTtlMs);
  return list;
}

type Titles = Map<string, { id: string; slug: string; title: string }>;
const titles = async (ids: string[]): Promise<Titles> =>
  ids.length === 0 ? new Map() : new Map((await query<{ id: string; slug: string; title: string }>(catalogue, 'catalogue', TITLES_SQL, [ids])).map((r) => [r.id, r]));

async function recommendations(productId: string, region: RegionCode) {
  const candidates = await candidatesOf(productId);
  const ids = candidates.map((c) => c.productId);
  const [inStock, prefetched] = await Promise.all([findInStock(recommender.db, [region], ids), RECOMMENDED === 'prefetch' ? titles(ids) : undefined]);
  // The subgraph serves its longest list and the resolver slices `first` off it.
  const served = serveList(candidates, { region, inStock: (id) => inStock.has(stockKey(region, id)), exclude: new Set([productId]) }).slice(0, FIRST);
  const products = prefetched ?? (await titles(served.map((r) => r.productId)));
  return served.map((r) => {
    const p = products.get(r.productId);
    if (!p) throw new Error(`recommended product ${r.productId} is not in the catalogue`);
    return { score: r.score, reason: r.reason, product: { id: p.id, slug: p.slug, title: p.title } };
  });
}

async function productPage(slug: string, region: RegionCode) {
  const [p] = await query<CatalogueProduct>(catalogue, 'catalogue', PRODUCT_SQL, [slug]);
  if (!p) return null;
  const skus = p.variants.map((v) => v.sku);
  const [[stock], [prices], recs] = await Promise.all([
    query<{ levels: [string, number, number][]; available: boolean }>(inventory, 'inventory', STOCK_SQL, [skus, region, p.id]),
    query<{ prices: [string, string, number, number | null, boolean][]; range: [string, number, number] | null }>(pricing, 'pricing', PRICE_SQL, [skus, region, p.id]),
    recommendations(p.id, region),
  ]);
  const levels = new Map(stock!.levels.map(([sku, onHand, reserved]) => [sku, stockView(onHand, reserved)]));
  const priceOf = new Map(prices!.prices.map(([sku, currency_code, amount_minor, compare_at_minor, tax_included]) => [sku, variantPrice({ sku, product_id: p.id, region, currency_code, amount_minor, compare_at_minor, tax_included })]));
  const range = prices!.range;
  // Fields in the document's order, so that the body is byte-for-byte what the gateway writes, not only the same JSON.
  return {
    id: p.id,
    slug: p.slug,
    title: p.title,
    description: p.description,
    brand: p.brand,
    category: p.category,
    images: p.images,
    availableForSale: stock!.available,
    priceRange: range ? priceRange({ product_id: p.id, region, currency_code: range[0], min_minor: range[1], max_minor: range[2] }) : null,
    variants: p.variants.map((v) => ({
      sku: v.sku,
      title: v.title,
      options: v.options.map((o) => ({ name: o.name, value: o.value })),
      price: priceOf.get(v.sku) ?? null,
      stock: levels.get(v.sku) ?? stockView(0, 0),
    })),
    recommendations: recs,
  };
}

function send(res: ServerResponse, status: number, body: string, type = 'application/graphql-response+json; charset=utf-8') {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function handle(req: IncomingMessage, res: ServerResponse) {
  if (req.method === 'GET' && req.url === '/metrics') {
    const lines = Object.entries(statements).map(([db, n]) => `floor_sql_statements_total{database="${db}"} ${n}`);
    return send(res, 200, `${lines.join('\n')}\n`, 'text/plain');
  }
  if (req.method === 'GET') return send(res, 200, 'ok\n', 'text/plain');
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const { slug, region } = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { variables?: { slug?: unknown; region?: unknown } }).variables ?? {};
  if (typeof slug !== 'string' || !isRegionCode(region)) return send(res, 400, JSON.stringify({ errors: [{ message: 'variables: { slug: String!, region: RegionCode! }' }] }));
  // The gateway (Apollo Server) ends its JSON body with a newline; so does this, for the same bytes.
  send(res, 200, `${JSON.stringify({ data: { product: await productPage(slug, region) } })}\n`);
}

const server = createServer((req, res) => {
  handle(req, res).catch((err: unknown) => {
    logger.error({ err }, 'floor request failed');
    if (!res.headersSent) send(res, 500, JSON.stringify({ errors: [{ message: String(err) }] }));
  });
});
server.keepAliveTimeout = 65_000;
server.listen(PORT, '127.0.0.1', () => logger.info({ port: PORT }, 'floor listening'));
// Exit at once: at the end of a slice the load generator drops its connections with requests still in
// flight here, and closing the pools under them only logs errors. PostgreSQL ends the backends itself.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
// spawnService gives this process an IPC channel: exit with the runner.
process.on('disconnect', () => process.exit(0));
