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
  formatIn,
  gatewayRegions,
  leaksInternals,
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
 * bff-web, driven as the storefront drives it (graphql-request against the
 * BFF of the shared stack): every page and mutation, checked against the
 * gateway's answer for the same input and against the databases.
 */

const WEB_PRODUCT_PAGE = contractOperation('bff-web/ProductPage.graphql', 'WebProductPage');
const GATEWAY_PRODUCT_PAGE = contractOperation('gateway/ProductPage.graphql', 'ProductPage');
const GATEWAY_CATEGORY_PAGE = contractOperation('gateway/CategoryPage.graphql', 'CategoryPage');
const GATEWAY_ANCESTORS = 'query Ancestors($slug: String!) { product(slug: $slug) { category { slug ancestors { slug name } } } }';

const PRICE = 'formatted amount currencyCode';
const CARD = `id slug title brand imageUrl badge price { ${PRICE} }`;
const CATEGORY_PAGE = `query Category($slug: String!, $region: RegionCode!, $first: Int, $after: String) {
  categoryPage(slug: $slug, region: $region, first: $first, after: $after) {
    category { slug name }
    breadcrumbs { slug name }
    totalCount
    pageInfo { hasNextPage endCursor }
    products { ${CARD} }
  }
}`;
const SEARCH_PAGE = `query Search($query: String!, $region: RegionCode!, $first: Int) {
  searchPage(query: $query, region: $region, first: $first) { query totalCount pageInfo { hasNextPage endCursor } products { ${CARD} } }
}`;
const CART_FIELDS = `id region reservedUntil itemCount taxLabel
  lines { sku quantity productId productSlug title label lineTotal { ${PRICE} } }
  subtotal { ${PRICE} } tax { ${PRICE} } total { ${PRICE} }`;
const CART_PAGE = `query CartPage($cartId: ID!) { cartPage(cartId: $cartId) { ${CART_FIELDS} } }`;
const CART_CREATE = `mutation CartCreate($region: RegionCode!) { cartCreate(region: $region) { cart { ${CART_FIELDS} } userErrors { code field message } } }`;
const CART_ADD_LINE = `mutation CartAddLine($cartId: ID!, $sku: ID!, $quantity: Int!) { cartAddLine(cartId: $cartId, sku: $sku, quantity: $quantity) { cart { ${CART_FIELDS} } userErrors { code field message } } }`;
const CART_REMOVE_LINE = `mutation CartRemoveLine($cartId: ID!, $sku: ID!) { cartRemoveLine(cartId: $cartId, sku: $sku) { cart { ${CART_FIELDS} } userErrors { code field message } } }`;
const ORDER_FIELDS = `id status region placedAt lines { sku quantity unitPrice { ${PRICE} } } subtotal { ${PRICE} } tax { ${PRICE} } total { ${PRICE} }`;
const CHECKOUT = `mutation Checkout($cartId: ID!, $idempotencyKey: String!, $paymentToken: String!) {
  checkout(cartId: $cartId, idempotencyKey: $idempotencyKey, paymentToken: $paymentToken) { order { ${ORDER_FIELDS} } userErrors { code field message } }
}`;
const ACCOUNT_PAGE = `query Account($region: RegionCode!) { accountPage(region: $region) { userId orders { ${ORDER_FIELDS} } recommendations { ${CARD} } } }`;
const TRACK_EVENT = 'mutation Track($type: InteractionType!, $productId: ID!) { trackEvent(type: $type, productId: $productId) }';
const REGIONS = 'query Regions { regions { code name currencyCode locale taxIncluded } }';

let regions: Map<string, GatewayRegion>;
const web = () => bffUrls().web;
const gateway = () => stackUrls().gateway;

beforeAll(async () => {
  regions = new Map((await gatewayRegions()).map((r) => [r.code, r]));
});

async function slugOf(productId: string): Promise<string> {
  const [row] = await stackSql<{ slug: string }>('catalogue', 'SELECT slug FROM product WHERE id = $1', [productId]);
  return row!.slug;
}

/** A cart of bff-web's with `lines` in it (each add checked), as `headers`' shopper. */
async function webCartWith(region: string, lines: { sku: string; quantity: number }[], headers: Record<string, string> = {}) {
  const created = await send(web(), CART_CREATE, { region }, { headers });
  expect(created.errors).toBeUndefined();
  let cart = created.data.cartCreate.cart;
  for (const line of lines) {
    const res = await send(web(), CART_ADD_LINE, { cartId: cart.id, ...line }, { headers });
    expect(res.errors).toBeUndefined();
    expect(res.data.cartAddLine.userErrors).toEqual([]);
    cart = res.data.cartAddLine.cart;
  }
  return cart;
}

describe('bff-web WebProductPage (contract)', () => {
  it('validates against bff-web’s schema', () => {
    const schema = buildSchema(readFileSync(path.join(ROOT, 'bff-web/src/schema/web.graphql'), 'utf8'));
    expect(validate(schema, parse(WEB_PRODUCT_PAGE)).map((e) => e.message)).toEqual([]);
  });

  it('has the gateway’s ProductPage data for the same slug and region, money formatted in the region’s locale, in all five regions', async () => {
    // A sale item (compare-at prices), a product whose variants differ in price, and a plain one.
    const [sale] = await stackSql<{ product_id: string }>('pricing', 'SELECT product_id FROM price WHERE compare_at_minor IS NOT NULL ORDER BY product_id LIMIT 1');
    const [ranged] = await stackSql<{ product_id: string }>('pricing', "SELECT product_id FROM price WHERE region = 'EU' GROUP BY product_id HAVING count(DISTINCT amount_minor) > 1 ORDER BY product_id LIMIT 1");
    const [plain] = await stackSql<{ slug: string }>('catalogue', 'SELECT slug FROM product ORDER BY id OFFSET 150 LIMIT 1');
    const slugs = [await slugOf(sale!.product_id), await slugOf(ranged!.product_id), plain!.slug];
    expect(regions.size).toBe(5);
    let compareAtSeen = 0;
    for (const slug of slugs) {
      const ancestors = await send(gateway(), GATEWAY_ANCESTORS, { slug });
      for (const region of regions.values()) {
        const fmt = (amount: string) => formatIn(amount, region);
        // The gateway is asked before and after the BFF: recommendations may be refreshed in between (by other shoppers' events).
        const gwBefore = await send(gateway(), GATEWAY_PRODUCT_PAGE, { slug, region: region.code });
        const res = await send(web(), WEB_PRODUCT_PAGE, { slug, region: region.code });
        const gw = await send(gateway(), GATEWAY_PRODUCT_PAGE, { slug, region: region.code });
        expect(res.status).toBe(200);
        expect(res.errors).toBeUndefined();
        expect(gw.errors).toBeUndefined();
        const page = res.data.productPage;
        const p = gw.data.product;
        const at = `${slug} ${region.code}`;

        expect(page.product, at).toMatchObject({ id: p.id, slug: p.slug, title: p.title, description: p.description, brand: p.brand });
        expect(page.product.breadcrumbs, at).toEqual(ancestors.data.product.category.ancestors);
        expect(page.product.breadcrumbs.at(-1).slug, at).toBe(p.category.slug);
        expect(page.product.images.map((i: { url: string }) => unsized(i.url)), at).toEqual(p.images.map((i: { url: string }) => i.url));
        expect(page.product.images.map((i: { altText: string | null }) => i.altText), at).toEqual(p.images.map((i: { altText: string | null }) => i.altText));

        // The page's price is the lowest variant price, in the region's currency and locale.
        expect(page.price.currencyCode, at).toBe(region.currencyCode);
        expect(page.price.formatted, at).toBe(fmt(p.priceRange.min.amount));
        const minVariant = p.variants.find((v: any) => v.price.amount.amount === p.priceRange.min.amount);
        expect(page.price.compareAtFormatted, at).toBe(minVariant.price.compareAt ? fmt(minVariant.price.compareAt.amount) : null);

        expect(page.variants.map((v: { sku: string }) => v.sku), at).toEqual(p.variants.map((v: { sku: string }) => v.sku));
        for (const [i, v] of page.variants.entries()) {
          const g = p.variants[i];
          expect(v.price.formatted, `${at} ${v.sku}`).toBe(fmt(g.price.amount.amount));
          expect(v.stock, `${at} ${v.sku}`).toEqual(g.stock);
          expect(v.label.length).toBeGreaterThan(0);
          if (g.price.compareAt) compareAtSeen++;
        }

        // Recommendations: the gateway's list, as cards with money in the same locale; never the product itself.
        const recommended = (g: ClientResult) => g.data.product.recommendations.map((r: { product: { id: string } }) => r.product.id);
        expect([recommended(gwBefore), recommended(gw)], at).toContainEqual(page.recommendations.map((r: { id: string }) => r.id));
        for (const r of page.recommendations) {
          expect(r.id).not.toBe(p.id);
          expect(r.badge).not.toBe('OUT_OF_STOCK');
          expect(r.price.formatted.length).toBeGreaterThan(0);
        }
      }
    }
    expect(compareAtSeen, 'the sale item shows compare-at prices').toBeGreaterThan(0);
  });

  it('writes EU money the German way and IN money the Indian way, as the README’s examples read', async () => {
    const [row] = await stackSql<{ slug: string }>('catalogue', 'SELECT slug FROM product ORDER BY id OFFSET 151 LIMIT 1');
    const eu = await send(web(), WEB_PRODUCT_PAGE, { slug: row!.slug, region: 'EU' });
    const india = await send(web(), WEB_PRODUCT_PAGE, { slug: row!.slug, region: 'IN' });
    expect(regions.get('EU')!.locale).toBe('de-DE');
    // e.g. `138,90 €` (the space is a no-break space) and `₹1,499.00`.
    expect(eu.data.productPage.price.formatted).toMatch(/^\d{1,3}(\.\d{3})*,\d{2}\u00a0€$/);
    expect(india.data.productPage.price.formatted).toMatch(/^₹\d{1,2}(,\d{2})*(,\d{3})?\.\d{2}$|^₹\d{1,3}\.\d{2}$/);
  });

  it('answers an unknown slug with productPage: null and no error', async () => {
    const res = await send(web(), WEB_PRODUCT_PAGE, { slug: 'no-such-product', region: 'US' });
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ productPage: null });
  });
});

describe('bff-web categoryPage', () => {
  it('pages with after: endCursor through every product of the category exactly once; totalCount is the gateway’s', async () => {
    const slug = 'knitwear';
    const all: string[] = [];
    let after: string | null = null;
    let totalCount = -1;
    let pages = 0;
    do {
      const res: ClientResult = await send(web(), CATEGORY_PAGE, { slug, region: 'GB', first: 7, after });
      expect(res.errors).toBeUndefined();
      const page = res.data.categoryPage;
      expect(page.category.slug).toBe(slug);
      expect(page.breadcrumbs.map((c: { slug: string }) => c.slug)).toEqual(['apparel', 'knitwear']);
      if (totalCount < 0) totalCount = page.totalCount;
      expect(page.totalCount).toBe(totalCount);
      expect(page.products.length).toBeLessThanOrEqual(7);
      for (const card of page.products) {
        all.push(card.id);
        if (card.price) expect(card.price.currencyCode).toBe('GBP');
      }
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      pages++;
    } while (after && pages < 50);
    expect(pages).toBeGreaterThan(1);
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBe(totalCount);

    // The gateway's CategoryPage for the same category: the same count and the same products, in the same order.
    const gw = await send(gateway(), GATEWAY_CATEGORY_PAGE, { categorySlug: slug, region: 'GB', first: 100 });
    expect(gw.data.products.totalCount).toBe(totalCount);
    expect(gw.data.products.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(all);
    // A card's price is the gateway's lowest price, formatted for en-GB.
    const first = gw.data.products.edges[0].node;
    const res = await send(web(), CATEGORY_PAGE, { slug, region: 'GB', first: 1 });
    expect(res.data.categoryPage.products[0].price.formatted).toBe(formatIn(first.priceRange.min.amount, regions.get('GB')!));
  });

  it('answers an unknown category with null, and a page size out of 1..48 with BAD_USER_INPUT', async () => {
    const unknown = await send(web(), CATEGORY_PAGE, { slug: 'no-such-category', region: 'US', first: 5 });
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data.categoryPage).toBeNull();
    for (const first of [0, 49]) {
      const res = await send(web(), CATEGORY_PAGE, { slug: 'knitwear', region: 'US', first });
      expect(res.status).toBeLessThan(500);
      expect(errorCode(res)).toBe('BAD_USER_INPUT');
    }
  });
});

describe('bff-web searchPage', () => {
  it('finds a product by its exact title on the first page', async () => {
    const [row] = await stackSql<{ id: string; title: string }>('catalogue', 'SELECT id, title FROM product ORDER BY id OFFSET 201 LIMIT 1');
    const res = await send(web(), SEARCH_PAGE, { query: row!.title, region: 'IN', first: 24 });
    expect(res.errors).toBeUndefined();
    const page = res.data.searchPage;
    expect(page.query).toBe(row!.title);
    expect(page.totalCount).toBeGreaterThan(0);
    const hit = page.products.find((p: { id: string }) => p.id === row!.id);
    expect(hit, `${row!.title} on the first page`).toBeDefined();
    expect(hit.title).toBe(row!.title);
    expect(hit.price.currencyCode).toBe('INR');
    expect(hit.price.formatted).toBe(formatIn(hit.price.amount, regions.get('IN')!));
  });

  it('refuses an empty, blank or over-long query with BAD_USER_INPUT, never a 500', async () => {
    for (const query of ['', '   ', 'x'.repeat(201)]) {
      const res = await send(web(), SEARCH_PAGE, { query, region: 'US', first: 5 });
      expect(res.status, JSON.stringify(query)).toBeLessThan(500);
      expect(errorCode(res), JSON.stringify(query)).toBe('BAD_USER_INPUT');
      expect(res.data?.searchPage ?? null).toBeNull();
      expect(leaksInternals(res)).toBeUndefined();
    }
  });
});

describe('bff-web cart', () => {
  it('adds a line (stock lowers at once), refuses more than is available with INSUFFICIENT_STOCK changing nothing, and removing gives the stock back', async () => {
    const sku = await skuWithStock('US', 10, 201);
    await setAvailable(sku, 'US', 6);
    const created = await send(web(), CART_CREATE, { region: 'US' });
    expect(created.errors).toBeUndefined();
    expect(created.data.cartCreate.userErrors).toEqual([]);
    const cartId = created.data.cartCreate.cart.id;
    expect(created.data.cartCreate.cart).toMatchObject({ region: 'US', lines: [], itemCount: 0 });

    const added = await send(web(), CART_ADD_LINE, { cartId, sku, quantity: 2 });
    expect(added.errors).toBeUndefined();
    expect(added.data.cartAddLine.userErrors).toEqual([]);
    const cart = added.data.cartAddLine.cart;
    expect(cart.lines).toHaveLength(1);
    expect(cart.lines[0]).toMatchObject({ sku, quantity: 2 });
    expect(cart.itemCount).toBe(2);
    expect(cart.reservedUntil).toBeTruthy();
    expect(cart.taxLabel).toBe('plus sales tax');
    const us = regions.get('US')!;
    for (const money of [cart.lines[0].lineTotal, cart.subtotal, cart.tax, cart.total]) {
      expect(money.currencyCode).toBe('USD');
      expect(money.formatted).toBe(formatIn(money.amount, us));
    }
    // US is tax-exclusive: total = subtotal + tax.
    expect(Math.round(Number(cart.total.amount) * 100)).toBe(Math.round(Number(cart.subtotal.amount) * 100) + Math.round(Number(cart.tax.amount) * 100));
    expect(await available(sku, 'US')).toBe(4);

    const tooMany = await send(web(), CART_ADD_LINE, { cartId, sku, quantity: 5 });
    expect(tooMany.errors).toBeUndefined();
    expect(tooMany.data.cartAddLine.userErrors.map((e: { code: string }) => e.code)).toEqual(['INSUFFICIENT_STOCK']);
    expect(await available(sku, 'US')).toBe(4);
    const page = await send(web(), CART_PAGE, { cartId });
    expect(page.data.cartPage.lines.map((l: { sku: string; quantity: number }) => [l.sku, l.quantity])).toEqual([[sku, 2]]);
    expect(page.data.cartPage.total).toEqual(cart.total);

    const removed = await send(web(), CART_REMOVE_LINE, { cartId, sku });
    expect(removed.errors).toBeUndefined();
    expect(removed.data.cartRemoveLine.userErrors).toEqual([]);
    expect(removed.data.cartRemoveLine.cart.lines).toEqual([]);
    expect(await available(sku, 'US')).toBe(6);
  });

  it('shows a tax-inclusive region’s cart with tax inside the total, and refuses a quantity outside 1..99', async () => {
    const sku = await skuWithStock('EU', 5, 202);
    const cart = await webCartWith('EU', [{ sku, quantity: 1 }]);
    expect(cart.taxLabel).toBe('incl. tax');
    expect(cart.total.amount).toBe(cart.subtotal.amount);
    expect(cart.total.formatted).toBe(formatIn(cart.total.amount, regions.get('EU')!));
    for (const quantity of [0, 100]) {
      const res = await send(web(), CART_ADD_LINE, { cartId: cart.id, sku, quantity });
      expect(errorCode(res)).toBe('BAD_USER_INPUT');
    }
  });

  it('answers an unknown cart with cartPage: null', async () => {
    const res = await send(web(), CART_PAGE, { cartId: randomUUID() });
    expect(res.errors).toBeUndefined();
    expect(res.data.cartPage).toBeNull();
  });
});

describe('bff-web checkout and accountPage', () => {
  const shopper = `bff_web_shopper_${randomUUID().slice(0, 8)}`;
  const other = `bff_web_other_${randomUUID().slice(0, 8)}`;
  let orderId = '';

  it('places a CONFIRMED order with tok_visa for a signed-in shopper, totals equal to the cart’s', async () => {
    const headers = await bearer(shopper);
    const sku = await skuWithStock('GB', 10, 203);
    await setAvailable(sku, 'GB', 10);
    const cart = await webCartWith('GB', [{ sku, quantity: 2 }], headers);
    const res = await send(web(), CHECKOUT, { cartId: cart.id, idempotencyKey: randomUUID(), paymentToken: 'tok_visa' }, { headers });
    expect(res.errors).toBeUndefined();
    expect(res.data.checkout.userErrors).toEqual([]);
    const order = res.data.checkout.order;
    expect(order.status).toBe('CONFIRMED');
    expect(order.region).toBe('GB');
    expect(order.total).toEqual(cart.total);
    expect(order.subtotal).toEqual(cart.subtotal);
    expect(order.tax).toEqual(cart.tax);
    expect(order.lines.map((l: { sku: string; quantity: number }) => [l.sku, l.quantity])).toEqual([[sku, 2]]);
    expect(order.lines[0].unitPrice.formatted).toBe(formatIn(order.lines[0].unitPrice.amount, regions.get('GB')!));
    expect(await available(sku, 'GB')).toBe(8);
    const [row] = await stackSql<{ user_id: string; status: string }>('orders', 'SELECT user_id, status FROM customer_order WHERE id = $1', [order.id]);
    expect(row).toMatchObject({ user_id: shopper, status: 'CONFIRMED' });
    orderId = order.id;
  });

  it('refuses an anonymous checkout with UNAUTHENTICATED and places no order', async () => {
    const cart = await webCartWith('US', [{ sku: await skuWithStock('US', 5, 204), quantity: 1 }]);
    const res = await send(web(), CHECKOUT, { cartId: cart.id, idempotencyKey: randomUUID(), paymentToken: 'tok_visa' });
    expect(res.status).toBeLessThan(500);
    expect(errorCode(res)).toBe('UNAUTHENTICATED');
    expect(res.data?.checkout ?? null).toBeNull();
    expect(await stackSql('orders', 'SELECT 1 FROM customer_order WHERE cart_id = $1', [cart.id])).toEqual([]);
  });

  it('gives PAYMENT_DECLINED for tok_chargeDeclined: no order, and the stock back', async () => {
    const headers = await bearer(shopper);
    const sku = await skuWithStock('BR', 10, 205);
    await setAvailable(sku, 'BR', 10);
    const cart = await webCartWith('BR', [{ sku, quantity: 3 }], headers);
    expect(await available(sku, 'BR')).toBe(7);
    const res = await send(web(), CHECKOUT, { cartId: cart.id, idempotencyKey: randomUUID(), paymentToken: 'tok_chargeDeclined' }, { headers });
    expect(res.errors).toBeUndefined();
    expect(res.data.checkout.order).toBeNull();
    expect(res.data.checkout.userErrors.map((e: { code: string }) => e.code)).toEqual(['PAYMENT_DECLINED']);
    expect(await stackSql('orders', 'SELECT 1 FROM customer_order WHERE cart_id = $1', [cart.id])).toEqual([]);
    expect(await available(sku, 'BR')).toBe(10);
  });

  it('accountPage: UNAUTHENTICATED without a token or with a forged one; with one, only the shopper’s own orders', async () => {
    const anonymous = await send(web(), ACCOUNT_PAGE, { region: 'GB' });
    expect(errorCode(anonymous)).toBe('UNAUTHENTICATED');
    expect(anonymous.data?.accountPage ?? null).toBeNull();
    const forged = await send(web(), ACCOUNT_PAGE, { region: 'GB' }, { headers: { authorization: 'Bearer not.a.jwt' } });
    expect(errorCode(forged)).toBe('UNAUTHENTICATED');
    expect(leaksInternals(forged)).toBeUndefined();

    expect(orderId).not.toBe('');
    const mine = await send(web(), ACCOUNT_PAGE, { region: 'GB' }, { headers: await bearer(shopper) });
    expect(mine.errors).toBeUndefined();
    expect(mine.data.accountPage.userId).toBe(shopper);
    expect(mine.data.accountPage.orders.map((o: { id: string }) => o.id)).toEqual([orderId]);
    expect(mine.data.accountPage.orders[0].total.currencyCode).toBe('GBP');
    const theirs = await send(web(), ACCOUNT_PAGE, { region: 'GB' }, { headers: await bearer(other) });
    expect(theirs.errors).toBeUndefined();
    expect(theirs.data.accountPage.userId).toBe(other);
    expect(theirs.data.accountPage.orders).toEqual([]);
  });
});

describe('bff-web trackEvent and regions', () => {
  it('trackEvent: accepted for a signed-in shopper, UNAUTHENTICATED when anonymous, BAD_USER_INPUT for an unknown product', async () => {
    const [row] = await stackSql<{ id: string }>('catalogue', 'SELECT id FROM product ORDER BY id OFFSET 202 LIMIT 1');
    const headers = await bearer(`bff_web_tracker_${randomUUID().slice(0, 8)}`);
    const ok = await send(web(), TRACK_EVENT, { type: 'VIEW', productId: row!.id }, { headers });
    expect(ok.errors).toBeUndefined();
    expect(ok.data.trackEvent).toBe(true);
    const anonymous = await send(web(), TRACK_EVENT, { type: 'VIEW', productId: row!.id });
    expect(errorCode(anonymous)).toBe('UNAUTHENTICATED');
    // The gateway refuses the unknown id; bff-web passes the code on with a message of its own.
    const unknown = await send(web(), TRACK_EVENT, { type: 'VIEW', productId: 'prod_nope' }, { headers });
    expect(errorCode(unknown)).toBe('BAD_USER_INPUT');
    expect(leaksInternals(unknown)).toBeUndefined();
  });

  it('regions: the five regions with the currency and locale pricing gives them', async () => {
    const res = await send(web(), REGIONS);
    expect(res.errors).toBeUndefined();
    expect(res.data.regions).toHaveLength(5);
    for (const r of res.data.regions) {
      const g = regions.get(r.code)!;
      expect(r).toMatchObject({ currencyCode: g.currencyCode, locale: g.locale, taxIncluded: g.taxIncluded });
      expect(r.name.length).toBeGreaterThan(0);
    }
    expect(new Set(res.data.regions.map((r: { code: string }) => r.code))).toEqual(new Set(['US', 'EU', 'GB', 'IN', 'BR']));
  });
});
