/**
 * `pnpm evaluate`: offline evaluation of the hybrid recommender against
 * popularity and random, on the seeded shoppers (packages/seed/src/shoppers.ts),
 * in memory. Each shopper's interactions are split by time; the models train
 * on every shopper's past only and are scored on the held-out future.
 *
 *   pnpm evaluate [--products 2000] [--shoppers 2000] [--k 10]
 */
import { parseArgs } from 'node:util';
import { DEFAULT_PRODUCT_COUNT, DEFAULT_SHOPPER_COUNT } from '@shop/seed';
import { BLEND, type BlendConfig } from '../recommend/blend.ts';
import { summarise, type MetricSummary } from './metrics.ts';
import { buildDataset, hybridRecommender, popularityRecommender, randomRecommender, trainModel, type Recommender } from './offline.ts';

/** A fixed "now", so that every run evaluates the same histories. */
const EVALUATION_NOW = Date.UTC(2026, 10, 1);
const TRAIN_SHARE = 0.8;

const { values } = parseArgs({ options: { products: { type: 'string' }, shoppers: { type: 'string' }, k: { type: 'string', default: '10' } } });
const productsCount = Number(values.products ?? DEFAULT_PRODUCT_COUNT);
const shoppers = Number(values.shoppers ?? DEFAULT_SHOPPER_COUNT);
const k = Number(values.k);

const started = performance.now();
const data = buildDataset({ products: productsCount, shoppers, now: EVALUATION_NOW, trainShare: TRAIN_SHARE });
const model = trainModel(data.catalogue, data.train, EVALUATION_NOW);
const trainedMs = performance.now() - started;

function run(recommend: Recommender): MetricSummary {
  return summarise(
    k,
    data.splits.map((s) => ({ recommended: recommend(s.train, new Set(s.train.map((h) => h.productId)), s.at, s.userId), relevant: s.relevant })),
  );
}

/** BLEND with some parts changed: the ablations below, each one idea removed. */
const variant = (patch: (c: { -readonly [K in keyof BlendConfig]: BlendConfig[K] }) => void): BlendConfig => {
  const copy = structuredClone(BLEND) as { -readonly [K in keyof BlendConfig]: BlendConfig[K] };
  patch(copy);
  return copy;
};

const rows: [string, MetricSummary][] = [
  ['**hybrid** (blend.ts as served)', run(hybridRecommender(model, k))],
  ['popularity', run(popularityRecommender(model, k))],
  ['random', run(randomRecommender(model, k))],
];
const ablations: [string, MetricSummary][] = [
  ['item-to-item only (collaborative + content neighbours)', run(hybridRecommender(model, k, variant((c) => (c.user = { itemToItem: 1, affinity: 0, trending: 0 }))))],
  ['affinity only (favourite categories and brands)', run(hybridRecommender(model, k, variant((c) => (c.user = { itemToItem: 0, affinity: 1, trending: 0 }))))],
  ['hybrid, content neighbours only', run(hybridRecommender(model, k, variant((c) => (c.neighbor = { collaborative: 0, content: 1 }))))],
  ['hybrid, no price-band lift', run(hybridRecommender(model, k, variant((c) => (c.priceBoost = 0))))],
  ['hybrid, no category diversity', run(hybridRecommender(model, k, variant((c) => (c.maxCategoryShare = 1))))],
];
const [hybrid, popularity] = [rows[0]![1], rows[1]![1]];
const fmt = (x: number) => x.toFixed(4);

console.log(`Offline evaluation: ${productsCount} products, ${shoppers} shoppers (${data.splits.length} with a held-out future), ${data.train.length} training interactions.`);
console.log(`Split: each shopper's first ${TRAIN_SHARE * 100}% of interactions by time train; the held-out products they had not touched before are the targets.\n`);
console.log(`| recommender | HitRate@${k} | NDCG@${k} |`);
console.log('|---|---:|---:|');
for (const [name, m] of rows) console.log(`| ${name} | ${fmt(m.hitRate)} | ${fmt(m.ndcg)} |`);
console.log(`\nHybrid vs popularity: HitRate@${k} ×${(hybrid.hitRate / popularity.hitRate).toFixed(2)}, NDCG@${k} ×${(hybrid.ndcg / popularity.ndcg).toFixed(2)}.`);
console.log(`\nAblations (the hybrid with one idea taken out or changed):\n`);
console.log(`| variant | HitRate@${k} | NDCG@${k} |`);
console.log('|---|---:|---:|');
for (const [name, m] of ablations) console.log(`| ${name} | ${fmt(m.hitRate)} | ${fmt(m.ndcg)} |`);
console.log(`\n(${Math.round(trainedMs)} ms to generate and train, ${Math.round(performance.now() - started)} ms in all)`);
if (!(hybrid.hitRate > popularity.hitRate && hybrid.ndcg > popularity.ndcg)) {
  console.error('\nThe hybrid does not beat popularity.');
  process.exitCode = 1;
}
