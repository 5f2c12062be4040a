/**
 * Offline ranking metrics with binary relevance: `recommended` is a ranked
 * list, `relevant` what the shopper actually interacted with afterwards.
 */

/** 1 when some relevant item is among the first `k` recommended, else 0. */
export function hitRateAt(k: number, recommended: readonly string[], relevant: ReadonlySet<string>): number {
  return recommended.slice(0, k).some((id) => relevant.has(id)) ? 1 : 0;
}

/**
 * Normalised discounted cumulative gain at `k`: each hit at rank r (1-based)
 * gains 1 / log2(r + 1); divided by the gain of an ideal list (every relevant
 * item first), so it is 1 for a perfect list and 0 for no hit.
 */
export function ndcgAt(k: number, recommended: readonly string[], relevant: ReadonlySet<string>): number {
  if (relevant.size === 0) return 0;
  let dcg = 0;
  recommended.slice(0, k).forEach((id, i) => {
    if (relevant.has(id)) dcg += 1 / Math.log2(i + 2);
  });
  let ideal = 0;
  for (let i = 0; i < Math.min(k, relevant.size); i++) ideal += 1 / Math.log2(i + 2);
  return dcg / ideal;
}

export interface MetricSummary {
  users: number;
  hitRate: number;
  ndcg: number;
}

/** Mean HitRate@k and NDCG@k over users. */
export function summarise(k: number, lists: { recommended: readonly string[]; relevant: ReadonlySet<string> }[]): MetricSummary {
  let hit = 0;
  let ndcg = 0;
  for (const l of lists) {
    hit += hitRateAt(k, l.recommended, l.relevant);
    ndcg += ndcgAt(k, l.recommended, l.relevant);
  }
  const n = lists.length || 1;
  return { users: lists.length, hitRate: hit / n, ndcg: ndcg / n };
}
