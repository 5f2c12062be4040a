import { describe, expect, it } from 'vitest';
import { hitRateAt, ndcgAt, summarise } from './metrics.ts';

const set = (...ids: string[]) => new Set(ids);

describe('HitRate@k', () => {
  it('is 1 when any relevant item is in the first k, else 0', () => {
    expect(hitRateAt(3, ['a', 'b', 'c', 'd'], set('c'))).toBe(1);
    expect(hitRateAt(3, ['a', 'b', 'c', 'd'], set('d'))).toBe(0);
    expect(hitRateAt(10, [], set('a'))).toBe(0);
    expect(hitRateAt(10, ['a'], set())).toBe(0);
  });
});

describe('NDCG@k', () => {
  it('is 1 for a perfect list and 0 without a hit', () => {
    expect(ndcgAt(10, ['a', 'b', 'x'], set('a', 'b'))).toBeCloseTo(1);
    expect(ndcgAt(10, ['x', 'y'], set('a'))).toBe(0);
    expect(ndcgAt(10, ['x'], set())).toBe(0);
  });

  it('discounts a hit by log2 of its rank plus one', () => {
    // One relevant item found at rank 2: (1 / log2 3) / (1 / log2 2).
    expect(ndcgAt(10, ['x', 'a'], set('a'))).toBeCloseTo(1 / Math.log2(3));
    // Two relevant, one found at rank 3: (1 / log2 4) / (1 + 1 / log2 3).
    expect(ndcgAt(10, ['x', 'y', 'a'], set('a', 'b'))).toBeCloseTo(0.5 / (1 + 1 / Math.log2(3)));
  });

  it('counts only the first k and caps the ideal at k items', () => {
    expect(ndcgAt(2, ['x', 'y', 'a'], set('a'))).toBe(0);
    // Five relevant but k = 2: the ideal is two hits, so two hits are perfect.
    expect(ndcgAt(2, ['a', 'b'], set('a', 'b', 'c', 'd', 'e'))).toBeCloseTo(1);
  });
});

describe('summarise', () => {
  it('averages over users', () => {
    const m = summarise(2, [
      { recommended: ['a', 'b'], relevant: set('a') },
      { recommended: ['x', 'y'], relevant: set('a') },
    ]);
    expect(m).toEqual({ users: 2, hitRate: 0.5, ndcg: 0.5 });
  });
});
