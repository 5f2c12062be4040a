import { describe, expect, it } from 'vitest';
import { BLEND, blendUser, categoryCap, dominantSource, neighborScore, priceFactor } from './blend.ts';

describe('blend weights', () => {
  it('mix each source by its weight, so a candidate strong in every source scores the sum of the weights', () => {
    expect(blendUser({ itemToItem: 1, affinity: 1, trending: 1 })).toBeCloseTo(BLEND.user.itemToItem + BLEND.user.affinity + BLEND.user.trending);
    expect(blendUser({ itemToItem: 0, affinity: 0, trending: 0 })).toBe(0);
    expect(blendUser({ itemToItem: 0.5, affinity: 0, trending: 0 }, { itemToItem: 0.6, affinity: 0.3, trending: 0.1 })).toBeCloseTo(0.3);
    expect(blendUser({ itemToItem: 0.2, affinity: 1, trending: 0.5 }, { itemToItem: 0.5, affinity: 0.4, trending: 0.1 })).toBeCloseTo(0.1 + 0.4 + 0.05);
  });

  it('sum to 1 per group, so blended scores stay in 0..1', () => {
    expect(BLEND.user.itemToItem + BLEND.user.affinity + BLEND.user.trending).toBeCloseTo(1);
    expect(BLEND.neighbor.collaborative + BLEND.neighbor.content).toBeCloseTo(1);
    expect(BLEND.product.neighbors + BLEND.product.trending).toBeCloseTo(1);
  });

  it('blend the two item-to-item similarities', () => {
    expect(neighborScore({ collaborative: 1, content: 0 }, { collaborative: 0.7, content: 0.3 })).toBeCloseTo(0.7);
    expect(neighborScore({ collaborative: 0.5, content: 1 }, { collaborative: 0.7, content: 0.3 })).toBeCloseTo(0.65);
  });

  it('name the source that contributes most, as weighted', () => {
    const w = { itemToItem: 0.5, affinity: 0.4, trending: 0.1 };
    expect(dominantSource({ itemToItem: 0.3, affinity: 0.2, trending: 1 }, w)).toBe('itemToItem');
    expect(dominantSource({ itemToItem: 0.1, affinity: 0.9, trending: 1 }, w)).toBe('affinity');
    expect(dominantSource({ itemToItem: 0, affinity: 0, trending: 1 }, w)).toBe('trending');
    // Ties go to the more personal source.
    expect(dominantSource({ itemToItem: 0.4, affinity: 0.5, trending: 0 }, w)).toBe('itemToItem');
  });

  it('lift favourite price bands without leaving 0..1', () => {
    expect(priceFactor(1, 0.5)).toBe(1);
    expect(priceFactor(0, 0.5)).toBeCloseTo(1 / 1.5);
    expect(priceFactor(0.5, 0)).toBe(1);
  });

  it('allow at most half of any list prefix from one category, and at least one', () => {
    expect([1, 2, 3, 4, 8, 12].map((n) => categoryCap(n, 0.5))).toEqual([1, 1, 1, 2, 4, 6]);
    expect(categoryCap(10, 1)).toBe(10);
  });
});
