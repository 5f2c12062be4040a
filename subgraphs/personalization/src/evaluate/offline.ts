import { Rng, products, shopperCatalogue, shoppersWithInteractions } from '@shop/seed';
import { BLEND, type BlendConfig } from '../recommend/blend.ts';
import { AffinityKind, affinityKey, forwardDecayed, type ItemInfo } from '../recommend/features.ts';
import { affinityOf, serveList, userCandidates, type HistoryItem, type NeighborEdge, type Scored } from '../recommend/hybrid.ts';
import { collaborativeNeighbors, contentNeighbors, mergeNeighborRows, type InteractionLite } from '../recommend/neighbors.ts';
import { itemInfoOf, seedCategoryNames } from '../recommend/seed-items.ts';

/** The state the service precomputes (neighbours, popularity), built in memory from training interactions. */
export interface OfflineModel {
  items: Map<string, ItemInfo>;
  neighbors: Map<string, NeighborEdge[]>;
  /** Every product with any popularity, highest first. */
  trending: Scored[];
  popularByKey: Map<string, Scored[]>;
}

export function trainModel(catalogue: ItemInfo[], train: InteractionLite[], now: number, config: BlendConfig = BLEND): OfflineModel {
  const items = new Map(catalogue.map((i) => [i.id, i]));
  const rows = [...collaborativeNeighbors(train, now), ...contentNeighbors(catalogue)];
  const popularity = new Map<string, number>();
  for (const x of train) popularity.set(x.productId, (popularity.get(x.productId) ?? 0) + forwardDecayed(config.interaction[x.type], x.at, config.halfLifeDays.trending));
  const ranked = [...popularity].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
  const popularByKey = new Map<string, Scored[]>();
  for (const p of ranked) {
    const item = items.get(p.id);
    if (!item) continue;
    for (const key of [affinityKey(AffinityKind.category, item.categoryId), affinityKey(AffinityKind.brand, item.brand)]) {
      const list = popularByKey.get(key) ?? [];
      if (list.length < config.limits.popularPerKey) list.push(p);
      popularByKey.set(key, list);
    }
  }
  return { items, neighbors: mergeNeighborRows(rows), trending: ranked, popularByKey };
}

export type Recommender = (history: HistoryItem[], seen: ReadonlySet<string>, now: number, userId: string) => string[];

export function hybridRecommender(model: OfflineModel, k: number, config: BlendConfig = BLEND): Recommender {
  return (history, seen, now) => {
    const candidates = userCandidates(
      { history, affinity: affinityOf(history, model.items, now, config), neighbors: model.neighbors, popularByKey: model.popularByKey, trending: model.trending.slice(0, config.limits.trendingPool), items: model.items, now },
      config,
    );
    return serveList(candidates, { region: 'US', limit: k, inStock: () => true, exclude: seen, config }).map((r) => r.productId);
  };
}

export function popularityRecommender(model: OfflineModel, k: number): Recommender {
  return (_history, seen) => {
    const out: string[] = [];
    for (const t of model.trending) {
      if (out.length >= k) break;
      if (!seen.has(t.id)) out.push(t.id);
    }
    return out;
  };
}

export function randomRecommender(model: OfflineModel, k: number): Recommender {
  const ids = [...model.items.keys()];
  return (_history, seen, _now, userId) => {
    const rng = new Rng(`evaluate:random:${userId}`);
    const out = new Set<string>();
    while (out.size < k && out.size < ids.length - seen.size) {
      const id = rng.pick(ids);
      if (!seen.has(id)) out.add(id);
    }
    return [...out];
  };
}

export interface Split {
  userId: string;
  train: HistoryItem[];
  /** When the shopper is recommended to: their first held-out interaction. */
  at: number;
  /** Held-out products they had not touched in training. */
  relevant: Set<string>;
}

export interface Dataset {
  catalogue: ItemInfo[];
  train: InteractionLite[];
  splits: Split[];
}

/**
 * The seeded shoppers' interactions, split per shopper by time: the first
 * `trainShare` of each history trains, the rest is the future to predict.
 */
export function buildDataset(options: { products: number; shoppers: number; now: number; trainShare: number }): Dataset {
  const names = seedCategoryNames();
  const seedProducts = [...products(options.products)];
  const catalogue = seedProducts.map((p) => itemInfoOf(p, names));
  const shopperCat = shopperCatalogue(seedProducts);
  const train: InteractionLite[] = [];
  const splits: Split[] = [];
  for (const { shopper, interactions } of shoppersWithInteractions(options.shoppers, shopperCat, options.now)) {
    const sorted = interactions.map((x) => ({ userId: x.userId, productId: x.productId, type: x.type, at: x.occurredAt.getTime() })).sort((a, b) => a.at - b.at);
    const cut = Math.floor(sorted.length * options.trainShare);
    const past = sorted.slice(0, cut);
    const future = sorted.slice(cut);
    train.push(...past);
    const seen = new Set(past.map((x) => x.productId));
    const relevant = new Set(future.map((x) => x.productId).filter((id) => !seen.has(id)));
    if (past.length && relevant.size) splits.push({ userId: shopper.id, train: past.map((x) => ({ productId: x.productId, type: x.type, at: x.at })), at: future[0]!.at, relevant });
  }
  return { catalogue, train, splits };
}
