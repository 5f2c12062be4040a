/**
 * Product features and the arithmetic of weights over time, shared by the
 * SQL that maintains the tables and the in-memory model of the evaluation.
 */

const DAY_MS = 86_400_000;

/**
 * Forward decay: an interaction at time t counts `weight * 2^((t - EPOCH) / halfLife)`.
 * Later interactions count more, and a running sum ranks exactly as a sum
 * decayed to "now" would, so popularity and affinities grow by one addition per
 * event with no rescans. Values double every half-life after the epoch; with
 * the shortest half-life (7 days) a float8 lasts about 19 years from it, and a
 * rebase (divide every score by the same power of 2) resets the clock.
 */
export const DECAY_EPOCH_MS = Date.UTC(2026, 0, 1);

export function forwardDecayed(weight: number, atMs: number, halfLifeDays: number): number {
  return weight * 2 ** ((atMs - DECAY_EPOCH_MS) / (halfLifeDays * DAY_MS));
}

/** The same weight decayed backwards to `nowMs`: 1 for now, 0.5 one half-life ago. */
export function decayTo(weight: number, atMs: number, nowMs: number, halfLifeDays: number): number {
  return weight * 2 ** (-(nowMs - atMs) / (halfLifeDays * DAY_MS));
}

/**
 * Log-scale price bucket of a USD price: each band is 1.5 times the one
 * below (1 from $15, 10 at about $570), so "close in price" means the same
 * thing for a candle and for a rug.
 */
export function priceBand(basePriceCents: number): number {
  return Math.max(0, Math.floor(Math.log(Math.max(basePriceCents, 1) / 1_000) / Math.log(1.5)));
}

/** Affinity keys, one vocabulary for SQL and code: `category:<id>`, `brand:<name>`, `band:<n>`. */
export const AffinityKind = { category: 'category', brand: 'brand', band: 'band' } as const;
export type AffinityKind = (typeof AffinityKind)[keyof typeof AffinityKind];
export const affinityKey = (kind: AffinityKind, value: string | number) => `${kind}:${value}`;
export function parseAffinityKey(key: string): { kind: AffinityKind; value: string } | undefined {
  const at = key.indexOf(':');
  const kind = key.slice(0, at);
  if (at < 0 || !(kind in AffinityKind)) return undefined;
  return { kind: kind as AffinityKind, value: key.slice(at + 1) };
}

/** What the recommender needs to know of a product. */
export interface ItemInfo {
  id: string;
  categoryId: string;
  categoryName: string;
  brand: string;
  priceBand: number;
  /** Only needed for anchors, whose titles make reasons. */
  title?: string;
  /** Only needed for content similarity. */
  tags?: string[];
}
