import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestPersonalization, type TestPersonalization } from '../testing/database.ts';

let t: TestPersonalization;

beforeAll(async () => {
  t = await startTestPersonalization({ serverUrl: inject('pgServerUrl'), redisUrl: inject('redisUrl'), name: 'schema', products: 400, shoppers: 300 });
});

afterAll(async () => {
  await t?.close();
});

const PRODUCT_RECS = `query ($reps: [_Any!]!, $region: RegionCode!, $first: Int!) {
  _entities(representations: $reps) { ... on Product { id recommendations(region: $region, first: $first) { score reason product { id } } } }
}`;
const USER_RECS = `query ($id: ID!, $region: RegionCode!, $first: Int!) {
  _entities(representations: [{ __typename: "User", id: $id }]) { ... on User { id recommendations(region: $region, first: $first) { score reason product { id } } } }
}`;
const TRACK = `mutation ($type: InteractionType!, $productId: ID!) { trackEvent(input: { type: $type, productId: $productId }) { accepted } }`;

const productReps = (ids: string[]) => ids.map((id) => ({ __typename: 'Product', id }));
const productIds = (n: number, offset = 0) => Array.from({ length: n }, (_, i) => `prod_${String(offset + i * 7).padStart(6, '0')}`);

async function categories(): Promise<Map<string, string>> {
  const rows = await t.db.selectFrom('product_feature').select(['product_id', 'category_id']).execute();
  return new Map(rows.map((r) => [r.product_id, r.category_id]));
}
async function stockIn(region: string): Promise<Set<string>> {
  const rows = await t.db.selectFrom('product_region_stock').select('product_id').where('region', '=', region as never).where('in_stock', '=', true).execute();
  return new Set(rows.map((r) => r.product_id));
}
function maxPerCategory(ids: string[], cats: Map<string, string>): number {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(cats.get(id)!, (counts.get(cats.get(id)!) ?? 0) + 1);
  return Math.max(0, ...counts.values());
}

describe('Product.recommendations', () => {
  it('never holds the product itself or a product out of stock in the region, and is diverse, for every product asked', async () => {
    const [cats, inEu] = [await categories(), await stockIn('EU')];
    const ids = productIds(40);
    const res = await t.execute(PRODUCT_RECS, { reps: productReps(ids), region: 'EU', first: 8 });
    expect(res.errors).toBeUndefined();
    for (const entity of res.data._entities) {
      const recs: string[] = entity.recommendations.map((r: { product: { id: string } }) => r.product.id);
      expect(recs).toHaveLength(8);
      expect(recs).not.toContain(entity.id);
      expect(recs.every((id) => inEu.has(id))).toBe(true);
      expect(maxPerCategory(recs, cats)).toBeLessThanOrEqual(4);
      expect(new Set(recs).size).toBe(8);
      for (const r of entity.recommendations) {
        expect(r.reason).toMatch(/^(Bought together with|Similar to|Trending in EU)/);
        expect(r.score).toBeGreaterThan(0);
      }
    }
  });

  it('runs a constant number of SQL statements however many products a page asks about', async () => {
    const run = async (n: number, offset: number, cold = true) => {
      if (cold) t.recommender.features.clear();
      t.statements.count = 0;
      const res = await t.execute(PRODUCT_RECS, { reps: productReps(productIds(n, offset)), region: 'GB', first: 8 });
      expect(res.errors).toBeUndefined();
      return t.statements.count;
    };
    // Uncached candidates: neighbours, features, stock.
    const few = await run(2, 1);
    const many = await run(30, 2);
    expect(many).toBe(few);
    expect(few).toBe(3);
    // Cached candidates: the stock filter alone.
    expect(await run(30, 2, false)).toBe(1);
  });

  it('answers BAD_USER_INPUT naming first outside 1..50', async () => {
    for (const first of [0, 51]) {
      const res = await t.execute(PRODUCT_RECS, { reps: productReps(['prod_000001']), region: 'EU', first });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'first' });
    }
  });
});

describe('User.recommendations', () => {
  it('gives the signed-in shopper a diverse list in stock in the region', async () => {
    const [cats, inUs] = [await categories(), await stockIn('US')];
    const res = await t.execute(USER_RECS, { id: 'shopper_0003', region: 'US', first: 12 }, 'shopper_0003');
    expect(res.errors).toBeUndefined();
    const recs: string[] = res.data._entities[0].recommendations.map((r: { product: { id: string } }) => r.product.id);
    expect(recs).toHaveLength(12);
    expect(recs.every((id) => inUs.has(id))).toBe(true);
    expect(maxPerCategory(recs, cats)).toBeLessThanOrEqual(6);
    expect(maxPerCategory(recs.slice(0, 8), cats)).toBeLessThanOrEqual(4);
  });

  it('is null for anyone but the signed-in shopper', async () => {
    expect((await t.execute(USER_RECS, { id: 'shopper_0003', region: 'US', first: 12 }, 'shopper_0004')).data._entities[0].recommendations).toBeNull();
    expect((await t.execute(USER_RECS, { id: 'shopper_0003', region: 'US', first: 12 })).data._entities[0].recommendations).toBeNull();
  });

  it('answers BAD_USER_INPUT naming first outside 1..50', async () => {
    const res = await t.execute(USER_RECS, { id: 'shopper_0003', region: 'US', first: 100 }, 'shopper_0003');
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'first' });
  });
});

describe('Mutation.trackEvent', () => {
  it('accepts a signed-in shopper’s interaction and changes their list', async () => {
    const before = await t.execute(USER_RECS, { id: 'gql_shopper', region: 'EU', first: 12 }, 'gql_shopper');
    const top = before.data._entities[0].recommendations[0].product.id;
    const res = await t.execute(TRACK, { type: 'PURCHASE', productId: top }, 'gql_shopper');
    expect(res).toEqual({ data: { trackEvent: { accepted: true } } });
    const after = await t.execute(USER_RECS, { id: 'gql_shopper', region: 'EU', first: 12 }, 'gql_shopper');
    expect(after.data._entities[0].recommendations.map((r: { product: { id: string } }) => r.product.id)).not.toContain(top);
  });

  it('answers UNAUTHENTICATED without a shopper and BAD_USER_INPUT for an unknown product, as GraphQL errors', async () => {
    const anonymous = await t.execute(TRACK, { type: 'VIEW', productId: 'prod_000001' });
    expect(anonymous.data).toBeNull();
    expect(anonymous.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
    const unknown = await t.execute(TRACK, { type: 'VIEW', productId: 'prod_nope' }, 'gql_shopper');
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'productId' });
  });
});
