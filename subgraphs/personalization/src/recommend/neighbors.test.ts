import { describe, expect, it } from 'vitest';
import { collaborativeNeighbors, contentNeighbors, contentSimilarity, mergeNeighborRows } from './neighbors.ts';
import type { ItemInfo } from './features.ts';

const NOW = Date.UTC(2026, 10, 1);

describe('collaborative neighbours', () => {
  it('are the cosine of co-interactions, damped when few shoppers share them', () => {
    const at = NOW;
    const rows = [
      ...['u1', 'u2', 'u3'].flatMap((u) => [
        { userId: u, productId: 'a', type: 'VIEW' as const, at },
        { userId: u, productId: 'b', type: 'VIEW' as const, at },
      ]),
      { userId: 'u4', productId: 'a', type: 'VIEW' as const, at },
      { userId: 'u4', productId: 'c', type: 'VIEW' as const, at },
    ];
    const out = [...collaborativeNeighbors(rows, NOW, { shrinkage: 0 })];
    const score = (p: string, n: string) => out.find((r) => r.productId === p && r.neighborId === n)?.score;
    // a: 4 shoppers, b: 3 (all with a), c: 1 (with a).
    expect(score('a', 'b')).toBeCloseTo(3 / Math.sqrt(4 * 3));
    expect(score('a', 'c')).toBeCloseTo(1 / Math.sqrt(4 * 1));
    expect(score('b', 'c')).toBeUndefined();
    expect(out.filter((r) => r.productId === 'a').map((r) => r.neighborId)).toEqual(['b', 'c']);
    // Damping: 1 co-shopper counts 1 / (1 + 2) of its cosine.
    expect([...collaborativeNeighbors(rows, NOW)].find((r) => r.productId === 'c' && r.neighborId === 'a')!.score).toBeCloseTo(0.5 / 3);
  });
});

describe('content neighbours', () => {
  const base: ItemInfo = { id: 'a', categoryId: 'cat_x', categoryName: 'X', brand: 'B1', priceBand: 3, tags: ['x', 'wool', 'navy'] };
  it('only pair products of one category, closer with the same brand, tags and price', () => {
    expect(contentSimilarity(base, { ...base, id: 'b', categoryId: 'cat_y' })).toBe(0);
    const same = contentSimilarity(base, { ...base, id: 'b' });
    const otherBrand = contentSimilarity(base, { ...base, id: 'c', brand: 'B2' });
    const dearer = contentSimilarity(base, { ...base, id: 'd', priceBand: 6 });
    expect(same).toBeCloseTo(1);
    expect(otherBrand).toBeLessThan(same);
    expect(dearer).toBeLessThan(same);
  });

  it('keep the top k per product, most similar first', () => {
    const items = [base, { ...base, id: 'b' }, { ...base, id: 'c', brand: 'B2' }, { ...base, id: 'z', categoryId: 'cat_y' }];
    const rows = [...contentNeighbors(items, { k: 1 })];
    expect(rows.find((r) => r.productId === 'a')!.neighborId).toBe('b');
    expect(rows.some((r) => r.productId === 'z')).toBe(false);
  });

  it('merge with collaborative rows into one edge per pair', () => {
    const edges = mergeNeighborRows([
      { productId: 'a', neighborId: 'b', kind: 'collaborative', score: 0.4 },
      { productId: 'a', neighborId: 'b', kind: 'content', score: 0.9 },
      { productId: 'a', neighborId: 'c', kind: 'content', score: 0.5 },
    ]);
    expect(edges.get('a')).toEqual([
      { id: 'b', collaborative: 0.4, content: 0.9 },
      { id: 'c', collaborative: 0, content: 0.5 },
    ]);
  });
});
