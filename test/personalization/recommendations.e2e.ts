import { describe, expect, it } from 'vitest';
import { bearer, contractOperation, gql, setAvailable, stackSql, stackUrls } from '../harness/index.ts';

const PRODUCT_PAGE = contractOperation('gateway/ProductPage.graphql', 'ProductPage');
const ME = contractOperation('gateway/Me.graphql', 'Me');
const TRACK = contractOperation('gateway/Me.graphql', 'TrackEvent');

async function categoryOf(productIds: string[]): Promise<Map<string, string>> {
  const rows = await stackSql<{ id: string; category_id: string }>('catalogue', 'SELECT id, category_id FROM product WHERE id = ANY($1)', [productIds]);
  return new Map(rows.map((r) => [r.id, r.category_id]));
}

async function me(userId: string, region: string) {
  const res = await gql(stackUrls().gateway, ME, { region }, await bearer(userId));
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data.me;
}

/** Sets every variant of a product to `units` available in a region. */
async function setProductStock(productId: string, region: string, units: number) {
  const skus = await stackSql<{ sku: string }>('inventory', 'SELECT sku FROM inventory_item WHERE product_id = $1 ORDER BY sku', [productId]);
  for (const { sku } of skus) await setAvailable(sku, region, units);
}

describe('gateway ProductPage recommendations (contract)', () => {
  it('recommends other products, in stock in the region, with a score and a reason', async () => {
    const products = await stackSql<{ slug: string; id: string }>('catalogue', 'SELECT slug, id FROM product ORDER BY id LIMIT 5');
    for (const region of ['US', 'EU', 'IN']) {
      for (const p of products) {
        const res = await gql(stackUrls().gateway, PRODUCT_PAGE, { slug: p.slug, region });
        expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
        const recs = res.data.product.recommendations;
        expect(recs.length).toBeGreaterThan(0);
        expect(recs.length).toBeLessThanOrEqual(8);
        for (const r of recs) {
          expect(r.product.id).not.toBe(p.id);
          expect(typeof r.score).toBe('number');
          expect(r.reason).toBeTruthy();
          expect(r.product.slug && r.product.title).toBeTruthy();
        }
        const ids = recs.map((r: any) => r.product.id);
        const inStock = await stackSql<{ product_id: string }>(
          'inventory',
          'SELECT DISTINCT i.product_id FROM inventory_item i JOIN inventory_level l USING (sku) WHERE i.product_id = ANY($1) AND l.region = $2 AND l.on_hand > l.reserved',
          [ids, region],
        );
        expect(inStock.map((r) => r.product_id).sort()).toEqual([...ids].sort());
      }
    }
  });
});

describe('gateway Me recommendations (contract)', () => {
  it('change within a second of a purchase', async () => {
    const { createCart, CART_ADD_LINE, CHECKOUT, skuWithStock } = await import('../harness/index.ts');
    const user = `rec_buyer_${Date.now()}`;
    const headers = await bearer(user);
    const before = (await me(user, 'EU')).recommendations.map((r: any) => r.product.id).join(',');
    const cartId = await createCart('EU', headers);
    const sku = await skuWithStock('EU', 5, 71);
    await gql(stackUrls().gateway, CART_ADD_LINE, { cartId, sku, quantity: 1 }, headers);
    const order = await gql(stackUrls().gateway, CHECKOUT, { cartId, idempotencyKey: `buy-${Date.now()}`, paymentToken: 'tok_visa' }, headers);
    expect(order.data.checkout.order.status).toBe('CONFIRMED');
    await expect.poll(async () => (await me(user, 'EU')).recommendations.map((r: any) => r.product.id).join(','), { timeout: 1_000, interval: 50 }).not.toBe(before);
  });

  it('needs a token for trackEvent, and refuses an unknown product or first above 50', async () => {
    const anon = await gql(stackUrls().gateway, TRACK, { type: 'VIEW', productId: 'prod_000001' });
    expect(anon.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const unknown = await gql(stackUrls().gateway, TRACK, { type: 'VIEW', productId: 'prod_nope' }, await bearer('rec_shopper_x'));
    expect(unknown.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(unknown.errors?.[0]?.message).toContain('productId');
    const tooMany = await gql(stackUrls().gateway, 'query { me { recommendations(region: US, first: 51) { score } } }', {}, await bearer('rec_shopper_x'));
    expect(tooMany.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('shifts toward a category within a second of several views of it', async () => {
    const user = `rec_viewer_${Date.now()}`;
    const before = await me(user, 'GB');
    expect(before.recommendations.length).toBeGreaterThan(0); // trending for a new shopper
    const [{ category_id: category }] = (await stackSql<{ category_id: string }>(
      'catalogue',
      "SELECT category_id FROM product GROUP BY category_id HAVING count(*) >= 10 ORDER BY category_id DESC LIMIT 1",
    )) as [{ category_id: string }];
    const viewed = await stackSql<{ id: string }>('catalogue', 'SELECT id FROM product WHERE category_id = $1 ORDER BY id LIMIT 5', [category]);
    const share = async (recs: { product: { id: string } }[]) => {
      const cats = await categoryOf(recs.map((r) => r.product.id));
      return recs.filter((r) => cats.get(r.product.id) === category).length / Math.max(1, recs.length);
    };
    const shareBefore = await share(before.recommendations);
    const headers = await bearer(user);
    for (const v of viewed) {
      const res = await gql(stackUrls().gateway, TRACK, { type: 'VIEW', productId: v.id }, headers);
      expect(res.data.trackEvent.accepted).toBe(true);
    }
    const t0 = Date.now();
    await expect.poll(async () => share((await me(user, 'GB')).recommendations), { timeout: 1_000, interval: 50 }).toBeGreaterThan(shareBefore);
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it('drops a product that sells out in the region from the list at once, and brings it back on restock', async () => {
    const user = `rec_sellout_${Date.now()}`;
    const headers = await bearer(user);
    const [{ id: seedProduct }] = (await stackSql<{ id: string }>('catalogue', 'SELECT id FROM product ORDER BY id OFFSET 20 LIMIT 1')) as [{ id: string }];
    await gql(stackUrls().gateway, TRACK, { type: 'VIEW', productId: seedProduct }, headers);
    const list = (await me(user, 'US')).recommendations;
    expect(list.length).toBeGreaterThan(0);
    const victim = list[0].product.id as string;
    const skus = await stackSql<{ sku: string; available: number }>(
      'inventory',
      "SELECT i.sku, l.on_hand - l.reserved AS available FROM inventory_item i JOIN inventory_level l USING (sku) WHERE i.product_id = $1 AND l.region = 'US' ORDER BY i.sku",
      [victim],
    );
    await setProductStock(victim, 'US', 0);
    await expect.poll(async () => (await me(user, 'US')).recommendations.map((r: any) => r.product.id), { timeout: 1_000, interval: 50 }).not.toContain(victim);
    const page = await gql(stackUrls().gateway, PRODUCT_PAGE, { slug: (await stackSql<{ slug: string }>('catalogue', 'SELECT slug FROM product WHERE id = $1', [seedProduct]))[0]!.slug, region: 'US' });
    expect(page.data.product.recommendations.map((r: any) => r.product.id)).not.toContain(victim);
    // Restock: it may come back.
    for (const s of skus) await setAvailable(s.sku, 'US', Math.max(10, s.available));
    await expect.poll(async () => (await me(user, 'US')).recommendations.map((r: any) => r.product.id), { timeout: 2_000, interval: 100 }).toContain(victim);
  });
});
