import type { InteractionType } from '../db/database.ts';

/**
 * The one place the hybrid recommender's weights live. The service and the
 * offline evaluation (src/evaluate) read the same object, so a change here is
 * measured before it is served: `pnpm evaluate`.
 */
export const BLEND: BlendConfig = {
  /** Strength of one interaction by type. */
  interaction: { VIEW: 1, ADD_TO_CART: 3, PURCHASE: 5 },
  /** Half-lives, in days, of an interaction's weight in each signal. */
  halfLifeDays: {
    /** A shopper's affinities and the anchors of their item-to-item candidates. */
    profile: 45,
    /** Popularity (the trending list). */
    trending: 7,
    /** Co-occurrence between items (collaborative neighbours). */
    collaborative: 45,
  },
  /**
   * Item-to-item similarity: how co-occurrence and content similarity mix.
   * Content mostly breaks ties and covers products nobody has interacted with
   * yet (their only neighbours); `pnpm evaluate` drops as content gains weight.
   */
  neighbor: { collaborative: 0.9, content: 0.1 },
  /** A shopper's list: each source is scaled to 0..1 over the candidates, then mixed. */
  user: { itemToItem: 0.5, affinity: 0.4, trending: 0.1 },
  /** A product page's list: its neighbours, and trending products as filler. */
  product: { neighbors: 0.9, trending: 0.1 },
  /** A candidate in the shopper's favourite price bands gains up to this share of its score. */
  priceBoost: 0.4,
  /** A product the shopper already viewed or carted keeps this share of its score. */
  seenPenalty: 0.5,
  /** Products the shopper bought in this many days are never recommended to them. */
  excludePurchasedDays: 30,
  /** In every prefix of a list, at most this share (and at least one) from one category. */
  maxCategoryShare: 0.5,
  limits: {
    /** Most recent interactions a shopper's profile reads. */
    history: 200,
    /** Heaviest history items whose neighbours become candidates (20 gains 0.3% HitRate for a third more rows read). */
    anchors: 15,
    /** Favourite categories, and favourite brands, whose popular products become candidates. */
    affinityKeys: 3,
    /** Popular products read per favourite category or brand. */
    popularPerKey: 40,
    /** Products in the global trending pool. */
    trendingPool: 200,
    /** Candidates kept per shopper (before the stock filter), and per product. */
    candidates: 120,
    /** Neighbours kept per product and kind. */
    neighbors: { collaborative: 50, content: 25 },
    /** Longest list served (the `first` argument's maximum). */
    served: 50,
  },
};

type Weights<K extends string> = Readonly<Record<K, number>>;

/** The shape of BLEND (variants of it are what `pnpm evaluate` and the tests compare). */
export interface BlendConfig {
  readonly interaction: Weights<InteractionType>;
  readonly halfLifeDays: Weights<'profile' | 'trending' | 'collaborative'>;
  readonly neighbor: Weights<'collaborative' | 'content'>;
  readonly user: Weights<UserSource>;
  readonly product: Weights<'neighbors' | 'trending'>;
  readonly priceBoost: number;
  readonly seenPenalty: number;
  readonly excludePurchasedDays: number;
  readonly maxCategoryShare: number;
  readonly limits: {
    readonly history: number;
    readonly anchors: number;
    readonly affinityKeys: number;
    readonly popularPerKey: number;
    readonly trendingPool: number;
    readonly candidates: number;
    readonly neighbors: Weights<'collaborative' | 'content'>;
    readonly served: number;
  };
}

/** Where a user candidate's score comes from; the largest weighted part names its reason. */
export type UserSource = 'itemToItem' | 'affinity' | 'trending';
export type UserParts = Record<UserSource, number>;

/** Similarity of two products from their two neighbour scores (each 0..1). */
export function neighborScore(edge: { collaborative: number; content: number }, weights: BlendConfig['neighbor'] = BLEND.neighbor): number {
  return weights.collaborative * edge.collaborative + weights.content * edge.content;
}

/** A candidate's score from its sources (each scaled to 0..1). */
export function blendUser(parts: UserParts, weights: BlendConfig['user'] = BLEND.user): number {
  return weights.itemToItem * parts.itemToItem + weights.affinity * parts.affinity + weights.trending * parts.trending;
}

/** The source that contributes most to a candidate's score (ties: item-to-item, then affinity). */
export function dominantSource(parts: UserParts, weights: BlendConfig['user'] = BLEND.user): UserSource {
  let best: UserSource = 'itemToItem';
  let top = -1;
  for (const source of ['itemToItem', 'affinity', 'trending'] as const) {
    const v = weights[source] * parts[source];
    if (v > top) [best, top] = [source, v];
  }
  return best;
}

/** Multiplier for a candidate whose price band the shopper favours to `bandAffinity` (0..1); stays in 0..1 overall. */
export function priceFactor(bandAffinity: number, boost: number = BLEND.priceBoost): number {
  return (1 + boost * bandAffinity) / (1 + boost);
}

/** Most items of one category allowed in a list prefix of `length` items. */
export function categoryCap(length: number, share: number = BLEND.maxCategoryShare): number {
  return Math.max(1, Math.floor(length * share));
}
