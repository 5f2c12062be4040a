import { describe, expect, it } from 'vitest';
import type { StoredCandidate } from '../db/database.ts';
import { decodeCandidates, encodeCandidates } from './recommend.repository.ts';

describe('stored candidates', () => {
  const candidates: StoredCandidate[] = [
    { productId: 'p1', score: 0.91, reason: 'Bought together with Linen shirt', categoryId: 'cat_shirts' },
    { productId: 'p2', score: 0.5, reason: 'Trending in {region}', categoryId: 'cat_rugs' },
    { productId: 'p3', score: 0.4, reason: 'Bought together with Linen shirt', categoryId: 'cat_shirts' },
    { productId: 'p4', score: 0.0714, reason: 'Trending in {region}', categoryId: 'cat_shirts' },
  ];

  it('keep every candidate, in rank order, through a JSON round trip', () => {
    expect(decodeCandidates(JSON.parse(JSON.stringify(encodeCandidates(candidates))))).toEqual(candidates);
    expect(decodeCandidates(encodeCandidates([]))).toEqual([]);
  });

  it('write each category and reason once', () => {
    const doc = encodeCandidates(candidates);
    expect(doc.categories).toEqual(['cat_shirts', 'cat_rugs']);
    expect(doc.reasons).toEqual(['Bought together with Linen shirt', 'Trending in {region}']);
    expect(doc.reasonOf).toEqual([0, 1, 0, 1]);
  });
});
