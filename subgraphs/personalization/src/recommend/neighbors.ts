import type { InteractionType, NeighborKind } from '../db/database.ts';
import { BLEND } from './blend.ts';
import { decayTo, type ItemInfo } from './features.ts';
import type { NeighborEdge } from './hybrid.ts';

/** One interaction as the neighbour computations read it (`at` in epoch ms). */
export interface InteractionLite {
  userId: string;
  productId: string;
  type: InteractionType;
  at: number;
}

export interface NeighborRow {
  productId: string;
  neighborId: string;
  kind: NeighborKind;
  /** 0..1 */
  score: number;
}

export interface CollaborativeOptions {
  /** @default BLEND.limits.neighbors.collaborative */
  k?: number;
  /** @default BLEND.halfLifeDays.collaborative */
  halfLifeDays?: number;
  /** A shopper's heaviest items that take part (bounds the pairs per shopper). @default 60 */
  maxItemsPerUser?: number;
  /** Pairs seen together by few shoppers are damped by shoppers / (shoppers + shrinkage). @default 2 */
  shrinkage?: number;
}

/**
 * Item-to-item collaborative neighbours: each shopper is a vector of their
 * items, weighted by interaction type and recency; two items are similar by
 * the cosine of their shopper columns, damped when few shoppers share them.
 * Computed one item at a time with a dense accumulator (through the shoppers
 * of the item to their other items), so memory stays linear in the catalogue
 * and time in the sum of squared history lengths.
 */
export function* collaborativeNeighbors(interactions: Iterable<InteractionLite>, nowMs: number, options: CollaborativeOptions = {}): Generator<NeighborRow> {
  const k = options.k ?? BLEND.limits.neighbors.collaborative;
  const halfLife = options.halfLifeDays ?? BLEND.halfLifeDays.collaborative;
  const maxItems = options.maxItemsPerUser ?? 60;
  const shrinkage = options.shrinkage ?? 2;

  const index = new Map<string, number>();
  const ids: string[] = [];
  const intern = (id: string) => {
    let i = index.get(id);
    if (i === undefined) index.set(id, (i = ids.push(id) - 1));
    return i;
  };
  const byUser = new Map<string, Map<number, number>>();
  for (const x of interactions) {
    const item = intern(x.productId);
    let vec = byUser.get(x.userId);
    if (!vec) byUser.set(x.userId, (vec = new Map()));
    vec.set(item, (vec.get(item) ?? 0) + decayTo(BLEND.interaction[x.type], x.at, nowMs, halfLife));
  }
  const n = ids.length;
  const norm2 = new Float64Array(n);
  // Per item: the shoppers who touched it, as (user vector index, weight).
  const users: { items: Int32Array; weights: Float64Array }[] = [];
  const itemUsers: number[][] = Array.from({ length: n }, () => []);
  for (const vec of byUser.values()) {
    const entries = [...vec].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, maxItems);
    const u = users.push({ items: Int32Array.from(entries.map((e) => e[0])), weights: Float64Array.from(entries.map((e) => e[1])) }) - 1;
    for (const [item, w] of entries) {
      norm2[item] = norm2[item]! + w * w;
      itemUsers[item]!.push(u);
    }
  }
  const dot = new Float64Array(n);
  const count = new Int32Array(n);
  const touched: number[] = [];
  for (let a = 0; a < n; a++) {
    for (const u of itemUsers[a]!) {
      const { items, weights } = users[u]!;
      let wa = 0;
      for (let j = 0; j < items.length; j++) if (items[j] === a) wa = weights[j]!;
      for (let j = 0; j < items.length; j++) {
        const b = items[j]!;
        if (b === a) continue;
        if (count[b] === 0) touched.push(b);
        dot[b] = dot[b]! + wa * weights[j]!;
        count[b] = count[b]! + 1;
      }
    }
    const scored: { b: number; s: number }[] = [];
    for (const b of touched) {
      const cosine = dot[b]! / Math.sqrt(norm2[a]! * norm2[b]!);
      scored.push({ b, s: Math.min(1, cosine) * (count[b]! / (count[b]! + shrinkage)) });
      dot[b] = 0;
      count[b] = 0;
    }
    touched.length = 0;
    scored.sort((x, y) => y.s - x.s || ids[x.b]!.localeCompare(ids[y.b]!));
    for (const { b, s } of scored.slice(0, k)) yield { productId: ids[a]!, neighborId: ids[b]!, kind: 'collaborative', score: s };
  }
}

/**
 * Content similarity of two products of the same category (0 otherwise):
 * a same-category base, the same brand, shared tags (Jaccard) and closeness
 * in price band, scaled to 0..1.
 */
export function contentSimilarity(a: ItemInfo, b: ItemInfo): number {
  if (a.categoryId !== b.categoryId) return 0;
  const ta = a.tags ?? [];
  const tb = b.tags ?? [];
  let shared = 0;
  for (const t of ta) if (tb.includes(t)) shared++;
  const union = ta.length + tb.length - shared;
  const jaccard = union ? shared / union : 0;
  const price = Math.max(0, 1 - Math.abs(a.priceBand - b.priceBand) / 3);
  return 0.3 + 0.25 * (a.brand === b.brand ? 1 : 0) + 0.25 * jaccard + 0.2 * price;
}

/**
 * Top-k content neighbours of every product. Categories up to `fullScan`
 * products compare every pair; larger ones (100,000-product catalogues) compare
 * each product with the `window` nearest in price within its category and
 * within its brand, which is where the best matches are. Yields rows product
 * by product, so a caller can write them out in chunks.
 */
export function* contentNeighbors(items: ItemInfo[], options: { k?: number; fullScan?: number; window?: number } = {}): Generator<NeighborRow> {
  const k = options.k ?? BLEND.limits.neighbors.content;
  const fullScan = options.fullScan ?? 400;
  const window = options.window ?? 40;
  const byCategory = new Map<string, ItemInfo[]>();
  for (const item of items) {
    const list = byCategory.get(item.categoryId) ?? [];
    list.push(item);
    byCategory.set(item.categoryId, list);
  }
  const byPrice = (x: ItemInfo, y: ItemInfo) => x.priceBand - y.priceBand || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);
  const top = (a: ItemInfo, candidates: Iterable<ItemInfo>): NeighborRow[] => {
    const scored: { b: ItemInfo; s: number }[] = [];
    for (const b of candidates) if (b.id !== a.id) scored.push({ b, s: contentSimilarity(a, b) });
    scored.sort((x, y) => y.s - x.s || (x.b.id < y.b.id ? -1 : 1));
    return scored.slice(0, k).map(({ b, s }) => ({ productId: a.id, neighborId: b.id, kind: 'content', score: s }));
  };
  for (const group of byCategory.values()) {
    if (group.length <= fullScan) {
      for (const a of group) yield* top(a, group);
      continue;
    }
    const sorted = [...group].sort(byPrice);
    const position = new Map(sorted.map((item, i) => [item.id, i]));
    const byBrand = new Map<string, ItemInfo[]>();
    for (const item of sorted) {
      const list = byBrand.get(item.brand) ?? [];
      list.push(item);
      byBrand.set(item.brand, list);
    }
    const brandPosition = new Map<string, number>();
    for (const list of byBrand.values()) list.forEach((item, i) => brandPosition.set(item.id, i));
    for (const a of sorted) {
      const candidates = new Set<ItemInfo>();
      const i = position.get(a.id)!;
      for (let j = Math.max(0, i - window); j <= Math.min(sorted.length - 1, i + window); j++) candidates.add(sorted[j]!);
      const brandList = byBrand.get(a.brand)!;
      const bi = brandPosition.get(a.id)!;
      for (let j = Math.max(0, bi - window); j <= Math.min(brandList.length - 1, bi + window); j++) candidates.add(brandList[j]!);
      yield* top(a, candidates);
    }
  }
}

/** Neighbour rows of both kinds merged into one edge per (product, neighbour). */
export function mergeNeighborRows(rows: Iterable<NeighborRow>): Map<string, NeighborEdge[]> {
  const byProduct = new Map<string, Map<string, NeighborEdge>>();
  for (const r of rows) {
    let edges = byProduct.get(r.productId);
    if (!edges) byProduct.set(r.productId, (edges = new Map()));
    let edge = edges.get(r.neighborId);
    if (!edge) edges.set(r.neighborId, (edge = { id: r.neighborId, collaborative: 0, content: 0 }));
    edge[r.kind] = r.score;
  }
  return new Map([...byProduct].map(([id, edges]) => [id, [...edges.values()]]));
}
