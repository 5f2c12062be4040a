import { sql, type Kysely, type Transaction } from 'kysely';
import type { Cache, Logger, NewEvent, RegionCode } from '@shop/platform';
import type { PersonalizationDatabase, StoredRecommendation } from '../db/database.ts';
import { appendEvents, recommendationsRefreshed } from '../events/events.ts';
import { BLEND } from './blend.ts';
import { AffinityKind } from './features.ts';
import { listItems, normaliseAffinity, productCandidates, profileOf, serveList, topKeys, userCandidates, type Candidate, type Scored } from './hybrid.ts';
import { FeatureCache } from './feature-cache.ts';
import { mergeNeighborRows } from './neighbors.ts';
import {
  findInStock,
  findNeighbors,
  findPopularByKeys,
  findSignals,
  findTrendingPool,
  findUserList,
  lockForUserRefresh,
  findListsForCrossing,
  saveCandidatesAndReadLists,
  stockKey,
  toItem,
  writeUserLists,
  type ListWrite,
  type TrendingRow,
} from './recommend.repository.ts';

const DAY_MS = 86_400_000;
/** How far back a shopper's history counts. */
export const HISTORY_DAYS = 90;

export interface RecommenderSettings {
  /** A stored list older than this is recomputed when it is next read. @default 600_000 // 10 minutes */
  listMaxAgeMs: number;
  /** Lifetime of a cached list (each change overwrites it at once). @default 60_000 // 1 minute */
  cacheTtlMs: number;
  /** Lifetime of a product's cached candidates (region-independent; stock is applied per request). @default 600_000 // 10 minutes */
  productCandidatesTtlMs: number;
  /** How long this process reuses the trending pool before refreshing it in the background. @default 10_000 // 10 seconds */
  trendingPoolTtlMs: number;
  /** How long this process keeps a product's features. @default 3_600_000 // 1 hour */
  featureTtlMs: number;
}

export const defaultRecommenderSettings: RecommenderSettings = {
  listMaxAgeMs: 600_000,
  cacheTtlMs: 60_000,
  productCandidatesTtlMs: 600_000,
  trendingPoolTtlMs: 10_000,
  featureTtlMs: 3_600_000,
};

/** Cache keys, defined once. */
export const CacheKey = {
  /** A shopper's served list in a region. */
  userList: (userId: string, region: string) => `user:${userId}:${region}`,
  /** A product's region-independent candidates. */
  productCandidates: (productId: string) => `product:${productId}`,
};

/** Everything the recommender needs at run time: built once per process by the subgraph builder. */
export interface Recommender {
  db: Kysely<PersonalizationDatabase>;
  logger: Logger;
  settings: RecommenderSettings;
  now: () => number;
  cacheGet<T>(key: string): Promise<T | undefined>;
  cacheSet<T>(key: string, value: T, ttlMs: number): Promise<void>;
  /** The most popular products (no stock filter), reused for `trendingPoolTtlMs`. */
  trendingPool(): Promise<TrendingRow[]>;
  features: FeatureCache;
}

export function createRecommender(options: { db: Kysely<PersonalizationDatabase>; cache: Cache; logger: Logger; settings?: Partial<RecommenderSettings>; now?: () => number }): Recommender {
  const settings = { ...defaultRecommenderSettings, ...options.settings };
  const { cache, logger } = options;
  let pool: { rows: TrendingRow[]; at: number } | undefined;
  let loading: Promise<TrendingRow[]> | undefined;
  const now = options.now ?? Date.now;
  return {
    db: options.db,
    logger,
    settings,
    now,
    features: new FeatureCache(settings.featureTtlMs, 250_000, now),
    // A cache outage costs speed, never an answer: the tables hold the truth.
    async cacheGet<T>(key: string) {
      try {
        return await cache.get<T>(key);
      } catch (err) {
        logger.warn({ err, key }, 'cache read failed');
        return undefined;
      }
    },
    async cacheSet<T>(key: string, value: T, ttlMs: number) {
      try {
        await cache.set(key, value, ttlMs);
      } catch (err) {
        logger.warn({ err, key }, 'cache write failed');
      }
    },
    // Stale while revalidating: only the first call waits for the (whole-table) query.
    async trendingPool() {
      if (pool && now() - pool.at < settings.trendingPoolTtlMs) return pool.rows;
      loading ??= findTrendingPool(options.db, BLEND.limits.trendingPool)
        .then((rows) => ((pool = { rows, at: now() }), rows))
        .finally(() => (loading = undefined));
      if (pool) {
        loading.catch((err: unknown) => logger.warn({ err }, 'trending pool refresh failed'));
        return pool.rows;
      }
      return loading;
    },
  };
}

// ── A shopper's candidates and lists ─────────────────────────────────────────

/**
 * Reads the shopper's signals and ranks their candidates (hybrid.ts):
 * history and affinities, the neighbours of their anchors, the popular
 * products of their favourite categories and brands, and the trending pool.
 * Three statements (one without any history), plus one for features this
 * process has not cached yet.
 */
export async function computeUserCandidates(rec: Recommender, db: Kysely<PersonalizationDatabase> | Transaction<PersonalizationDatabase>, userId: string): Promise<Candidate[]> {
  const now = rec.now();
  const pool = await rec.trendingPool();
  const signals = await findSignals(db, userId, new Date(now - HISTORY_DAYS * DAY_MS), BLEND.limits.history);
  const history = signals.history.map((r) => ({ productId: r.product_id, type: r.type, at: new Date(r.occurred_at).getTime() }));
  const affinity = new Map(signals.affinity.map((r) => [r.key, Number(r.score)]));
  const favourite = normaliseAffinity(affinity);
  const categories = topKeys(favourite, AffinityKind.category, BLEND.limits.affinityKeys).map((k) => k.slice(AffinityKind.category.length + 1));
  const brands = topKeys(favourite, AffinityKind.brand, BLEND.limits.affinityKeys).map((k) => k.slice(AffinityKind.brand.length + 1));
  const anchors = profileOf(history, now).anchors.map((a) => a.id);
  const neighborRows = anchors.length ? await findNeighbors(db, anchors) : [];
  const popularRows = categories.length + brands.length ? await findPopularByKeys(db, categories, brands, BLEND.limits.popularPerKey) : [];
  const popularByKey = new Map<string, Scored[]>();
  for (const r of popularRows) {
    const list = popularByKey.get(r.key) ?? [];
    list.push({ id: r.product_id, score: Number(r.popularity) });
    popularByKey.set(r.key, list);
  }
  const items = await rec.features.get(db, [...history.map((h) => h.productId), ...neighborRows.map((r) => r.neighbor_id), ...popularRows.map((r) => r.product_id)]);
  for (const r of pool) if (!items.has(r.product_id)) items.set(r.product_id, toItem(r));
  return userCandidates({
    history,
    affinity,
    neighbors: mergeNeighborRows(neighborRows.map((r) => ({ productId: r.product_id, neighborId: r.neighbor_id, kind: r.kind, score: Number(r.score) }))),
    popularByKey,
    trending: pool.map((r) => ({ id: r.product_id, score: Number(r.popularity) })),
    items,
    now,
  });
}

/** Two lists differ for a shopper when the products, their order or their reasons do (scores alone do not). */
export function sameList(a: readonly StoredRecommendation[], b: readonly StoredRecommendation[]): boolean {
  return a.length === b.length && a.every((x, i) => x.productId === b[i]!.productId && x.reason === b[i]!.reason);
}

export interface DerivedList {
  userId: string;
  region: RegionCode;
  items: StoredRecommendation[];
  version: number;
  changed: boolean;
}

/** What a refresh did: the lists to put in the cache after commit, and the events it owes the outbox. */
export interface RefreshOutcome {
  lists: DerivedList[];
  events: NewEvent<unknown>[];
}

/**
 * Takes the locks every writer of a shopper's lists takes, in order
 * (recommend.repository.ts, "Locks"): the regions' stock locks, shared, then
 * the shopper's profile row. Call first in the transaction.
 */
export function beginUserRefresh(trx: Transaction<PersonalizationDatabase>, userId: string): Promise<{ candidates: Candidate[]; computed_at: Date | null }> {
  return lockForUserRefresh(trx, userId);
}

/**
 * Recomputes the shopper's candidates and re-derives their list in every
 * region they have one in (and in `materialize`), inside the caller's
 * transaction (after beginUserRefresh). A list that changed gets a new
 * version and a `recommendations.refreshed` event (returned, for the caller to
 * append after its own events); a first list is no refresh.
 */
export async function refreshUser(rec: Recommender, trx: Transaction<PersonalizationDatabase>, userId: string, materialize: RegionCode[] = []): Promise<RefreshOutcome> {
  const candidates = await computeUserCandidates(rec, trx, userId);
  return deriveUser(trx, userId, candidates, { save: true, materialize, at: new Date(rec.now()) });
}

/**
 * Derives the shopper's lists from `candidates` (stock and diversity only)
 * in every region they have a list in and in `materialize` (with `only`: in
 * `materialize` alone), storing the candidates first when `save`. Inside the
 * caller's transaction, after beginUserRefresh.
 */
export async function deriveUser(
  trx: Transaction<PersonalizationDatabase>,
  userId: string,
  candidates: Candidate[],
  options: { save: boolean; materialize: RegionCode[]; at: Date; only?: boolean },
): Promise<RefreshOutcome> {
  const { lists: existing, previous, inStock } = await saveCandidatesAndReadLists(trx, userId, candidates, options.save, options.materialize, options.at);
  const regions = [...new Set([...(options.only ? [] : existing.map((r) => r.region)), ...options.materialize])];
  if (regions.length === 0) return { lists: [], events: [] };
  const writes: ListWrite[] = regions.map((region) => {
    const items = serveList(candidates, { region, inStock: (id) => inStock.has(stockKey(region, id)) });
    const stored = existing.find((r) => r.region === region);
    return { userId, region, items, changed: stored !== undefined && !sameList(listItems(previous, stored.product_ids, region), items) };
  });
  return finish(trx, writes, options.at);
}

async function finish(trx: Transaction<PersonalizationDatabase>, writes: ListWrite[], at: Date): Promise<RefreshOutcome> {
  const versions = await writeUserLists(trx, writes, at);
  const versionOf = new Map(versions.map((v) => [`${v.user_id}|${v.region}`, Number(v.version)]));
  const lists = writes.map((w) => ({ ...w, version: versionOf.get(`${w.userId}|${w.region}`) ?? 1 }));
  const events = lists.filter((l) => l.changed).map((l) => recommendationsRefreshed({ user_id: l.userId, region: l.region, version: l.version }));
  return { lists, events };
}

/** After commit: the cache gets the new lists at once, so the next read serves them. */
export async function publishLists(rec: Recommender, outcome: RefreshOutcome): Promise<void> {
  await Promise.all(outcome.lists.map((l) => rec.cacheSet(CacheKey.userList(l.userId, l.region), l.items, rec.settings.cacheTtlMs)));
}

/**
 * A shopper's list in a region, longest first (slice it): the cache, else the
 * stored list while it is younger than `listMaxAgeMs`, else a refresh that
 * computes and stores it.
 */
export async function userRecommendations(rec: Recommender, userId: string, region: RegionCode): Promise<StoredRecommendation[]> {
  const key = CacheKey.userList(userId, region);
  const cached = await rec.cacheGet<StoredRecommendation[]>(key);
  if (cached) return cached;
  const stored = await findUserList(rec.db, userId, region);
  if (stored && rec.now() - stored.computedAt.getTime() < rec.settings.listMaxAgeMs) {
    const items = listItems(stored.candidates, stored.productIds, region);
    await rec.cacheSet(key, items, rec.settings.cacheTtlMs);
    return items;
  }
  const outcome = await rec.db.transaction().execute(async (trx) => {
    // Only derived state is written here (recomputed if lost), so the commit need not wait for the WAL flush.
    await sql`SET LOCAL synchronous_commit = off`.execute(trx);
    const profile = await beginUserRefresh(trx, userId);
    // Candidates still fresh (another region's read, or an event, computed them): only this region's list is missing or old.
    const result =
      profile.computed_at && rec.now() - new Date(profile.computed_at).getTime() < rec.settings.listMaxAgeMs
        ? await deriveUser(trx, userId, profile.candidates, { save: false, materialize: [region], at: new Date(rec.now()), only: true })
        : await refreshUser(rec, trx, userId, [region]);
    await appendEvents(trx, result.events);
    return result;
  });
  await publishLists(rec, outcome);
  return outcome.lists.find((l) => l.region === region)?.items ?? [];
}

/**
 * After `productId` crossed in or out of stock in `region`: re-derives, from
 * their stored candidates, the lists in that region it can leave or enter
 * (no recomputation), in one read and one write however many lists. The
 * caller has written product_region_stock in `trx` and holds the region's
 * lock exclusively (stock.repository.ts, settleProductRegionStock; see
 * "Locks" in recommend.repository.ts), so no list derived from older stock
 * can commit after this looks.
 */
export async function rederiveForStock(rec: Recommender, trx: Transaction<PersonalizationDatabase>, productId: string, region: RegionCode, inStock: boolean): Promise<RefreshOutcome> {
  const { lists, soldOut } = await findListsForCrossing(trx, region, productId, inStock);
  const writes: ListWrite[] = [];
  for (const l of lists) {
    const items = serveList(l.candidates, { region, inStock: (id) => !soldOut.has(id) });
    // Same products in the same order from the same candidates: the same reasons too, so the list did not change.
    if (!sameIds(l.product_ids, items)) writes.push({ userId: l.user_id, region, items, changed: true });
  }
  return finish(trx, writes, new Date(rec.now()));
}

function sameIds(ids: readonly string[], items: readonly StoredRecommendation[]): boolean {
  return ids.length === items.length && items.every((x, i) => x.productId === ids[i]);
}

// ── Product pages ────────────────────────────────────────────────────────────

/**
 * Lists for product pages, for any number of (product, region) keys in three
 * statements at most: the products' neighbours and any features not cached
 * (only for products whose candidates are not cached) and the stock of every candidate
 * in the asked regions. Candidates are region-independent and cached; the
 * stock filter runs on every request, so a product that sold out a moment ago
 * is never on a product page.
 */
export async function productRecommendations(rec: Recommender, keys: readonly { productId: string; region: RegionCode }[]): Promise<StoredRecommendation[][]> {
  const ids = [...new Set(keys.map((k) => k.productId))];
  const candidates = new Map<string, Candidate[]>();
  const cached = await Promise.all(ids.map((id) => rec.cacheGet<Candidate[]>(CacheKey.productCandidates(id))));
  const misses = ids.filter((id, i) => (cached[i] ? (candidates.set(id, cached[i]), false) : true));
  if (misses.length) {
    const [neighborRows, pool] = await Promise.all([findNeighbors(rec.db, misses), rec.trendingPool()]);
    const items = await rec.features.get(rec.db, [...misses, ...neighborRows.map((r) => r.neighbor_id)]);
    for (const r of pool) if (!items.has(r.product_id)) items.set(r.product_id, toItem(r));
    const edges = mergeNeighborRows(neighborRows.map((r) => ({ productId: r.product_id, neighborId: r.neighbor_id, kind: r.kind, score: Number(r.score) })));
    const trending = pool.map((r) => ({ id: r.product_id, score: Number(r.popularity) }));
    await Promise.all(
      misses.map((id) => {
        const list = productCandidates(items.get(id), id, edges.get(id) ?? [], trending, items);
        candidates.set(id, list);
        return rec.cacheSet(CacheKey.productCandidates(id), list, rec.settings.productCandidatesTtlMs);
      }),
    );
  }
  const regions = [...new Set(keys.map((k) => k.region))];
  const all = new Set<string>();
  for (const list of candidates.values()) for (const c of list) all.add(c.productId);
  const inStock = await findInStock(rec.db, regions, [...all]);
  return keys.map((k) =>
    serveList(candidates.get(k.productId) ?? [], { region: k.region, inStock: (id) => inStock.has(stockKey(k.region, id)), exclude: new Set([k.productId]) }),
  );
}
