import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, parse, validate } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '@shop/stack';
import {
  available,
  bearer,
  bffUrls,
  contractOperation,
  errorCode,
  gatewayRegions,
  leaksInternals,
  minorUnits,
  send,
  setAvailable,
  skuWithStock,
  stackSql,
  stackUrls,
  unsized,
  type ClientResult,
  type GatewayRegion,
} from '../harness/index.ts';

/**
 * bff-mobile, driven as the app drives it (graphql-request against the BFF
 * of the shared stack): every screen and mutation, with money as integer
 * minor units checked against the gateway's decimal amounts.
 */

const MOBILE_PRODUCT_DETAIL = contractOperation('bff-mobile/ProductDetail.graphql', 'MobileProductDetail');
const GATEWAY_PRODUCT_PAGE = contractOperation('gateway/ProductPage.graphql', 'ProductPage');
const GATEWAY_CATEGORY_PAGE = contractOperation('gateway/CategoryPage.graphql', 'CategoryPage');

const DETAIL_EXTRA = `query Detail($slug: String!, $region: RegionCode!) {
  productDetail(slug: $slug, region: $region) { slug brand description maxPriceMinor variants { sku compareAtMinor available } recommendations { id priceMinor currencyCode badge } }
}`;
const TILE = 'id slug title imageUrl currencyCode priceMinor badge';
const CATEGORY_SCREEN = `query Category($slug: String!, $region: RegionCode!, $first: Int, $after: String) {
  categoryScreen(slug: $slug, region: $region, first: $first, after: $after) { title totalCount hasNextPage endCursor items { ${TILE} } }
}`;
const SEARCH_SCREEN = `query Search($query: String!, $region: RegionCode!, $first: Int) {
  searchScreen(query: $query, region: $region, first: $first) { title totalCount hasNextPage endCursor items { ${TILE} } }
}`;
const CART_FIELDS = 'id region currencyCode reservedUntil taxIncluded subtotalMinor taxMinor totalMinor lines { sku quantity productId title label imageUrl totalMinor }';
const CART = `query Cart($cartId: ID!) { cart(cartId: $cartId) { ${CART_FIELDS} } }`;
const CART_CREATE = `mutation CartCreate($region: RegionCode!) { cartCreate(region: $region) { cart { ${CART_FIELDS} } userErrors { code field message } } }`;
const CART_ADD_LINE = `mutation CartAddLine($cartId: ID!, $sku: ID!, $quantity: Int!) { cartAddLine(cartId: $cartId, sku: $sku, quantity: $quantity) { cart { ${CART_FIELDS} } userErrors { code field message } } }`;
const CART_REMOVE_LINE = `mutation CartRemoveLine($cartId: ID!, $sku: ID!) { cartRemoveLine(cartId: $cartId, sku: $sku) { cart { ${CART_FIELDS} } userErrors { code field message } } }`;
const ORDER = 'id status region placedAt currencyCode itemCount totalMinor';
const CHECKOUT = `mutation Checkout($cartId: ID!, $idempotencyKey: String!, $paymentToken: String!) {
  checkout(cartId: $cartId, idempotencyKey: $idempotencyKey, paymentToken: $paymentToken) { order { ${ORDER} } userErrors { code field message } }
}`;
const ACCOUNT = `query Account($region: RegionCode!) { account(region: $region) { userId orders { ${ORDER} } recommendations { ${TILE} } } }`;
const TRACK_EVENT = 'mutation Track($type: InteractionType!, $productId: ID!) { trackEvent(type: $type, productId: $productId) }';

let regions: Map<string, GatewayRegion>;
const mobile = () => bffUrls().mobile;
const gateway = () => stackUrls().gateway;

beforeAll(async () => {
  regions = new Map((await gatewayRegions()).map((r) => [r.code, r]));
});

async function slugOf(productId: string): Promise<string> {
  const [row] = await stackSql<{ slug: string }>('catalogue', 'SELECT slug FROM product WHERE id = $1', [productId]);
  return row!.slug;
}

async function mobileCartWith(region: string, lines: { sku: string; quantity: number }[], headers: Record<string, string> = {}) {
  const created = await send(mobile(), CART_CREATE, { region }, { headers });
  expect(created.errors).toBeUndefined();
  let cart = created.data.cartCreate.cart;
  for (const line of lines) {
    const res = await send(mobile(), CART_ADD_LINE, { cartId: cart.id, ...line }, { headers });
    expect(res.errors).toBeUndefined();
    expect(res.data.cartAddLine.userErrors).toEqual([]);
    cart = res.data.cartAddLine.cart;
  }
  return cart;
}

describe('bff-mobile MobileProductDetail (contract)', () => {
  it('validates against bff-mobile’s schema', () => {
    const schema = buildSchema(readFileSync(path.join(ROOT, 'bff-mobile/src/schema/mobile.graphql'), 'utf8'));
    expect(validate(schema, parse(MOBILE_PRODUCT_DETAIL)).map((e) => e.message)).toEqual([]);
  });

  it('has the gateway’s prices as integer minor units and at most three images, in all five regions', async () => {
    // A product with more than three images, a sale item, and one whose variants differ in price.
    const [many] = await stackSql<{ product_id: string }>('catalogue', 'SELECT product_id FROM product_image GROUP BY product_id HAVING count(*) > 3 ORDER BY product_id LIMIT 1');
    const [sale] = await stackSql<{ product_id: string }>('pricing', 'SELECT product_id FROM price WHERE compare_at_minor IS NOT NULL ORDER BY product_id OFFSET 1 LIMIT 1');
    const [ranged] = await stackSql<{ product_id: string }>('pricing', "SELECT product_id FROM price WHERE region = 'BR' GROUP BY product_id HAVING count(DISTINCT amount_minor) > 1 ORDER BY product_id OFFSET 1 LIMIT 1");
    expect(many, 'the seed has a product with more than three images').toBeDefined();
    const slugs = [await slugOf(many!.product_id), await slugOf(sale!.product_id), await slugOf(ranged!.product_id)];
    let compareAtSeen = 0;
    for (const slug of slugs) {
      for (const region of regions.values()) {
        const at = `${slug} ${region.code}`;
        // The gateway is asked before and after the BFF: recommendations may be refreshed in between (by other shoppers' events).
        const gwBefore = await send(gateway(), GATEWAY_PRODUCT_PAGE, { slug, region: region.code });
        const res = await send(mobile(), MOBILE_PRODUCT_DETAIL, { slug, region: region.code });
        const extra = await send(mobile(), DETAIL_EXTRA, { slug, region: region.code });
        const gw = await send(gateway(), GATEWAY_PRODUCT_PAGE, { slug, region: region.code });
        expect(res.status).toBe(200);
        expect(res.errors).toBeUndefined();
        expect(extra.errors).toBeUndefined();
        const d = res.data.productDetail;
        const x = extra.data.productDetail;
        const p = gw.data.product;

        expect(d).toMatchObject({ id: p.id, title: p.title, currencyCode: region.currencyCode });
        expect(x).toMatchObject({ slug: p.slug, brand: p.brand, description: p.description });
        expect(d.priceMinor, at).toBe(minorUnits(p.priceRange.min.amount));
        expect(x.maxPriceMinor, at).toBe(minorUnits(p.priceRange.max.amount));
        expect(Number.isInteger(d.priceMinor)).toBe(true);

        expect(d.images.length, at).toBeLessThanOrEqual(3);
        expect(d.images.map((i: { url: string }) => unsized(i.url)), at).toEqual(p.images.slice(0, 3).map((i: { url: string }) => i.url));

        expect(d.variants.map((v: { sku: string }) => v.sku), at).toEqual(p.variants.map((v: { sku: string }) => v.sku));
        for (const [i, v] of d.variants.entries()) {
          const g = p.variants[i];
          expect(v.priceMinor, `${at} ${v.sku}`).toBe(minorUnits(g.price.amount.amount));
          expect(v.badge, `${at} ${v.sku}`).toBe(g.stock.badge);
          expect(x.variants[i].available, `${at} ${v.sku}`).toBe(g.stock.available);
          expect(x.variants[i].compareAtMinor, `${at} ${v.sku}`).toBe(g.price.compareAt ? minorUnits(g.price.compareAt.amount) : null);
          expect(v.label.length).toBeGreaterThan(0);
          if (g.price.compareAt) compareAtSeen++;
        }
        // The product's badge: in stock if any variant is, low if the best one is low.
        const badges = p.variants.map((v: { stock: { badge: string } }) => v.stock.badge);
        expect(d.badge, at).toBe(badges.includes('IN_STOCK') ? 'IN_STOCK' : badges.includes('LOW_STOCK') ? 'LOW_STOCK' : 'OUT_OF_STOCK');

        const recommended = (g: ClientResult) => g.data.product.recommendations.map((r: { product: { id: string } }) => r.product.id);
        expect([recommended(gwBefore), recommended(gw)], at).toContainEqual(x.recommendations.map((r: { id: string }) => r.id));
        for (const r of x.recommendations) {
          expect(r.id).not.toBe(p.id);
          expect(r.currencyCode).toBe(region.currencyCode);
          expect(Number.isInteger(r.priceMinor)).toBe(true);
        }
      }
    }
    expect(await imageCount(slugs[0]!), 'the first product has more than three images').toBeGreaterThan(3);
    expect(compareAtSeen).toBeGreaterThan(0);
  });

  it('answers an unknown slug with productDetail: null and no error', async () => {
    const res = await send(mobile(), MOBILE_PRODUCT_DETAIL, { slug: 'no-such-product', region: 'IN' });
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ productDetail: null });
  });
});

async function imageCount(slug: string): Promise<number> {
  const [row] = await stackSql<{ n: number }>('catalogue', 'SELECT count(*)::int AS n FROM product_image i JOIN product p ON p.id = i.product_id WHERE p.slug = $1', [slug]);
  return row!.n;
}

describe('bff-mobile categoryScreen and searchScreen', () => {
  it('categoryScreen pages with endCursor through every product once; totalCount is the gateway’s', async () => {
    const slug = 'lighting';
    const seen: string[] = [];
    let after: string | null = null;
    let totalCount = -1;
    let pages = 0;
    do {
      const res: ClientResult = await send(mobile(), CATEGORY_SCREEN, { slug, region: 'BR', first: 6, after });
      expect(res.errors).toBeUndefined();
      const list = res.data.categoryScreen;
      expect(list.title).toBe('Lighting');
      if (totalCount < 0) totalCount = list.totalCount;
      expect(list.totalCount).toBe(totalCount);
      for (const tile of list.items) {
        seen.push(tile.id);
        if (tile.priceMinor !== null) {
          expect(Number.isInteger(tile.priceMinor)).toBe(true);
          expect(tile.currencyCode).toBe('BRL');
        }
      }
      after = list.hasNextPage ? list.endCursor : null;
      pages++;
    } while (after && pages < 50);
    expect(pages).toBeGreaterThan(1);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(totalCount);
    const gw = await send(gateway(), GATEWAY_CATEGORY_PAGE, { categorySlug: slug, region: 'BR', first: 100 });
    expect(gw.data.products.totalCount).toBe(totalCount);
    expect(gw.data.products.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(seen);
    const first = await send(mobile(), CATEGORY_SCREEN, { slug, region: 'BR', first: 1 });
    expect(first.data.categoryScreen.items[0].priceMinor).toBe(minorUnits(gw.data.products.edges[0].node.priceRange.min.amount));
  });

  it('categoryScreen: null for an unknown category, BAD_USER_INPUT for a page size out of 1..40', async () => {
    const unknown = await send(mobile(), CATEGORY_SCREEN, { slug: 'no-such-category', region: 'US', first: 5 });
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data.categoryScreen).toBeNull();
    for (const first of [0, 41]) expect(errorCode(await send(mobile(), CATEGORY_SCREEN, { slug: 'lighting', region: 'US', first }))).toBe('BAD_USER_INPUT');
  });

  it('searchScreen finds a product by its exact title on the first page', async () => {
    const [row] = await stackSql<{ id: string; title: string }>('catalogue', 'SELECT id, title FROM product ORDER BY id OFFSET 251 LIMIT 1');
    const res = await send(mobile(), SEARCH_SCREEN, { query: row!.title, region: 'EU', first: 20 });
    expect(res.errors).toBeUndefined();
    expect(res.data.searchScreen.title).toBe(row!.title);
    expect(res.data.searchScreen.totalCount).toBeGreaterThan(0);
    const hit = res.data.searchScreen.items.find((t: { id: string }) => t.id === row!.id);
    expect(hit, `${row!.title} on the first page`).toBeDefined();
    expect(hit.currencyCode).toBe('EUR');
  });

  it('searchScreen refuses an empty, blank or over-long query with BAD_USER_INPUT, never a 500', async () => {
    for (const query of ['', '  ', 'q'.repeat(201)]) {
      const res = await send(mobile(), SEARCH_SCREEN, { query, region: 'US', first: 5 });
      expect(res.status, JSON.stringify(query)).toBeLessThan(500);
      expect(errorCode(res), JSON.stringify(query)).toBe('BAD_USER_INPUT');
      expect(leaksInternals(res)).toBeUndefined();
    }
  });
});

describe('bff-mobile cart', () => {
  it('adds a line (stock lowers at once), refuses too many with INSUFFICIENT_STOCK changing nothing, removes it (stock back)', async () => {
    const sku = await skuWithStock('IN', 10, 211);
    await setAvailable(sku, 'IN', 5);
    const created = await send(mobile(), CART_CREATE, { region: 'IN' });
    expect(created.errors).toBeUndefined();
    const cartId = created.data.cartCreate.cart.id;
    expect(created.data.cartCreate.cart).toMatchObject({ region: 'IN', currencyCode: 'INR', taxIncluded: true, lines: [], totalMinor: 0 });

    const added = await send(mobile(), CART_ADD_LINE, { cartId, sku, quantity: 3 });
    expect(added.data.cartAddLine.userErrors).toEqual([]);
    const cart = added.data.cartAddLine.cart;
    expect(cart.lines).toEqual([expect.objectContaining({ sku, quantity: 3 })]);
    expect(Number.isInteger(cart.totalMinor) && cart.totalMinor > 0).toBe(true);
    // IN is tax-inclusive: the total is the subtotal, with the tax inside it.
    expect(cart.totalMinor).toBe(cart.subtotalMinor);
    expect(cart.taxMinor).toBeGreaterThan(0);
    expect(cart.lines[0].totalMinor).toBe(cart.subtotalMinor);
    expect(await available(sku, 'IN')).toBe(2);

    const tooMany = await send(mobile(), CART_ADD_LINE, { cartId, sku, quantity: 3 });
    expect(tooMany.errors).toBeUndefined();
    expect(tooMany.data.cartAddLine.userErrors.map((e: { code: string }) => e.code)).toEqual(['INSUFFICIENT_STOCK']);
    expect(await available(sku, 'IN')).toBe(2);
    const screen = await send(mobile(), CART, { cartId });
    expect(screen.data.cart.lines.map((l: { sku: string; quantity: number }) => [l.sku, l.quantity])).toEqual([[sku, 3]]);
    expect(screen.data.cart.totalMinor).toBe(cart.totalMinor);

    const removed = await send(mobile(), CART_REMOVE_LINE, { cartId, sku });
    expect(removed.data.cartRemoveLine.userErrors).toEqual([]);
    expect(removed.data.cartRemoveLine.cart.lines).toEqual([]);
    expect(await available(sku, 'IN')).toBe(5);
  });

  it('refuses a quantity outside 1..99 with BAD_USER_INPUT; an unknown cart is null', async () => {
    const cart = await mobileCartWith('US', []);
    for (const quantity of [0, 100]) expect(errorCode(await send(mobile(), CART_ADD_LINE, { cartId: cart.id, sku: await skuWithStock('US', 1, 212), quantity }))).toBe('BAD_USER_INPUT');
    const unknown = await send(mobile(), CART, { cartId: randomUUID() });
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data.cart).toBeNull();
  });
});

describe('bff-mobile checkout and account', () => {
  const shopper = `bff_mobile_shopper_${randomUUID().slice(0, 8)}`;
  let orderId = '';

  it('places a CONFIRMED order with tok_visa for a signed-in shopper, total equal to the cart’s', async () => {
    const headers = await bearer(shopper);
    const sku = await skuWithStock('EU', 10, 213);
    await setAvailable(sku, 'EU', 10);
    const cart = await mobileCartWith('EU', [{ sku, quantity: 2 }], headers);
    const res = await send(mobile(), CHECKOUT, { cartId: cart.id, idempotencyKey: randomUUID(), paymentToken: 'tok_visa' }, { headers });
    expect(res.errors).toBeUndefined();
    expect(res.data.checkout.userErrors).toEqual([]);
    expect(res.data.checkout.order).toMatchObject({ status: 'CONFIRMED', region: 'EU', currencyCode: 'EUR', itemCount: 2, totalMinor: cart.totalMinor });
    expect(await available(sku, 'EU')).toBe(8);
    orderId = res.data.checkout.order.id;
  });

  it('refuses an anonymous checkout with UNAUTHENTICATED and places no order', async () => {
    const cart = await mobileCartWith('US', [{ sku: await skuWithStock('US', 5, 214), quantity: 1 }]);
    const res = await send(mobile(), CHECKOUT, { cartId: cart.id, idempotencyKey: randomUUID(), paymentToken: 'tok_visa' });
    expect(errorCode(res)).toBe('UNAUTHENTICATED');
    expect(res.data?.checkout ?? null).toBeNull();
    expect(await stackSql('orders', 'SELECT 1 FROM customer_order WHERE cart_id = $1', [cart.id])).toEqual([]);
  });

  it('gives PAYMENT_DECLINED for tok_chargeDeclined: no order, and the stock back', async () => {
    const headers = await bearer(shopper);
    const sku = await skuWithStock('US', 10, 215);
    await setAvailable(sku, 'US', 10);
    const cart = await mobileCartWith('US', [{ sku, quantity: 4 }], headers);
    expect(await available(sku, 'US')).toBe(6);
    const res = await send(mobile(), CHECKOUT, { cartId: cart.id, idempotencyKey: randomUUID(), paymentToken: 'tok_chargeDeclined' }, { headers });
    expect(res.data.checkout.order).toBeNull();
    expect(res.data.checkout.userErrors.map((e: { code: string }) => e.code)).toEqual(['PAYMENT_DECLINED']);
    expect(await stackSql('orders', 'SELECT 1 FROM customer_order WHERE cart_id = $1', [cart.id])).toEqual([]);
    expect(await available(sku, 'US')).toBe(10);
  });

  it('account: UNAUTHENTICATED without a token; with one, only the shopper’s own orders', async () => {
    const anonymous = await send(mobile(), ACCOUNT, { region: 'EU' });
    expect(errorCode(anonymous)).toBe('UNAUTHENTICATED');
    expect(anonymous.data?.account ?? null).toBeNull();
    expect(orderId).not.toBe('');
    const mine = await send(mobile(), ACCOUNT, { region: 'EU' }, { headers: await bearer(shopper) });
    expect(mine.errors).toBeUndefined();
    expect(mine.data.account.userId).toBe(shopper);
    expect(mine.data.account.orders.map((o: { id: string }) => o.id)).toEqual([orderId]);
    const theirs = await send(mobile(), ACCOUNT, { region: 'EU' }, { headers: await bearer(`bff_mobile_other_${randomUUID().slice(0, 8)}`) });
    expect(theirs.errors).toBeUndefined();
    expect(theirs.data.account.orders).toEqual([]);
  });

  it('trackEvent: accepted when signed in, UNAUTHENTICATED when anonymous, BAD_USER_INPUT for an unknown product', async () => {
    const [row] = await stackSql<{ id: string }>('catalogue', 'SELECT id FROM product ORDER BY id OFFSET 212 LIMIT 1');
    const headers = await bearer(shopper);
    const ok = await send(mobile(), TRACK_EVENT, { type: 'ADD_TO_CART', productId: row!.id }, { headers });
    expect(ok.errors).toBeUndefined();
    expect(ok.data.trackEvent).toBe(true);
    expect(errorCode(await send(mobile(), TRACK_EVENT, { type: 'VIEW', productId: row!.id }))).toBe('UNAUTHENTICATED');
    const unknown = await send(mobile(), TRACK_EVENT, { type: 'VIEW', productId: 'prod_nope' }, { headers });
    expect(errorCode(unknown)).toBe('BAD_USER_INPUT');
    expect(leaksInternals(unknown)).toBeUndefined();
  });
});
