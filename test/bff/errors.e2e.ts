import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  bffEnvForStack,
  bffUrls,
  errorCode,
  freePort,
  gatewayEnvForStack,
  leaksInternals,
  metricValue,
  send,
  stackSql,
  stackUrls,
  startExtra,
  type ExtraService,
} from '../harness/index.ts';

/**
 * What a BFF's clients see when something goes wrong: always a code from the
 * BFF's own list with a message of its own (never an upstream's message or a
 * stack), the right HTTP status, and, when only an optional part of a page
 * fails, the page without that part.
 */

const WEB_PRODUCT = `query WebProduct($slug: String!, $region: RegionCode!) {
  productPage(slug: $slug, region: $region) { product { id title } variants { sku price { formatted } stock { available } } recommendations { id } }
}`;
const MOBILE_PRODUCT = `query MobileProduct($slug: String!, $region: RegionCode!) {
  productDetail(slug: $slug, region: $region) { id title priceMinor variants { sku priceMinor available } recommendations { id } }
}`;
const WEB_CATEGORY = 'query Category($slug: String!, $region: RegionCode!, $after: String) { categoryPage(slug: $slug, region: $region, first: 5, after: $after) { totalCount products { id } } }';
const MOBILE_CATEGORY = 'query Category($slug: String!, $region: RegionCode!, $after: String) { categoryScreen(slug: $slug, region: $region, first: 5, after: $after) { totalCount items { id } } }';
const GATEWAY_CATEGORY = 'query Category($slug: String!, $after: String) { products(first: 5, after: $after, filter: { categorySlug: $slug }) { totalCount } }';
const WEB_ACCOUNT = 'query Account($region: RegionCode!) { accountPage(region: $region) { userId orders { id } recommendations { id } } }';

const started: ExtraService[] = [];
afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
});

let slug: string;
beforeAll(async () => {
  const [row] = await stackSql<{ slug: string }>('catalogue', 'SELECT slug FROM product ORDER BY id OFFSET 330 LIMIT 1');
  slug = row!.slug;
});

const both = () => [
  { name: 'bff-web', url: bffUrls().web, product: WEB_PRODUCT, category: WEB_CATEGORY },
  { name: 'bff-mobile', url: bffUrls().mobile, product: MOBILE_PRODUCT, category: MOBILE_CATEGORY },
];

describe('BFF errors', () => {
  it('a slug of a bad length is BAD_USER_INPUT naming the argument', async () => {
    for (const bff of both()) {
      for (const bad of ['', 'x'.repeat(201)]) {
        const res = await send(bff.url, bff.product, { slug: bad, region: 'US' });
        expect(res.status, bff.name).toBeLessThan(500);
        expect(errorCode(res), bff.name).toBe('BAD_USER_INPUT');
        expect(res.errors![0]!.extensions!.argumentName).toBe('slug');
        expect(leaksInternals(res)).toBeUndefined();
      }
    }
  });

  it('a gateway error becomes the BFF’s code with the BFF’s own message, never the upstream’s', async () => {
    // The gateway refuses a forged cursor (BAD_USER_INPUT, with catalogue's message); the BFFs let it through to the gateway.
    const upstream = await send(stackUrls().gateway, GATEWAY_CATEGORY, { slug: 'rugs', after: 'bm90LWEtY3Vyc29y' });
    expect(errorCode(upstream)).toBe('BAD_USER_INPUT');
    const upstreamMessage = upstream.errors![0]!.message;
    for (const bff of both()) {
      const res = await send(bff.url, bff.category, { slug: 'rugs', region: 'US', after: 'bm90LWEtY3Vyc29y' });
      expect(res.status, bff.name).toBeLessThan(500);
      expect(errorCode(res), bff.name).toBe('BAD_USER_INPUT');
      expect(res.errors![0]!.message, bff.name).not.toBe(upstreamMessage);
      expect(res.errors![0]!.message, bff.name).not.toContain(upstreamMessage);
      expect(res.errors![0]!.extensions).not.toHaveProperty('stacktrace');
      expect(res.errors![0]!.extensions).not.toHaveProperty('exception');
      expect(leaksInternals(res)).toBeUndefined();
    }
    // A token the gateway refuses (401 there) is UNAUTHENTICATED here.
    for (const bff of both()) {
      const res = await send(bff.url, bff.product, { slug, region: 'US' }, { headers: { authorization: 'Bearer not.a.jwt' } });
      expect(errorCode(res), bff.name).toBe('UNAUTHENTICATED');
      expect(leaksInternals(res)).toBeUndefined();
    }
  });

  it('a document that is not valid for the BFF’s schema is GRAPHQL_VALIDATION_FAILED with HTTP 400', async () => {
    for (const bff of both()) {
      const field = bff.name === 'bff-web' ? 'productPage' : 'productDetail';
      for (const document of ['query Nope { nope }', `query Literal { ${field}(slug: "x", region: XX) { id: __typename } }`, 'query Broken {']) {
        const res = await send(bff.url, document);
        expect(res.status, `${bff.name} ${document}`).toBe(400);
        expect(errorCode(res), `${bff.name} ${document}`).toBe('GRAPHQL_VALIDATION_FAILED');
        expect(res.data ?? null).toBeNull();
      }
    }
  });

  it('a variable of the wrong value (an unknown region) is BAD_USER_INPUT naming the variable, with HTTP 400, never an internal error', async () => {
    for (const bff of both()) {
      const res = await send(bff.url, bff.product, { slug, region: 'XX' });
      expect(res.status, bff.name).toBe(400);
      expect(errorCode(res), bff.name).toBe('BAD_USER_INPUT');
      expect(res.errors![0]!.message, bff.name).toContain('$region');
      expect(res.data ?? null).toBeNull();
      expect(leaksInternals(res)).toBeUndefined();
    }
  });

  it('a body that is not JSON is BAD_REQUEST with HTTP 400', async () => {
    const broken = { stringify: () => '{"query": "{ regions { code } }", ', parse: (text: string) => JSON.parse(text) as unknown };
    for (const bff of both()) {
      const res = await send(bff.url, 'query Q { __typename }', {}, { jsonSerializer: broken });
      expect(res.status, bff.name).toBe(400);
      expect(errorCode(res), bff.name).toBe('BAD_REQUEST');
      expect(leaksInternals(res)).toBeUndefined();
    }
  });

  it('a gateway where nothing listens is UPSTREAM_UNAVAILABLE, without the address or the network error', async () => {
    const dead = `http://127.0.0.1:${await freePort()}/graphql`;
    const mobile = await startExtra('bff-mobile', { GATEWAY_URL: dead, GATEWAY_TIMEOUT_MS: '2000', PAGE_CACHE: 'false' });
    started.push(mobile);
    const t0 = Date.now();
    const res = await send(mobile.url, MOBILE_PRODUCT, { slug, region: 'US' });
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(res.status).toBeLessThan(500);
    expect(errorCode(res)).toBe('UPSTREAM_UNAVAILABLE');
    expect(res.data?.productDetail ?? null).toBeNull();
    expect(leaksInternals(res)).toBeUndefined();
    expect(JSON.stringify(res.errors)).not.toContain(new URL(dead).port);
  });
});

/**
 * Personalization down for real: an extra gateway whose PERSONALIZATION_URL
 * points at a port where nothing listens, and an extra bff-web and bff-mobile
 * on it (on the stack's bus, so with their page cache on).
 */
describe('BFFs with personalization down', () => {
  let web: ExtraService;
  let mobile: ExtraService;

  beforeAll(async () => {
    const gateway = await startExtra('gateway', gatewayEnvForStack({ PERSONALIZATION_URL: `http://127.0.0.1:${await freePort()}/graphql` }));
    started.push(gateway);
    [web, mobile] = await Promise.all([startExtra('bff-web', bffEnvForStack(gateway.url)), startExtra('bff-mobile', bffEnvForStack(gateway.url))]);
    started.push(web!, mobile!);
  });

  it('render the product page without recommendations (recommendations: []) and without an error', async () => {
    for (const [healthy, degraded, field] of [
      [bffUrls().web, web.url, 'productPage'],
      [bffUrls().mobile, mobile.url, 'productDetail'],
    ] as const) {
      const document = field === 'productPage' ? WEB_PRODUCT : MOBILE_PRODUCT;
      const res = await send(degraded, document, { slug, region: 'EU' });
      expect(res.status).toBe(200);
      expect(res.errors).toBeUndefined();
      const page = res.data[field];
      expect(page.recommendations).toEqual([]);
      // Everything else is the page the healthy stack's BFF renders.
      const full = (await send(healthy, document, { slug, region: 'EU' })).data[field];
      expect(full.recommendations.length, 'the healthy page has recommendations').toBeGreaterThan(0);
      expect({ ...page, recommendations: undefined }).toEqual({ ...full, recommendations: undefined });
    }
  });

  it('do not cache the partial page (while the cache works for whole pages)', async () => {
    for (const [url, product, category] of [
      [web.url, WEB_PRODUCT, WEB_CATEGORY],
      [mobile.url, MOBILE_PRODUCT, MOBILE_CATEGORY],
    ] as const) {
      const hits = () => metricValue(url, 'shop_bff_page_cache_total', { result: 'hit' });
      const misses = () => metricValue(url, 'shop_bff_page_cache_total', { result: 'miss' });
      // A category page needs no personalization: whole, cached, and the second request is a hit.
      await send(url, category, { slug: 'rugs', region: 'GB' });
      const h0 = await hits();
      await send(url, category, { slug: 'rugs', region: 'GB' });
      expect(await hits()).toBe(h0 + 1);
      // The partial product page: every request misses and goes to the gateway again.
      const m0 = await misses();
      const h1 = await hits();
      for (let i = 0; i < 3; i++) expect((await send(url, product, { slug, region: 'GB' })).errors).toBeUndefined();
      expect(await misses()).toBe(m0 + 3);
      expect(await hits()).toBe(h1);
    }
  });

  it('render the signed-in account page without recommendations', async () => {
    const res = await send(web.url, WEB_ACCOUNT, { region: 'US' }, { headers: await bearer('bff_outage_shopper') });
    expect(res.errors).toBeUndefined();
    expect(res.data.accountPage).toMatchObject({ userId: 'bff_outage_shopper', recommendations: [] });
  });
});
