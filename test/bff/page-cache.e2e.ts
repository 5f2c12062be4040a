import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  available,
  bearer,
  bffEnvForStack,
  bffUrls,
  formatIn,
  gatewayRegions,
  graphqlRequests,
  metricValue,
  minorUnits,
  send,
  setPrice,
  skuWithStock,
  stackSql,
  stackUrls,
  startExtra,
  type ClientResult,
  type ExtraService,
  type GatewayRegion,
} from '../harness/index.ts';

/**
 * The BFFs' page cache: anonymous, region-scoped pages are served from it,
 * and events (outbox -> relay -> bus -> BFF) drop a page as soon as what it
 * shows changes, so the next request sees the change. Signed-in requests
 * never touch it.
 */

const WEB_PRODUCT = `query WebProduct($slug: String!, $region: RegionCode!) {
  productPage(slug: $slug, region: $region) { product { id } variants { sku price { formatted compareAtFormatted amount } stock { available badge } } }
}`;
const MOBILE_PRODUCT = `query MobileProduct($slug: String!, $region: RegionCode!) {
  productDetail(slug: $slug, region: $region) { id variants { sku priceMinor compareAtMinor available } }
}`;
const WEB_ADD_LINE = 'mutation Add($cartId: ID!, $sku: ID!, $quantity: Int!) { cartAddLine(cartId: $cartId, sku: $sku, quantity: $quantity) { cart { id } userErrors { code } } }';
const WEB_REMOVE_LINE = 'mutation Remove($cartId: ID!, $sku: ID!) { cartRemoveLine(cartId: $cartId, sku: $sku) { cart { id } userErrors { code } } }';
const WEB_CART_CREATE = 'mutation Create($region: RegionCode!) { cartCreate(region: $region) { cart { id } userErrors { code } } }';

/**
 * How long an event may take from a committed change to a dropped page
 * (outbox -> relay -> bus -> BFF). It takes 100-250 ms here; the bound is
 * loose because the e2e machine (2 cores) also runs other stacks, and still
 * far below the page TTL (60 s), so only an event can make a test pass.
 */
const PROPAGATION_MS = 5_000;

const cacheHits = (url: string) => metricValue(url, 'shop_bff_page_cache_total', { result: 'hit' });
const cacheLookups = async (url: string) => (await metricValue(url, 'shop_bff_page_cache_total')) as number;

interface Priced {
  sku: string;
  slug: string;
  amount: string;
  compareAt: string | null;
}

/** A sku's product slug and its current price in `region` (from pricing's database). */
async function pricedSku(region: string, skip: number): Promise<Priced> {
  const [row] = await stackSql<{ sku: string; product_id: string; amount_minor: string; compare_at_minor: string | null }>(
    'pricing',
    'SELECT sku, product_id, amount_minor, compare_at_minor FROM price WHERE region = $1 AND compare_at_minor IS NULL ORDER BY sku OFFSET $2 LIMIT 1',
    [region, skip],
  );
  const [product] = await stackSql<{ slug: string }>('catalogue', 'SELECT slug FROM product WHERE id = $1', [row!.product_id]);
  const decimal = (minor: string) => `${Math.floor(Number(minor) / 100)}.${String(Number(minor) % 100).padStart(2, '0')}`;
  return { sku: row!.sku, slug: product!.slug, amount: decimal(row!.amount_minor), compareAt: row!.compare_at_minor === null ? null : decimal(row!.compare_at_minor) };
}

/** Asks `read` until `accept` holds or `ms` pass (fails the test on timeout). */
async function within(ms: number, read: () => Promise<unknown>, accept: (value: any) => boolean, what: string): Promise<void> {
  const t0 = Date.now();
  let last: unknown;
  while (Date.now() - t0 < ms) {
    last = await read();
    if (accept(last)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${what}: not seen within ${ms} ms; last answer ${JSON.stringify(last)}`);
}

let regions: Map<string, GatewayRegion>;
const restore: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  regions = new Map((await gatewayRegions()).map((r) => [r.code, r]));
});
afterAll(async () => {
  for (const undo of restore.reverse()) await undo();
});

describe('bff-web page cache', () => {
  it('serves a repeated anonymous product page from the cache: a hit, and no gateway request', async () => {
    const { slug } = await pricedSku('US', 301);
    const web = bffUrls().web;
    const first = await send(web, WEB_PRODUCT, { slug, region: 'US' });
    expect(first.errors).toBeUndefined();
    const hits = await cacheHits(web);
    const gatewayBefore = await graphqlRequests(stackUrls().gateway);
    const again = await send(web, WEB_PRODUCT, { slug, region: 'US' });
    expect(again.data).toEqual(first.data);
    expect(await cacheHits(web)).toBe(hits + 1);
    expect(await graphqlRequests(stackUrls().gateway)).toBe(gatewayBefore);
    // Another region is another page: a miss, served by the gateway.
    const eu = await send(web, WEB_PRODUCT, { slug, region: 'EU' });
    expect(eu.errors).toBeUndefined();
    expect(await graphqlRequests(stackUrls().gateway)).toBe(gatewayBefore + 1);
  });

  it('shows a price change (pricing setPrice) on the next request, within moments (not the page TTL)', async () => {
    const target = await pricedSku('GB', 302);
    restore.push(() => setPrice(target.sku, 'GB', target.amount, target.compareAt));
    const web = bffUrls().web;
    const gb = regions.get('GB')!;
    const variantOf = (res: ClientResult) => res.data.productPage.variants.find((v: { sku: string }) => v.sku === target.sku);
    // Cached first: two requests, the second a hit, both with the old price.
    expect(variantOf(await send(web, WEB_PRODUCT, { slug: target.slug, region: 'GB' })).price.amount).toBe(target.amount);
    const hits = await cacheHits(web);
    expect(variantOf(await send(web, WEB_PRODUCT, { slug: target.slug, region: 'GB' })).price.amount).toBe(target.amount);
    expect(await cacheHits(web)).toBe(hits + 1);

    const newAmount = (minorUnits(target.amount) + 137) / 100;
    const amount = newAmount.toFixed(2);
    const compareAt = (newAmount + 10).toFixed(2);
    await setPrice(target.sku, 'GB', amount, compareAt);
    await within(
      PROPAGATION_MS,
      async () => variantOf(await send(web, WEB_PRODUCT, { slug: target.slug, region: 'GB' })).price,
      (price) => price.amount === amount,
      'the new price on the anonymous page',
    );
    const price = variantOf(await send(web, WEB_PRODUCT, { slug: target.slug, region: 'GB' })).price;
    expect(price).toEqual({ amount, formatted: formatIn(amount, gb), compareAtFormatted: formatIn(compareAt, gb) });
  });

  it('shows a stock change (a cart add, then its removal) in `available` on the next anonymous request', async () => {
    // No stock set-up beforehand: its own events would still be arriving and dropping the page while it is measured.
    const sku = await skuWithStock('EU', 10, 303);
    const units = await available(sku, 'EU');
    const [item] = await stackSql<{ product_id: string }>('inventory', 'SELECT product_id FROM inventory_item WHERE sku = $1', [sku]);
    const [product] = await stackSql<{ slug: string }>('catalogue', 'SELECT slug FROM product WHERE id = $1', [item!.product_id]);
    const web = bffUrls().web;
    const availableOnPage = async () =>
      (await send(web, WEB_PRODUCT, { slug: product!.slug, region: 'EU' })).data.productPage.variants.find((v: { sku: string }) => v.sku === sku).stock.available as number;
    expect(await availableOnPage()).toBe(units);
    const hits = await cacheHits(web);
    expect(await availableOnPage()).toBe(units);
    expect(await cacheHits(web)).toBe(hits + 1);

    const cart = await send(web, WEB_CART_CREATE, { region: 'EU' });
    const cartId = cart.data.cartCreate.cart.id;
    const added = await send(web, WEB_ADD_LINE, { cartId, sku, quantity: 4 });
    expect(added.data.cartAddLine.userErrors).toEqual([]);
    await within(PROPAGATION_MS, availableOnPage, (n) => n === units - 4, 'stock lowered by the cart');
    const removed = await send(web, WEB_REMOVE_LINE, { cartId, sku });
    expect(removed.data.cartRemoveLine.userErrors).toEqual([]);
    await within(PROPAGATION_MS, availableOnPage, (n) => n === units, 'stock given back by the removal');
  });

  it('never serves a signed-in shopper from the shared cache', async () => {
    const { slug } = await pricedSku('IN', 304);
    const web = bffUrls().web;
    const headers = await bearer(`bff_cache_shopper_${randomUUID().slice(0, 8)}`);
    // The anonymous page is in the cache...
    await send(web, WEB_PRODUCT, { slug, region: 'IN' });
    const anonymous = await send(web, WEB_PRODUCT, { slug, region: 'IN' });
    const lookups = await cacheLookups(web);
    const gatewayBefore = await graphqlRequests(stackUrls().gateway);
    // ...yet each signed-in request goes to the gateway and does not even look it up.
    for (let i = 0; i < 3; i++) {
      const signedIn = await send(web, WEB_PRODUCT, { slug, region: 'IN' }, { headers });
      expect(signedIn.errors).toBeUndefined();
      expect(signedIn.data.productPage.product.id).toBe(anonymous.data.productPage.product.id);
    }
    expect(await cacheLookups(web)).toBe(lookups);
    expect(await graphqlRequests(stackUrls().gateway)).toBe(gatewayBefore + 3);
  });
});

describe('bff-mobile page cache', () => {
  it('serves a repeated anonymous product screen from the cache and drops it on a price change', async () => {
    const target = await pricedSku('BR', 305);
    restore.push(() => setPrice(target.sku, 'BR', target.amount, target.compareAt));
    const mobile = bffUrls().mobile;
    const variantOf = async () =>
      (await send(mobile, MOBILE_PRODUCT, { slug: target.slug, region: 'BR' })).data.productDetail.variants.find((v: { sku: string }) => v.sku === target.sku);
    expect((await variantOf()).priceMinor).toBe(minorUnits(target.amount));
    const hits = await cacheHits(mobile);
    const gatewayBefore = await graphqlRequests(stackUrls().gateway);
    expect((await variantOf()).priceMinor).toBe(minorUnits(target.amount));
    expect(await cacheHits(mobile)).toBe(hits + 1);
    expect(await graphqlRequests(stackUrls().gateway)).toBe(gatewayBefore);

    const amount = ((minorUnits(target.amount) + 250) / 100).toFixed(2);
    await setPrice(target.sku, 'BR', amount, null);
    await within(PROPAGATION_MS, variantOf, (v) => v.priceMinor === minorUnits(amount) && v.compareAtMinor === null, 'the new price on the anonymous screen');
  });
});

/**
 * With Redis, every process of a BFF shares a second cache level: a page one
 * process fetched is served by another without a gateway request, and an
 * event drops it from both. A second bff-web process on the stack's gateway
 * and Redis shows it (Redis runs only).
 */
describe.skipIf(!inject('redisUrl'))('bff-web page cache shared through Redis', () => {
  let second: ExtraService;
  beforeAll(async () => {
    second = await startExtra('bff-web', bffEnvForStack(stackUrls().gateway));
    restore.push(() => second.stop());
  });

  it('serves a page another process cached, and drops it in both on a price change', async () => {
    const target = await pricedSku('US', 306);
    restore.push(() => setPrice(target.sku, 'US', target.amount, target.compareAt));
    const priceOn = async (url: string) =>
      (await send(url, WEB_PRODUCT, { slug: target.slug, region: 'US' })).data.productPage.variants.find((v: { sku: string }) => v.sku === target.sku).price.amount as string;
    // The second process learns the regions first (its own gateway request), so that only the page is measured.
    expect((await send(second.url, 'query R { regions { code } }')).data.regions).toHaveLength(5);
    expect(await priceOn(bffUrls().web)).toBe(target.amount);
    const hits = await cacheHits(second.url);
    const gatewayBefore = await graphqlRequests(stackUrls().gateway);
    expect(await priceOn(second.url)).toBe(target.amount);
    expect(await cacheHits(second.url)).toBe(hits + 1);
    expect(await graphqlRequests(stackUrls().gateway)).toBe(gatewayBefore);

    const amount = ((minorUnits(target.amount) + 99) / 100).toFixed(2);
    await setPrice(target.sku, 'US', amount, null);
    for (const url of [bffUrls().web, second.url]) await within(PROPAGATION_MS, () => priceOn(url), (a) => a === amount, `the new price on ${url}`);
  });
});
