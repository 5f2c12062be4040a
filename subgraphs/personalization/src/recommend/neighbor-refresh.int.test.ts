import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestPersonalization, type TestPersonalization } from '../testing/database.ts';
import { trackEvent } from '../interaction/interaction.service.ts';
import { refreshCollaborativeNeighbors } from './neighbor-refresh.ts';

let t: TestPersonalization;

beforeAll(async () => {
  t = await startTestPersonalization({ serverUrl: inject('pgServerUrl'), redisUrl: inject('redisUrl'), name: 'neighbors', products: 200, shoppers: 150 });
});

afterAll(async () => {
  await t?.close();
});

const collaborative = (productId: string) =>
  t.db.selectFrom('item_neighbor').select(['neighbor_id', 'score']).where('product_id', '=', productId).where('kind', '=', 'collaborative').orderBy('score', 'desc').execute();

describe('collaborative neighbour refresh', () => {
  it('has nothing to do right after the seed, which computed them', async () => {
    expect(await refreshCollaborativeNeighbors(t.db)).toEqual({ refreshed: false, rows: 0 });
    expect((await collaborative('prod_000001')).length).toBeGreaterThan(0);
  });

  it('learns new co-occurrences from interactions since the last run', async () => {
    // Two products that nobody has seen together become each other's strongest neighbour.
    const [a, b] = ['prod_000198', 'prod_000199'];
    for (let i = 0; i < 12; i++) {
      await trackEvent(t.recommender, `pair_${i}`, { type: 'ADD_TO_CART', productId: a });
      await trackEvent(t.recommender, `pair_${i}`, { type: 'ADD_TO_CART', productId: b });
    }
    const result = await refreshCollaborativeNeighbors(t.db);
    expect(result.refreshed).toBe(true);
    expect(result.rows).toBeGreaterThan(0);
    expect((await collaborative(a))[0]!.neighbor_id).toBe(b);
    expect((await collaborative(b))[0]!.neighbor_id).toBe(a);
    // Content neighbours are left alone.
    expect(await t.db.selectFrom('item_neighbor').select('neighbor_id').where('product_id', '=', a).where('kind', '=', 'content').execute()).not.toEqual([]);
    expect(await refreshCollaborativeNeighbors(t.db)).toEqual({ refreshed: false, rows: 0 });
  });

  it('runs on one replica at a time', async () => {
    const results = await Promise.all([refreshCollaborativeNeighbors(t.db, { force: true }), refreshCollaborativeNeighbors(t.db, { force: true })]);
    expect(results.filter((r) => r.refreshed)).toHaveLength(1);
  });
});
