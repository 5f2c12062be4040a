import { describe, expect, it } from 'vitest';
import { Rng } from '@shop/seed';
import { categoryCap } from './blend.ts';
import { BLEND } from './blend.ts';
import type { ItemInfo } from './features.ts';
import { listItems, productCandidates, profileOf, serveList, userCandidates, type Candidate, type UserSignals } from './hybrid.ts';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 1);

function item(id: string, categoryId: string, extra: Partial<ItemInfo> = {}): ItemInfo {
  return { id, categoryId, categoryName: categoryId.replace('cat_', '').toUpperCase(), brand: 'Brand', priceBand: 3, title: `Title ${id}`, ...extra };
}
const candidate = (productId: string, categoryId: string, score: number): Candidate => ({ productId, categoryId, score, reason: 'Trending in {region}' });

describe('serveList', () => {
  const ranked = [
    candidate('a1', 'A', 0.9),
    candidate('a2', 'A', 0.8),
    candidate('a3', 'A', 0.7),
    candidate('a4', 'A', 0.6),
    candidate('b1', 'B', 0.5),
    candidate('b2', 'B', 0.4),
    candidate('c1', 'C', 0.3),
    candidate('a5', 'A', 0.2),
  ];

  it('keeps every prefix at most half from one category, best first within that rule', () => {
    const list = serveList(ranked, { region: 'EU', inStock: () => true });
    expect(list.map((r) => r.productId)).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3', 'a4', 'a5']);
    // Prefixes of length 2 and 4: at most half each; later the remaining A items go last as they must.
    for (const n of [2, 4]) {
      const counts = new Map<string, number>();
      for (const r of list.slice(0, n)) counts.set(r.productId[0]!, (counts.get(r.productId[0]!) ?? 0) + 1);
      expect(Math.max(...counts.values())).toBeLessThanOrEqual(n / 2);
    }
  });

  it('leaves out what is out of stock and what is excluded, and fills in the region', () => {
    const list = serveList(ranked, { region: 'GB', inStock: (id) => id !== 'b1', exclude: new Set(['a1']), limit: 3 });
    expect(list.map((r) => r.productId)).toEqual(['a2', 'b2', 'c1']);
    expect(list[0]!.reason).toBe('Trending in GB');
  });

  /** Ranked candidates drawn from few categories, so the diversity rule and its fallback both come into play. */
  function randomPool(rng: Rng, size: number): Candidate[] {
    const categories = Array.from({ length: rng.int(1, 6) }, (_, i) => `cat_${i}`);
    return Array.from({ length: size }, (_, i) => candidate(`p${i}`, rng.pick(categories), 1 - i / size));
  }
  /** serveList's rule, written as plainly as possible: the best item under its category's cap, else the best item left. */
  function reference(pool: Candidate[], limit: number): string[] {
    const left = [...pool];
    const counts = new Map<string, number>();
    const out: string[] = [];
    while (out.length < limit && left.length) {
      const cap = categoryCap(out.length + 1);
      const i = Math.max(0, left.findIndex((c) => (counts.get(c.categoryId) ?? 0) < cap));
      const [c] = left.splice(i, 1);
      counts.set(c!.categoryId, (counts.get(c!.categoryId) ?? 0) + 1);
      out.push(c!.productId);
    }
    return out;
  }

  it('follows its rule exactly on random pools', () => {
    const rng = new Rng('serveList');
    for (let run = 0; run < 300; run++) {
      const pool = randomPool(rng, rng.int(0, 120));
      const limit = rng.int(1, 50);
      expect(serveList(pool, { region: 'EU', limit, inStock: () => true }).map((r) => r.productId)).toEqual(reference(pool, limit));
    }
  });

  // What a stock crossing relies on (recommend.repository.ts, findListsForCrossing): only the lists that show a product can change when it sells out.
  it('is unchanged by taking out a candidate it does not show', () => {
    const rng = new Rng('serveList-unshown');
    for (let run = 0; run < 300; run++) {
      const pool = randomPool(rng, rng.int(1, 120));
      const limit = rng.int(1, 50);
      const shown = new Set(serveList(pool, { region: 'EU', limit, inStock: () => true }).map((r) => r.productId));
      const unshown = pool.filter((c) => !shown.has(c.productId));
      if (unshown.length === 0) continue;
      const gone = rng.pick(unshown).productId;
      const after = serveList(pool, { region: 'EU', limit, inStock: (id) => id !== gone });
      expect(after.map((r) => r.productId)).toEqual([...shown]);
    }
  });

  it('gives the items a stored list (its product ids) has, from the candidates it was derived from', () => {
    const list = serveList(ranked, { region: 'GB', inStock: (id) => id !== 'b1' });
    expect(listItems(ranked, list.map((r) => r.productId), 'GB')).toEqual(list);
  });
});

function signals(partial: Partial<UserSignals>): UserSignals {
  return { history: [], affinity: new Map(), neighbors: new Map(), popularByKey: new Map(), trending: [], items: new Map(), now: NOW, ...partial };
}

describe('userCandidates', () => {
  const items = new Map(
    [item('seen', 'cat_a'), item('n1', 'cat_a'), item('n2', 'cat_b'), item('pop1', 'cat_c'), item('pop2', 'cat_d'), item('bought', 'cat_a')].map((i) => [i.id, i]),
  );
  const trending = [
    { id: 'pop1', score: 10 },
    { id: 'pop2', score: 5 },
    { id: 'bought', score: 4 },
  ];

  it('falls back to the trending pool, in popularity order, for a shopper with no history', () => {
    const list = userCandidates(signals({ trending, items }));
    expect(list.map((c) => c.productId)).toEqual(['pop1', 'pop2', 'bought']);
    expect(list.every((c) => c.reason === 'Trending in {region}')).toBe(true);
  });

  it("ranks the neighbours of a shopper's items first, with their reason, and never what they bought lately", () => {
    const list = userCandidates(
      signals({
        history: [
          { productId: 'seen', type: 'VIEW', at: NOW - DAY },
          { productId: 'bought', type: 'PURCHASE', at: NOW - 2 * DAY },
        ],
        neighbors: new Map([
          [
            'seen',
            [
              { id: 'n1', collaborative: 0.9, content: 0.2 },
              { id: 'n2', collaborative: 0, content: 0.8 },
            ],
          ],
          ['bought', [{ id: 'seen', collaborative: 0.5, content: 0.5 }]],
        ]),
        trending,
        items,
      }),
    );
    const ids = list.map((c) => c.productId);
    expect(ids).not.toContain('bought');
    expect(ids.indexOf('n1')).toBeLessThan(ids.indexOf('pop1'));
    expect(list.find((c) => c.productId === 'n1')!.reason).toBe('Bought together with Title seen');
    expect(list.find((c) => c.productId === 'n2')!.reason).toBe('Similar to Title seen');
    // Seen products stay possible but lose part of their score.
    expect(list.find((c) => c.productId === 'seen')).toBeDefined();
  });

  it('lets old purchases be recommended again once the exclusion window has passed', () => {
    const history = [{ productId: 'bought', type: 'PURCHASE' as const, at: NOW - (BLEND.excludePurchasedDays + 1) * DAY }];
    expect(profileOf(history, NOW).purchasedRecently.size).toBe(0);
    expect(userCandidates(signals({ history, trending, items })).map((c) => c.productId)).toContain('bought');
  });

  it('brings in popular products of favourite categories, with "Popular in" reasons', () => {
    const list = userCandidates(
      signals({
        history: [{ productId: 'seen', type: 'VIEW', at: NOW }],
        affinity: new Map([
          ['category:cat_d', 10],
          ['category:cat_a', 1],
        ]),
        popularByKey: new Map([['category:cat_d', [{ id: 'pop2', score: 5 }]]]),
        trending: [{ id: 'pop1', score: 10 }],
        items,
      }),
    );
    expect(list[0]!.productId).toBe('pop2');
    expect(list[0]!.reason).toBe('Popular in D');
  });
});

describe('productCandidates', () => {
  it('never holds the product itself, and fills with trending products', () => {
    const items = new Map([item('p', 'cat_a'), item('q', 'cat_a'), item('t', 'cat_b')].map((i) => [i.id, i]));
    const list = productCandidates(items.get('p'), 'p', [{ id: 'q', collaborative: 0.4, content: 0.9 }], [{ id: 'p', score: 9 }, { id: 't', score: 3 }], items);
    expect(list.map((c) => c.productId)).toEqual(['q', 't']);
    expect(list[0]!.reason).toBe('Bought together with Title p');
    expect(list[1]!.reason).toBe('Trending in {region}');
  });
});
