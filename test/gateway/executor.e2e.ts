import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, CART, CART_ADD_LINE, CART_CREATE, contractOperation, freePort, gatewayEnvForStack, metricValue, skuWithStock, stackSql as sql, stackUrls, startExtra, type ExtraService } from '../harness/index.ts';

/**
 * The gateway runs query plans with its own executor (gateway/src/executor/).
 * Differential test: the same requests through a gateway with its own
 * executor (the default) and through a gateway running @apollo/gateway's executeQueryPlan
 * (QUERY_PLAN_EXECUTOR=apollo) in front of the same subgraphs must give the
 * same status and byte-for-byte the same body: every contract operation, a
 * multi-hop listing, the GraphQL features the shaping step handles (aliases,
 * fragments, @skip/@include, __typename), subgraph errors inside entity
 * fetches, and, with a subgraph down, errors and nulls bubbling up.
 */

const PRODUCT_PAGE = contractOperation('gateway/ProductPage.graphql', 'ProductPage');
const CATEGORY_PAGE = contractOperation('gateway/CategoryPage.graphql', 'CategoryPage');
const SEARCH = contractOperation('gateway/Search.graphql', 'Search');
const REGIONS = contractOperation('gateway/Regions.graphql', 'Regions');
const ME = contractOperation('gateway/Me.graphql', 'Me');

/** Catalogue → inventory, pricing, personalization → catalogue → inventory, pricing (the bench's heavy operation). */
const LISTING = `query Listing($region: RegionCode!, $first: Int!, $after: String) {
  products(first: $first, after: $after) {
    totalCount
    edges { cursor node {
      id slug title brand tags
      category { id slug name }
      images { url altText }
      availableForSale(region: $region)
      priceRange(region: $region) { min { amount currencyCode } max { amount currencyCode } }
      variants { sku title options { name value } price(region: $region) { amount { amount currencyCode } compareAt { amount currencyCode } taxIncluded } stock(region: $region) { available badge } }
      recommendations(region: $region, first: 3) { score reason product { id slug title variants { sku price(region: $region) { amount { amount currencyCode } } stock(region: $region) { badge } } } }
    } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** Aliases (one named like an Object.prototype member), named and inline fragments on the same type, @skip/@include, __typename everywhere. */
const FEATURES = `query Features($slug: String!, $region: RegionCode!, $withStock: Boolean!, $noPrice: Boolean = false) {
  __typename
  first: product(slug: $slug) { ...Head id }
  product(slug: $slug) {
    __typename
    kind: __typename
    constructor: title
    ... on Product { slug variants { sku } }
    ...Head
    ... @include(if: $withStock) { variants { stock(region: $region) { available badge __typename } } }
    variants {
      price(region: $region) @skip(if: $noPrice) { amount { amount } }
      sku
      label: title @skip(if: true)
      title @include(if: true)
    }
    priceRange(region: $region) { max { currencyCode } min { ...Money } }
  }
  missing: product(slug: "no-such-product") { id title }
}
fragment Head on Product { title category { __typename slug } }
fragment Money on Money { amount currencyCode }`;

interface Answer {
  status: number;
  body: string;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', 'x-request-id': 'executor-diff', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.text() };
}

const started: ExtraService[] = [];
let own: ExtraService;
let apollo: ExtraService;

beforeAll(async () => {
  // Both private to this file, so that their executions can be counted exactly.
  [own, apollo] = await Promise.all([startExtra('gateway', gatewayEnvForStack()), startExtra('gateway', gatewayEnvForStack({ QUERY_PLAN_EXECUTOR: 'apollo' }))]);
  started.push(own, apollo);
}, 90_000);

/** Operations a gateway ran so far, by executor (shop_gateway_executions_total). */
async function executions(gateway: ExtraService): Promise<{ own: number; apollo: number }> {
  return { own: await metricValue(gateway.url, 'shop_gateway_executions_total', { executor: 'own' }), apollo: await metricValue(gateway.url, 'shop_gateway_executions_total', { executor: 'apollo' }) };
}

afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
});

/** Sends one request to both gateways and expects the same answer; returns it parsed. */
let compared = 0;
async function same(ours: string, theirs: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  compared++;
  const [a, b] = await Promise.all([post(ours, body, headers), post(theirs, body, headers)]);
  expect({ status: a.status, body: a.body }).toEqual({ status: b.status, body: b.body });
  return { status: a.status, json: JSON.parse(a.body) };
}

describe('own plan executor against @apollo/gateway executeQueryPlan', () => {
  const ours = () => own.url;

  it('runs the plans itself: Apollo’s executor only for introspection', async () => {
    const before = await executions(own);
    await same(ours(), apollo.url, { query: REGIONS });
    await same(ours(), apollo.url, { query: '{ __schema { queryType { name } } }' });
    expect(await executions(own)).toEqual({ own: before.own + 1, apollo: before.apollo + 1 });
    // The other gateway has no own executor at all.
    expect(await executions(apollo)).toEqual({ own: 0, apollo: 0 });
  });

  it('sends the entity fetches of one parallel stage to the same subgraph as one request', async () => {
    // ProductPage's plan asks inventory and pricing twice each at once (the product, then its variants).
    const slug = (await sql<{ slug: string }>('catalogue', 'SELECT slug FROM product ORDER BY id LIMIT 1'))[0]!.slug;
    const requests = (url: string) => metricValue(url, 'shop_http_request_duration_seconds_count', { route: 'graphql' });
    const counted = async (gateway: string) => {
      const before = await Promise.all([requests(stackUrls().inventory), requests(stackUrls().pricing)]);
      for (let i = 0; i < 5; i++) await post(gateway, { query: PRODUCT_PAGE, variables: { slug, region: 'EU' } });
      const after = await Promise.all([requests(stackUrls().inventory), requests(stackUrls().pricing)]);
      return { inventory: after[0] - before[0], pricing: after[1] - before[1] };
    };
    expect(await counted(apollo.url)).toEqual({ inventory: 10, pricing: 10 });
    expect(await counted(ours())).toEqual({ inventory: 5, pricing: 5 });
    await same(ours(), apollo.url, { query: PRODUCT_PAGE, variables: { slug, region: 'EU' } });
  });

  it('answers every contract query identically, in every region', async () => {
    const slugs = (await sql<{ slug: string }>('catalogue', 'SELECT slug FROM product ORDER BY id LIMIT 4')).map((r) => r.slug);
    const categories = (await sql<{ slug: string }>('catalogue', 'SELECT slug FROM category ORDER BY slug LIMIT 3')).map((r) => r.slug);
    const before = await executions(own);
    const comparedBefore = compared;
    let answered = 0;
    for (const region of ['US', 'EU', 'GB', 'IN', 'BR']) {
      for (const slug of [...slugs, 'no-such-product']) {
        const { json } = await same(ours(), apollo.url, { query: PRODUCT_PAGE, variables: { slug, region } });
        if (json.data?.product) answered++;
      }
      for (const categorySlug of categories) {
        const first = await same(ours(), apollo.url, { query: CATEGORY_PAGE, variables: { categorySlug, region, first: 5 } });
        const after = first.json.data?.category?.products?.pageInfo?.endCursor ?? first.json.data?.products?.pageInfo?.endCursor;
        if (after) await same(ours(), apollo.url, { query: CATEGORY_PAGE, variables: { categorySlug, region, first: 5, after } });
      }
      await same(ours(), apollo.url, { query: SEARCH, variables: { query: slugs[0]!.split('-')[0], region, first: 10 } });
    }
    await same(ours(), apollo.url, { query: REGIONS });
    expect(answered).toBe(slugs.length * 5);
    // Every one of them ran on the own executor.
    expect(await executions(own)).toEqual({ own: before.own + compared - comparedBefore, apollo: before.apollo });
  });

  it('answers the multi-hop listing identically, page after page', async () => {
    let after: string | undefined;
    for (const region of ['US', 'EU', 'BR']) {
      const { json } = await same(ours(), apollo.url, { query: LISTING, variables: { region, first: 20, ...(after ? { after } : {}) } });
      expect(json.errors).toBeUndefined();
      expect(json.data.products.edges).toHaveLength(20);
      expect(json.data.products.edges[0].node.recommendations[0].product.variants[0].stock.badge).toMatch(/STOCK/);
      after = json.data.products.pageInfo.endCursor;
    }
  });

  it('shapes aliases, fragments, @skip/@include and __typename identically', async () => {
    const slug = (await sql<{ slug: string }>('catalogue', 'SELECT slug FROM product ORDER BY id LIMIT 1'))[0]!.slug;
    for (const withStock of [true, false]) {
      for (const noPrice of [true, false, undefined]) {
        const variables = { slug, region: 'GB', withStock, ...(noPrice === undefined ? {} : { noPrice }) };
        const { json } = await same(ours(), apollo.url, { query: FEATURES, variables });
        expect(json.errors).toBeUndefined();
        expect(json.data.product.constructor).toBe(json.data.first.title);
        expect(json.data.product.kind).toBe('Product');
        expect('price' in json.data.product.variants[0]).toBe(noPrice !== true);
        expect('stock' in json.data.product.variants[0]).toBe(withStock);
        expect(json.data.missing).toBeNull();
      }
    }
    // Only __typename: a plan without any fetch.
    const { json } = await same(ours(), apollo.url, { query: '{ __typename t: __typename }' });
    expect(json.data).toEqual({ __typename: 'Query', t: 'Query' });
  });

  it('gives the same errors: bad input in root and entity fetches, bad variables, operation names, introspection', async () => {
    const slug = (await sql<{ slug: string }>('catalogue', 'SELECT slug FROM product ORDER BY id LIMIT 1'))[0]!.slug;
    // A subgraph refuses an argument inside an entity fetch (personalization, under product.recommendations).
    const entity = await same(ours(), apollo.url, { query: 'query($slug: String!) { product(slug: $slug) { title recommendations(region: US, first: 100000) { score } } }', variables: { slug } });
    expect(entity.json.errors?.[0]?.path?.[0]).toBe('product');
    // …and in the root fetch.
    const root = await same(ours(), apollo.url, { query: SEARCH, variables: { query: '', region: 'US', first: 5 } });
    expect(root.json.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    // Variables of the wrong type, missing, or unknown operation names.
    await same(ours(), apollo.url, { query: PRODUCT_PAGE, variables: { slug: 42, region: 'MARS' } });
    await same(ours(), apollo.url, { query: PRODUCT_PAGE, variables: {} });
    await same(ours(), apollo.url, { query: `${REGIONS}\nquery Other { regions { code } }` });
    await same(ours(), apollo.url, { query: REGIONS, operationName: 'Nope' });
    // Introspection is left to Apollo's executor.
    const introspection = await same(ours(), apollo.url, { query: '{ __schema { queryType { name } } __type(name: "Product") { name fields { name } } }' });
    expect(introspection.json.data.__schema.queryType.name).toBe('Query');
  });

  it('answers a shopper’s cart and account identically', async () => {
    const headers = await bearer('executor-diff-shopper');
    const sku = await skuWithStock('EU', 2);
    const created = await same(ours(), apollo.url, { query: REGIONS }, headers);
    expect(created.status).toBe(200);
    const cartRes = await post(ours(), { query: CART_CREATE, variables: { region: 'EU' } }, headers);
    const cartId = JSON.parse(cartRes.body).data.cartCreate.cart.id as string;
    await post(ours(), { query: CART_ADD_LINE, variables: { cartId, sku, quantity: 1 } }, headers);
    const cart = await same(ours(), apollo.url, { query: CART, variables: { cartId } }, headers);
    expect(cart.json.data.cart.lines).toHaveLength(1);
    await same(ours(), apollo.url, { query: ME, variables: { region: 'EU' } }, headers);
    // A mutation's validation error, before anything is written.
    await same(ours(), apollo.url, { query: CART_ADD_LINE, variables: { cartId, sku, quantity: -1 } }, headers);
  });
});

describe('own plan executor with a subgraph down', () => {
  let own: ExtraService;
  let theirs: ExtraService;

  beforeAll(async () => {
    const dead = `http://127.0.0.1:${await freePort()}/graphql`;
    [own, theirs] = await Promise.all([
      startExtra('gateway', gatewayEnvForStack({ INVENTORY_URL: dead })),
      startExtra('gateway', gatewayEnvForStack({ INVENTORY_URL: dead, QUERY_PLAN_EXECUTOR: 'apollo' })),
    ]);
    started.push(own, theirs);
  }, 90_000);

  it('gives the same errors, paths and nulls', async () => {
    const slug = (await sql<{ slug: string }>('catalogue', 'SELECT slug FROM product ORDER BY id LIMIT 1'))[0]!.slug;
    const page = await same(own.url, theirs.url, { query: PRODUCT_PAGE, variables: { slug, region: 'US' } });
    expect(page.json.errors?.some((e: { extensions?: { code?: string } }) => e.extensions?.code === 'UPSTREAM_UNAVAILABLE')).toBe(true);
    const listing = await same(own.url, theirs.url, { query: LISTING, variables: { region: 'EU', first: 5 } });
    expect(listing.json.errors?.length).toBeGreaterThan(0);
  });
});
