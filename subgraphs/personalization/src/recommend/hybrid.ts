import type { InteractionType, StoredCandidate, StoredRecommendation } from '../db/database.ts';
import { BLEND, blendUser, categoryCap, dominantSource, neighborScore, priceFactor, type BlendConfig, type UserParts } from './blend.ts';
import { AffinityKind, affinityKey, decayTo, parseAffinityKey, type ItemInfo } from './features.ts';

/**
 * The hybrid recommender, as pure functions over signals that the service
 * reads from its tables and the evaluation builds in memory:
 *
 *   shopper  ─ history ─▶ anchors ─ item neighbours (collaborative + content) ─┐
 *            ─ affinities (category, brand, price band) ─ popular per key ────┼─▶ blend ─▶ candidates
 *            ─ trending pool ──────────────────────────────────────────────────┘
 *   candidates ─ stock in region, exclusions, category diversity ─▶ served list
 *
 * Candidates are region-independent, so a stock change re-derives a regional
 * list from them without recomputing the shopper.
 */

/** Placeholder in a candidate's reason, filled with the region when a list is served. */
export const REGION_TOKEN = '{region}';
const DAY_MS = 86_400_000;

export interface HistoryItem {
  productId: string;
  type: InteractionType;
  /** epoch ms */
  at: number;
}

export interface NeighborEdge {
  id: string;
  collaborative: number;
  content: number;
}

export interface Scored {
  id: string;
  score: number;
}

export interface UserSignals {
  /** The shopper's recent interactions (any order). */
  history: HistoryItem[];
  /** Affinity key (features.ts) -> raw score, any scale. */
  affinity: Map<string, number>;
  /** Anchor product -> its neighbours. */
  neighbors: Map<string, NeighborEdge[]>;
  /** Affinity key of a favourite category or brand -> its products by popularity, highest first. */
  popularByKey: Map<string, Scored[]>;
  /** The most popular products, highest first. */
  trending: Scored[];
  /** Every anchor and candidate. */
  items: Map<string, ItemInfo>;
  now: number;
}

export type Candidate = StoredCandidate;

export interface Profile {
  /** Heaviest first: the items whose neighbours become candidates. */
  anchors: { id: string; weight: number }[];
  seen: Set<string>;
  purchasedRecently: Set<string>;
}

/** Summarises a history: item weights by type and recency, what was seen, what was bought lately. */
export function profileOf(history: HistoryItem[], now: number, config: BlendConfig = BLEND): Profile {
  const weights = new Map<string, number>();
  const seen = new Set<string>();
  const purchasedRecently = new Set<string>();
  for (const h of history) {
    weights.set(h.productId, (weights.get(h.productId) ?? 0) + decayTo(config.interaction[h.type], h.at, now, config.halfLifeDays.profile));
    seen.add(h.productId);
    if (h.type === 'PURCHASE' && now - h.at <= config.excludePurchasedDays * DAY_MS) purchasedRecently.add(h.productId);
  }
  const anchors = [...weights]
    .map(([id, weight]) => ({ id, weight }))
    .sort((a, b) => b.weight - a.weight || (a.id < b.id ? -1 : 1))
    .slice(0, config.limits.anchors);
  return { anchors, seen, purchasedRecently };
}

/** Affinities scaled to 0..1 within each kind (the shopper's favourite category is 1). */
export function normaliseAffinity(affinity: Map<string, number>): Map<string, number> {
  const max = new Map<string, number>();
  for (const [key, score] of affinity) {
    const kind = parseAffinityKey(key)?.kind;
    if (kind) max.set(kind, Math.max(max.get(kind) ?? 0, score));
  }
  const out = new Map<string, number>();
  for (const [key, score] of affinity) {
    const top = max.get(parseAffinityKey(key)?.kind ?? '') ?? 0;
    if (top > 0 && score > 0) out.set(key, score / top);
  }
  return out;
}

/** The shopper's `n` strongest keys of one kind, strongest first. */
export function topKeys(affinity: Map<string, number>, kind: AffinityKind, n: number): string[] {
  return [...affinity]
    .filter(([key]) => key.startsWith(`${kind}:`))
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, n)
    .map(([key]) => key);
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

/**
 * A shopper's ranked candidates (before stock and diversity): neighbours of
 * their heaviest recent items, products of their favourite categories and
 * brands, and the trending pool, each source scaled to 0..1 and blended
 * (blend.ts), then lifted towards their favourite price bands. Products seen
 * before keep `seenPenalty` of their score; those bought recently are left out.
 * With no history the trending pool alone remains: the fallback.
 */
export function userCandidates(s: UserSignals, config: BlendConfig = BLEND): Candidate[] {
  const profile = profileOf(s.history, s.now, config);
  const affinity = normaliseAffinity(s.affinity);

  // Item to item: each anchor passes its (relative) weight times similarity to its neighbours.
  const itemToItem = new Map<string, number>();
  const because = new Map<string, { anchor: string; collaborative: boolean; contribution: number }>();
  const heaviest = profile.anchors[0]?.weight ?? 0;
  for (const anchor of profile.anchors) {
    const wa = anchor.weight / heaviest;
    for (const edge of s.neighbors.get(anchor.id) ?? []) {
      const contribution = wa * neighborScore(edge, config.neighbor);
      itemToItem.set(edge.id, (itemToItem.get(edge.id) ?? 0) + contribution);
      const best = because.get(edge.id);
      if (!best || contribution > best.contribution) {
        because.set(edge.id, { anchor: anchor.id, collaborative: config.neighbor.collaborative * edge.collaborative >= config.neighbor.content * edge.content, contribution });
      }
    }
  }

  // Popular products of the favourite categories and brands join the candidates.
  const popularity = new Map<string, number>();
  const favourites = [...topKeys(affinity, AffinityKind.category, config.limits.affinityKeys), ...topKeys(affinity, AffinityKind.brand, config.limits.affinityKeys)];
  const candidates = new Set<string>([...itemToItem.keys()]);
  for (const key of favourites) {
    const list = s.popularByKey.get(key) ?? [];
    const top = list.reduce((m, x) => Math.max(m, x.score), 0);
    for (const p of list) {
      candidates.add(p.id);
      popularity.set(p.id, Math.max(popularity.get(p.id) ?? 0, top > 0 ? p.score / top : 0));
    }
  }
  const trendTop = s.trending.reduce((m, x) => Math.max(m, x.score), 0);
  const trending = new Map<string, number>();
  for (const t of s.trending) {
    candidates.add(t.id);
    trending.set(t.id, trendTop > 0 ? t.score / trendTop : 0);
  }

  // Affinity applies to every candidate through its category and brand; popularity ranks within them.
  const byKind = { category: new Map<string, number>(), brand: new Map<string, number>(), band: new Map<string, number>() };
  for (const [key, score] of affinity) {
    const parsed = parseAffinityKey(key);
    if (parsed) byKind[parsed.kind].set(parsed.value, score);
  }
  const itemTop = Math.max(0, ...itemToItem.values());
  const scored: { id: string; item: ItemInfo; score: number; parts: UserParts; viaBrand: boolean }[] = [];
  const affinityRaw: number[] = [];
  let affinityTop = 0;
  for (const id of candidates) {
    const item = s.items.get(id);
    if (!item || profile.purchasedRecently.has(id)) continue;
    const cat = byKind.category.get(item.categoryId) ?? 0;
    const brand = byKind.brand.get(item.brand) ?? 0;
    const pop = Math.max(popularity.get(id) ?? 0, trending.get(id) ?? 0);
    const raw = cat + brand > 0 ? ((cat + brand) / 2) * (0.5 + 0.5 * pop) : 0;
    affinityTop = Math.max(affinityTop, raw);
    affinityRaw.push(raw);
    scored.push({ id, item, score: 0, parts: { itemToItem: itemTop > 0 ? (itemToItem.get(id) ?? 0) / itemTop : 0, affinity: 0, trending: trending.get(id) ?? 0 }, viaBrand: brand > cat });
  }
  scored.forEach((c, i) => {
    c.parts.affinity = affinityTop > 0 ? affinityRaw[i]! / affinityTop : 0;
    c.score = blendUser(c.parts, config.user) * priceFactor(byKind.band.get(String(c.item.priceBand)) ?? 0, config.priceBoost);
    if (profile.seen.has(c.id)) c.score *= config.seenPenalty;
  });
  scored.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
  const out: Candidate[] = [];
  for (const c of scored) {
    if (out.length >= config.limits.candidates || c.score <= 0) break;
    out.push({ productId: c.id, score: round(c.score), reason: userReason(dominantSource(c.parts, config.user), c, because, s.items), categoryId: c.item.categoryId });
  }
  return out;
}

function userReason(
  source: 'itemToItem' | 'affinity' | 'trending',
  c: { id: string; item: ItemInfo; viaBrand: boolean; parts: UserParts },
  because: Map<string, { anchor: string; collaborative: boolean }>,
  items: Map<string, ItemInfo>,
): string {
  if (source === 'itemToItem') {
    const why = because.get(c.id);
    const title = why && items.get(why.anchor)?.title;
    if (why && title) return why.collaborative ? `Bought together with ${title}` : `Similar to ${title}`;
  }
  if (source === 'affinity' || c.parts.affinity > 0) return c.viaBrand ? `Popular from ${c.item.brand}` : `Popular in ${c.item.categoryName}`;
  return `Trending in ${REGION_TOKEN}`;
}

/**
 * A product page's candidates: the product's neighbours (collaborative and
 * content, blended) and the trending pool as filler, which also keeps the
 * list diverse when all neighbours share the product's category.
 */
export function productCandidates(
  product: ItemInfo | undefined,
  productId: string,
  edges: NeighborEdge[],
  trending: Scored[],
  items: Map<string, ItemInfo>,
  config: BlendConfig = BLEND,
): Candidate[] {
  const neighbor = new Map<string, { s: number; collaborative: boolean }>();
  let top = 0;
  for (const e of edges) {
    const s = neighborScore(e, config.neighbor);
    top = Math.max(top, s);
    neighbor.set(e.id, { s, collaborative: config.neighbor.collaborative * e.collaborative >= config.neighbor.content * e.content });
  }
  const trendTop = trending.reduce((m, x) => Math.max(m, x.score), 0);
  const trend = new Map(trending.map((t) => [t.id, trendTop > 0 ? t.score / trendTop : 0]));
  const out: Candidate[] = [];
  for (const id of new Set([...neighbor.keys(), ...trend.keys()])) {
    const item = items.get(id);
    if (id === productId || !item) continue;
    const n = neighbor.get(id);
    const np = n && top > 0 ? n.s / top : 0;
    const tp = trend.get(id) ?? 0;
    const score = config.product.neighbors * np + config.product.trending * tp;
    if (score <= 0) continue;
    const reason =
      n && product && config.product.neighbors * np >= config.product.trending * tp
        ? n.collaborative
          ? `Bought together with ${product.title}`
          : `Similar to ${product.title}`
        : `Trending in ${REGION_TOKEN}`;
    out.push({ productId: id, score: round(score), reason, categoryId: item.categoryId });
  }
  return rank(out).slice(0, config.limits.candidates);
}

function rank(list: Candidate[]): Candidate[] {
  return list.sort((a, b) => b.score - a.score || (a.productId < b.productId ? -1 : 1));
}

export interface ServeOptions {
  region: string;
  /** @default BLEND.limits.served */
  limit?: number;
  /** False for products out of stock in the region (and unknown ones). */
  inStock: (productId: string) => boolean;
  exclude?: ReadonlySet<string>;
  config?: BlendConfig;
}

/**
 * A served list: in stock in the region, not excluded, in score order but
 * diverse, so that no prefix of it has more than `maxCategoryShare` of its
 * items (and at least one) from one category; only when the remaining
 * candidates cannot satisfy that does the best of them go next anyway.
 */
export function serveList(candidates: Candidate[], options: ServeOptions): StoredRecommendation[] {
  const config = options.config ?? BLEND;
  const limit = options.limit ?? config.limits.served;
  const pool = candidates.filter((c) => options.inStock(c.productId) && !options.exclude?.has(c.productId));
  // Each category's items in pool (score) order, so a step compares one head per category rather than
  // scanning past capped items: a stock crossing re-derives hundreds of lists at once.
  const categoryIndex = new Map<string, number>();
  const queues: number[][] = [];
  pool.forEach((c, i) => {
    let k = categoryIndex.get(c.categoryId);
    if (k === undefined) categoryIndex.set(c.categoryId, (k = queues.push([]) - 1));
    queues[k]!.push(i);
  });
  const heads = new Array<number>(queues.length).fill(0);
  const counts = new Array<number>(queues.length).fill(0);
  const out: StoredRecommendation[] = [];
  while (out.length < limit) {
    const cap = categoryCap(out.length + 1, config.maxCategoryShare);
    // The best item under its category's cap, else the best item left.
    let under = -1;
    let over = -1;
    let underAt = Infinity;
    let overAt = Infinity;
    for (let k = 0; k < queues.length; k++) {
      const at = queues[k]![heads[k]!];
      if (at === undefined) continue;
      if (counts[k]! < cap) {
        if (at < underAt) {
          under = k;
          underAt = at;
        }
      } else if (at < overAt) {
        over = k;
        overAt = at;
      }
    }
    const k = under >= 0 ? under : over;
    if (k < 0) break;
    const c = pool[queues[k]![heads[k]!++]!]!;
    counts[k]!++;
    out.push(servedItem(c, options.region));
  }
  return out;
}

/** A candidate as a served item in `region`. */
function servedItem(c: Candidate, region: string): StoredRecommendation {
  return { productId: c.productId, score: c.score, reason: c.reason.replace(REGION_TOKEN, region) };
}

/**
 * The items of a stored list (its product ids, in order) from the candidates
 * it was derived from (serveList's items, without repeating its choice);
 * an id that is no longer a candidate is left out.
 */
export function listItems(candidates: readonly Candidate[], productIds: readonly string[], region: string): StoredRecommendation[] {
  const byId = new Map(candidates.map((c) => [c.productId, c]));
  const out: StoredRecommendation[] = [];
  for (const id of productIds) {
    const c = byId.get(id);
    if (c) out.push(servedItem(c, region));
  }
  return out;
}

/**
 * A shopper's affinities computed from a history in one pass: the same sums
 * the service keeps up to date one interaction at a time (interaction.repository.ts).
 */
export function affinityOf(history: HistoryItem[], items: Map<string, ItemInfo>, now: number, config: BlendConfig = BLEND): Map<string, number> {
  const out = new Map<string, number>();
  for (const h of history) {
    const item = items.get(h.productId);
    if (!item) continue;
    const w = decayTo(config.interaction[h.type], h.at, now, config.halfLifeDays.profile);
    for (const key of affinityKeysOf(item)) out.set(key, (out.get(key) ?? 0) + w);
  }
  return out;
}

/** The affinity keys an interaction with `item` adds to. */
export function affinityKeysOf(item: Pick<ItemInfo, 'categoryId' | 'brand' | 'priceBand'>): string[] {
  return [affinityKey(AffinityKind.category, item.categoryId), affinityKey(AffinityKind.brand, item.brand), affinityKey(AffinityKind.band, item.priceBand)];
}
