import type { ColumnType, Generated, JSONColumnType } from 'kysely';
import type { RegionCode } from '@shop/platform';

export type InteractionType = 'VIEW' | 'ADD_TO_CART' | 'PURCHASE';
export type NeighborKind = 'collaborative' | 'content';

/**
 * What personalization knows of a product: seeded from the catalogue generator
 * and, later, kept current by `catalogue.product.changed`. `popularity` is the
 * product's interactions, each weighted by type and by forward decay
 * (features.ts, decayedWeight), so that adding one is a single UPDATE.
 */
export interface ProductFeatureTable {
  product_id: string;
  category_id: string;
  category_name: string;
  brand: string;
  tags: string[];
  /** Log-scale price bucket (features.ts, priceBand). */
  price_band: number;
  title: string;
  created_at: Date;
  popularity: Generated<number>;
}

/** Available units of a sku in a region, as inventory last reported them (`inventory.stock.changed`). */
export interface SkuStockTable {
  sku: string;
  region: RegionCode;
  product_id: string;
  available: number;
  /** inventory's level version; an event whose version is not above it is stale or a duplicate. */
  version: ColumnType<number, number | undefined, number>;
}

/** Derived from sku_stock: a product is in stock in a region iff some sku has available > 0 there. */
export interface ProductRegionStockTable {
  product_id: string;
  region: RegionCode;
  in_stock: boolean;
}

export interface InteractionTable {
  id: Generated<number>;
  /** Idempotency: a replayed event (or order line) finds its row and records nothing. */
  event_id: string;
  user_id: string;
  product_id: string;
  type: InteractionType;
  weight: number;
  occurred_at: Date;
}

/**
 * A shopper's affinity to `category:<id>`, `brand:<name>` or `band:<n>`: their
 * interactions with it, weighted and forward-decayed like popularity, so each
 * new interaction adds to it in one upsert.
 */
export interface UserAffinityTable {
  user_id: string;
  key: string;
  score: number;
}

/** Top-K item-to-item similarities per product and kind; the recommender blends the kinds (recommend/blend.ts). */
export interface ItemNeighborTable {
  product_id: string;
  neighbor_id: string;
  kind: NeighborKind;
  score: number;
}

/** One entry of a shopper's region-independent candidate list (recommend/hybrid.ts, Candidate). */
export interface StoredCandidate {
  productId: string;
  score: number;
  /** May hold `{region}`, filled in when a regional list is derived. */
  reason: string;
  categoryId: string;
}

/**
 * A shopper's candidates as user_profile stores them: parallel arrays in
 * rank order, each category and reason written once (a few kB instead of
 * about 13, read whole for every list a stock crossing re-derives).
 * recommend.repository.ts, encodeCandidates / decodeCandidates.
 */
export interface CompactCandidates {
  ids: string[];
  scores: number[];
  categories: string[];
  /** Index into `categories`, per candidate. */
  categoryOf: number[];
  reasons: string[];
  /** Index into `reasons`, per candidate. */
  reasonOf: number[];
}

/**
 * A shopper's ranked candidates before any stock filter, so a regional list
 * can be re-derived when stock changes without recomputing the shopper.
 * `candidate_ids` (GIN-indexed) answers "whose candidates hold product X".
 * Its row lock serialises every refresh of the shopper.
 */
export interface UserProfileTable {
  user_id: string;
  candidates: JSONColumnType<CompactCandidates, CompactCandidates | undefined, CompactCandidates>;
  candidate_ids: ColumnType<string[], string[] | undefined, string[]>;
  computed_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

/** One item of a served list: what the cache holds and the API returns. */
export interface StoredRecommendation {
  productId: string;
  score: number;
  reason: string;
}

/**
 * The list a shopper was last served in a region, as its product ids: the
 * items (score, reason) are the shopper's candidates for those ids
 * (recommend/hybrid.ts, listItems), since every list is derived from the
 * candidates stored with it. A stock crossing rewrites hundreds of these at
 * once, so they stay small.
 */
export interface UserRecommendationTable {
  user_id: string;
  region: RegionCode;
  product_ids: string[];
  /** Grows with every change of the list; `recommendations.refreshed` carries it. */
  version: ColumnType<number, number | undefined, number>;
  computed_at: ColumnType<Date, Date | undefined, Date>;
}

/** Bookkeeping of background jobs, e.g. the last interaction the neighbour refresh saw. */
export interface JobStateTable {
  name: string;
  last_interaction_id: number;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

/** Events written in the transaction of the change they describe (`createOutboxTable` in @shop/platform). */
export interface OutboxTable {
  seq: Generated<number>;
  id: string;
  type: string;
  source: string;
  subject: string;
  version: number;
  data: unknown;
  time: Generated<Date>;
  published_at: Date | null;
}

export interface PersonalizationDatabase {
  product_feature: ProductFeatureTable;
  sku_stock: SkuStockTable;
  product_region_stock: ProductRegionStockTable;
  interaction: InteractionTable;
  user_affinity: UserAffinityTable;
  item_neighbor: ItemNeighborTable;
  user_profile: UserProfileTable;
  user_recommendation: UserRecommendationTable;
  job_state: JobStateTable;
  outbox: OutboxTable;
}
