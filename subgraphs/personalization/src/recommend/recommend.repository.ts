import { sql, type Kysely, type Transaction } from 'kysely';
import { REGION_CODES, type RegionCode } from '@shop/platform';
import type { CompactCandidates, InteractionType, NeighborKind, PersonalizationDatabase, StoredCandidate, StoredRecommendation } from '../db/database.ts';
import type { ItemInfo } from './features.ts';

type Db = Kysely<PersonalizationDatabase> | Transaction<PersonalizationDatabase>;

/** A product's features as the recommender reads them (no tags, no title unless asked). */
interface FeatureColumns {
  product_id: string;
  category_id: string;
  category_name: string;
  brand: string;
  price_band: number;
}
export const toItem = (r: FeatureColumns & { title?: string }): ItemInfo => ({
  id: r.product_id,
  categoryId: r.category_id,
  categoryName: r.category_name,
  brand: r.brand,
  priceBand: r.price_band,
  ...(r.title !== undefined ? { title: r.title } : {}),
});

export interface HistoryRow {
  product_id: string;
  type: InteractionType;
  occurred_at: Date;
}

/**
 * A shopper's recent history and all their affinities, in one round trip:
 * SELECT (SELECT json_agg(h) FROM (SELECT product_id, type, occurred_at FROM interaction
 *          WHERE user_id = $1 AND occurred_at > $2 ORDER BY occurred_at DESC LIMIT $3) h) AS history,
 *        (SELECT json_agg(…) FROM user_affinity WHERE user_id = $1) AS affinity
 */
export async function findSignals(db: Db, userId: string, since: Date, limit: number): Promise<{ history: HistoryRow[]; affinity: { key: string; score: number }[] }> {
  const { rows } = await sql<{ history: (Omit<HistoryRow, 'occurred_at'> & { occurred_at: string })[] | null; affinity: { key: string; score: number }[] | null }>`
    SELECT
      (SELECT json_agg(h) FROM (
         SELECT product_id, type, occurred_at FROM interaction
          WHERE user_id = ${userId} AND occurred_at > ${since}
          ORDER BY occurred_at DESC LIMIT ${limit}) h) AS history,
      (SELECT json_agg(json_build_object('key', a.key, 'score', a.score)) FROM user_affinity a WHERE a.user_id = ${userId}) AS affinity`.execute(db);
  const row = rows[0];
  return {
    history: (row?.history ?? []).map((h) => ({ ...h, occurred_at: new Date(h.occurred_at) })),
    affinity: row?.affinity ?? [],
  };
}

export interface NeighborEdgeRow {
  product_id: string;
  neighbor_id: string;
  kind: NeighborKind;
  score: number;
}

/** SELECT product_id, neighbor_id, kind, score FROM item_neighbor WHERE product_id = ANY($1) */
export function findNeighbors(db: Db, productIds: readonly string[]): Promise<NeighborEdgeRow[]> {
  if (productIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('item_neighbor').select(['product_id', 'neighbor_id', 'kind', 'score']).where('product_id', '=', sql<string>`ANY(${productIds})`).execute();
}

export interface PopularRow {
  key: string;
  product_id: string;
  popularity: number;
}

/**
 * The `perKey` most popular products of each category and of each brand, one
 * index-ordered scan per key:
 * SELECT … FROM unnest($categories) k CROSS JOIN LATERAL (SELECT … WHERE category_id = k ORDER BY popularity DESC LIMIT $n)
 * UNION ALL the same for brands
 */
export async function findPopularByKeys(db: Db, categoryIds: readonly string[], brands: readonly string[], perKey: number): Promise<PopularRow[]> {
  if (categoryIds.length + brands.length === 0) return [];
  const { rows } = await sql<PopularRow>`
    SELECT 'category:' || k.v AS key, p.* FROM unnest(${categoryIds}::text[]) AS k(v)
      CROSS JOIN LATERAL (
        SELECT product_id, popularity FROM product_feature WHERE category_id = k.v ORDER BY popularity DESC LIMIT ${perKey}) p
    UNION ALL
    SELECT 'brand:' || k.v AS key, p.* FROM unnest(${brands}::text[]) AS k(v)
      CROSS JOIN LATERAL (
        SELECT product_id, popularity FROM product_feature WHERE brand = k.v ORDER BY popularity DESC LIMIT ${perKey}) p`.execute(db);
  return rows;
}

export type TrendingRow = FeatureColumns & { popularity: number };

/** SELECT product_id, category_id, category_name, brand, price_band, popularity FROM product_feature ORDER BY popularity DESC LIMIT $1 */
export function findTrendingPool(db: Db, limit: number): Promise<TrendingRow[]> {
  return db
    .selectFrom('product_feature')
    .select(['product_id', 'category_id', 'category_name', 'brand', 'price_band', 'popularity'])
    .orderBy('popularity', 'desc')
    .orderBy('product_id')
    .limit(limit)
    .execute();
}

/** SELECT product_id, category_id, category_name, brand, price_band, title FROM product_feature WHERE product_id = ANY($1) */
export function findFeatures(db: Db, productIds: readonly string[]): Promise<(FeatureColumns & { title: string })[]> {
  if (productIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('product_feature')
    .select(['product_id', 'category_id', 'category_name', 'brand', 'price_band', 'title'])
    .where('product_id', '=', sql<string>`ANY(${productIds})`)
    .execute();
}

/** SELECT region, product_id FROM product_region_stock WHERE region = ANY($1) AND product_id = ANY($2) AND in_stock */
export async function findInStock(db: Db, regions: readonly RegionCode[], productIds: readonly string[]): Promise<Set<string>> {
  if (regions.length === 0 || productIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('product_region_stock')
    .select(['region', 'product_id'])
    .where('region', '=', sql<RegionCode>`ANY(${regions})`)
    .where('product_id', '=', sql<string>`ANY(${productIds})`)
    .where('in_stock', '=', true)
    .execute();
  return new Set(rows.map((r) => stockKey(r.region, r.product_id)));
}
export const stockKey = (region: string, productId: string) => `${region}|${productId}`;

// ── Locks ────────────────────────────────────────────────────────────────────
//
// Every refresh of a shopper takes, in this order: every region's stock lock
// (shared), then the shopper's user_profile row. A product crossing in or out
// of stock takes its region's lock exclusively before it looks for the lists
// to re-derive. So a list derived from stock read before the crossing is
// committed before the crossing looks (and is found), and one derived after
// it reads the new stock: no list keeps a sold-out product. While a crossing
// holds its region, no refresh and no other crossing there is under way, so
// it locks no profile rows (a crossing elsewhere writes other regions' lists).

/** Advisory lock class of personalization's region stock locks (the other int is the region's index). */
const REGION_LOCK_CLASS = 7_164;
/** Advisory lock of the neighbour refresh: one replica at a time. */
export const NEIGHBOR_REFRESH_LOCK: [number, number] = [7_165, 1];

const regionIndex = (region: RegionCode) => REGION_CODES.indexOf(region);

/**
 * The region's stock lock, exclusively, as an expression for the statement
 * that flips a product's stock (stock.repository.ts), so the lock costs no
 * round trip of its own: pg_advisory_xact_lock(7164, $region)
 */
export function regionLockExclusive(region: RegionCode) {
  return sql<void>`pg_advisory_xact_lock(${REGION_LOCK_CLASS}, ${regionIndex(region)}::int)`;
}

/**
 * Takes every region's stock lock (shared, in region order), then creates
 * the shopper's row if needed and holds its lock until the transaction ends,
 * in one statement; returns the row:
 * INSERT INTO user_profile (user_id) SELECT $1 FROM (SELECT count(pg_advisory_xact_lock_shared(7164, r)) FROM … ORDER BY r) locks
 * ON CONFLICT (user_id) DO UPDATE SET user_id = excluded.user_id RETURNING candidates, computed_at
 */
export async function lockForUserRefresh(trx: Transaction<PersonalizationDatabase>, userId: string): Promise<{ candidates: StoredCandidate[]; computed_at: Date | null }> {
  const regions = REGION_CODES.map(regionIndex);
  const { rows } = await sql<{ candidates: CompactCandidates; computed_at: Date | null }>`
    INSERT INTO user_profile (user_id)
    SELECT ${userId}::text FROM (
      SELECT count(pg_advisory_xact_lock_shared(${REGION_LOCK_CLASS}, o.r)) AS n FROM (SELECT r FROM unnest(${regions}::int[]) AS r ORDER BY r) AS o
    ) AS locks
    ON CONFLICT (user_id) DO UPDATE SET user_id = excluded.user_id
    RETURNING candidates, computed_at`.execute(trx);
  const row = rows[0]!;
  return { candidates: decodeCandidates(row.candidates), computed_at: row.computed_at };
}

/**
 * Stores the shopper's new candidates (when given) and reads what deriving
 * their lists needs, in one statement: their current lists, the candidates
 * those were derived from (before this update), and which candidates are in
 * stock in the regions of those lists and of `regions`.
 * WITH lists AS (SELECT … FROM user_recommendation WHERE user_id = $1), saved AS (UPDATE user_profile … RETURNING 1)
 * SELECT (SELECT json_agg(lists) FROM lists), (SELECT candidates FROM user_profile WHERE user_id = $1),
 *        (SELECT json_agg(…) FROM product_region_stock WHERE region IN (…) AND product_id = ANY($ids) AND in_stock), …
 */
export async function saveCandidatesAndReadLists(
  trx: Transaction<PersonalizationDatabase>,
  userId: string,
  candidates: StoredCandidate[],
  save: boolean,
  regions: readonly RegionCode[],
  at: Date,
): Promise<{ lists: UserListRow[]; previous: StoredCandidate[]; inStock: Set<string> }> {
  const ids = candidates.map((c) => c.productId);
  const saved = save
    ? sql`, saved AS (UPDATE user_profile SET candidates = ${JSON.stringify(encodeCandidates(candidates))}::json, candidate_ids = ${ids}::text[], computed_at = ${at} WHERE user_id = ${userId} RETURNING 1)`
    : sql``;
  const { rows } = await sql<{
    lists: (Omit<UserListRow, 'computed_at'> & { computed_at: string })[] | null;
    previous: CompactCandidates | null;
    stock: { region: string; product_id: string }[] | null;
  }>`
    WITH lists AS (SELECT user_id, region, product_ids, version, computed_at FROM user_recommendation WHERE user_id = ${userId}) ${saved}
    SELECT
      (SELECT json_agg(lists) FROM lists) AS lists,
      -- The statement's snapshot: what the lists were derived from, not what this statement stores.
      ${save ? sql`(SELECT candidates FROM user_profile WHERE user_id = ${userId})` : sql`NULL::json`} AS previous,
      (SELECT json_agg(json_build_object('region', s.region, 'product_id', s.product_id)) FROM product_region_stock s
        -- One array of regions, so the (region, product_id) key is used (an OR with a subquery scans the table).
        WHERE s.region = ANY(ARRAY(SELECT region FROM lists) || ${[...regions]}::text[])
          AND s.product_id = ANY(${ids}::text[]) AND s.in_stock) AS stock
      ${save ? sql`, (SELECT count(*) FROM saved) AS saved` : sql``}`.execute(trx);
  const row = rows[0];
  return {
    lists: (row?.lists ?? []).map((l) => ({ ...l, version: Number(l.version), computed_at: new Date(l.computed_at) })),
    previous: row?.previous ? decodeCandidates(row.previous) : candidates,
    inStock: new Set((row?.stock ?? []).map((r) => stockKey(r.region, r.product_id))),
  };
}

export interface UserListRow {
  user_id: string;
  region: RegionCode;
  product_ids: string[];
  version: number;
  computed_at: Date;
}

/**
 * A shopper's stored list in a region with the candidates it was derived from (for its items):
 * SELECT r.product_ids, r.computed_at, p.candidates FROM user_recommendation r JOIN user_profile p USING (user_id) WHERE r.user_id = $1 AND r.region = $2
 */
export async function findUserList(db: Db, userId: string, region: RegionCode): Promise<{ productIds: string[]; candidates: StoredCandidate[]; computedAt: Date } | undefined> {
  const { rows } = await sql<{ product_ids: string[]; candidates: CompactCandidates; computed_at: Date }>`
    SELECT to_json(r.product_ids) AS product_ids, p.candidates, r.computed_at FROM user_recommendation r
      JOIN user_profile p ON p.user_id = r.user_id
     WHERE r.user_id = ${userId} AND r.region = ${region}`.execute(db);
  const row = rows[0];
  return row && { productIds: row.product_ids, candidates: decodeCandidates(row.candidates), computedAt: new Date(row.computed_at) };
}

export interface ListWrite {
  userId: string;
  region: RegionCode;
  items: StoredRecommendation[];
  /** Bumps the version (and makes a refreshed event worth sending). */
  changed: boolean;
}

/**
 * Writes derived lists (their product ids) in one statement: a changed list's version grows by
 * one, an unchanged one only gets a new computed_at, a new one starts at 1.
 * (Callers hold the shoppers' user_profile locks, or their region's lock exclusively: update-then-insert does not race.)
 * WITH x AS (SELECT … FROM json_to_recordset($1)), up AS (UPDATE user_recommendation … FROM x … RETURNING …),
 *      ins AS (INSERT INTO user_recommendation SELECT … FROM x WHERE NOT EXISTS (…) RETURNING …)
 * SELECT * FROM up UNION ALL SELECT * FROM ins
 */
export async function writeUserLists(trx: Transaction<PersonalizationDatabase>, lists: ListWrite[], at: Date): Promise<{ user_id: string; region: RegionCode; version: number }[]> {
  if (lists.length === 0) return [];
  const payload = JSON.stringify(lists.map((l) => ({ user_id: l.userId, region: l.region, product_ids: l.items.map((i) => i.productId), changed: l.changed })));
  const { rows } = await sql<{ user_id: string; region: RegionCode; version: number }>`
    WITH x AS (
      SELECT * FROM json_to_recordset(${payload}::json) AS x(user_id text, region text, product_ids text[], changed boolean)
    ), up AS (
      UPDATE user_recommendation r
         SET product_ids = x.product_ids, computed_at = ${at}, version = r.version + CASE WHEN x.changed THEN 1 ELSE 0 END
        FROM x WHERE r.user_id = x.user_id AND r.region = x.region
      RETURNING r.user_id, r.region, r.version
    ), ins AS (
      INSERT INTO user_recommendation (user_id, region, product_ids, version, computed_at)
      SELECT x.user_id, x.region, x.product_ids, 1, ${at} FROM x
       WHERE NOT EXISTS (SELECT 1 FROM user_recommendation r WHERE r.user_id = x.user_id AND r.region = x.region)
      RETURNING user_id, region, version
    )
    SELECT * FROM up UNION ALL SELECT * FROM ins`.execute(trx);
  return rows;
}

/** A list a stock crossing may change: its shopper's candidates and the products it shows now. */
export interface CrossingList {
  user_id: string;
  candidates: StoredCandidate[];
  product_ids: string[];
}

/**
 * After `productId` crossed in or out of stock in `region`, with the region's
 * lock held exclusively ("Locks"): the lists in that region it can enter or
 * leave, with their shoppers' candidates, and the region's sold-out products,
 * in one statement. Leaving, only the lists that show the product can change
 * (serveList is unchanged by taking out a candidate it did not pick);
 * entering, every list whose shopper's candidates hold it.
 * WITH affected AS (SELECT p.user_id, p.candidates, to_json(r.product_ids) FROM user_profile p JOIN user_recommendation r ON … AND r.region = $1
 *                    WHERE p.candidate_ids @> ARRAY[$2] [AND r.product_ids @> ARRAY[$2]])
 * SELECT … FROM affected UNION ALL SELECT …, (SELECT json_agg(product_id) FROM product_region_stock WHERE region = $1 AND NOT in_stock)
 */
export async function findListsForCrossing(
  trx: Transaction<PersonalizationDatabase>,
  region: RegionCode,
  productId: string,
  inStock: boolean,
): Promise<{ lists: CrossingList[]; soldOut: Set<string> }> {
  // Product ids travel as json (JSON.parse), not text[]: the driver's array parser is slow for hundreds of lists.
  const { rows } = await sql<{ user_id: string | null; candidates: CompactCandidates | null; product_ids: string[] | null; sold_out: string[] | null }>`
    WITH affected AS (
      SELECT p.user_id, p.candidates, to_json(r.product_ids) AS product_ids FROM user_profile p
        JOIN user_recommendation r ON r.user_id = p.user_id AND r.region = ${region}
       WHERE p.candidate_ids @> ARRAY[${productId}]::text[]
         ${inStock ? sql`` : sql`AND r.product_ids @> ARRAY[${productId}]::text[]`}
    )
    SELECT user_id, candidates, product_ids, NULL::json AS sold_out FROM affected
    UNION ALL
    -- The region's sold-out products (a few percent of the catalogue, from the partial index), once.
    SELECT NULL, NULL, NULL, (SELECT json_agg(s.product_id) FROM product_region_stock s WHERE s.region = ${region} AND NOT s.in_stock)`.execute(trx);
  const lists: CrossingList[] = [];
  let soldOut = new Set<string>();
  for (const r of rows) {
    if (r.user_id === null) soldOut = new Set(r.sold_out ?? []);
    else lists.push({ user_id: r.user_id, candidates: r.candidates ? decodeCandidates(r.candidates) : [], product_ids: r.product_ids ?? [] });
  }
  return { lists, soldOut };
}

// ── Stored candidates ────────────────────────────────────────────────────────

/** A shopper's candidates as user_profile stores them (CompactCandidates). */
export function encodeCandidates(candidates: readonly StoredCandidate[]): CompactCandidates {
  const categories = new Map<string, number>();
  const reasons = new Map<string, number>();
  const indexOf = (m: Map<string, number>, v: string) => m.get(v) ?? (m.set(v, m.size), m.size - 1);
  return {
    ids: candidates.map((c) => c.productId),
    scores: candidates.map((c) => c.score),
    categoryOf: candidates.map((c) => indexOf(categories, c.categoryId)),
    categories: [...categories.keys()],
    reasonOf: candidates.map((c) => indexOf(reasons, c.reason)),
    reasons: [...reasons.keys()],
  };
}

export function decodeCandidates(doc: CompactCandidates): StoredCandidate[] {
  return doc.ids.map((productId, i) => ({ productId, score: doc.scores[i]!, reason: doc.reasons[doc.reasonOf[i]!]!, categoryId: doc.categories[doc.categoryOf[i]!]! }));
}
