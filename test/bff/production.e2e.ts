import { readFileSync } from 'node:fs';
import path from 'node:path';
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '@shop/stack';
import {
  bffEnvForStack,
  bffUrls,
  documentHash,
  E2E_PRODUCTION_JWT_SECRET,
  errorCode,
  gatewayEnvForStack,
  graphqlRequests,
  persistedQuery,
  send,
  stackSql,
  stackUrls,
  startExtra,
  type ExtraService,
} from '../harness/index.ts';

/**
 * Production mode: the gateway runs only the operations registered in the
 * BFFs' codegen manifests (trusted documents, sent by hash), and neither it
 * nor a BFF serves GraphiQL or answers introspection. An extra gateway and an
 * extra bff-web run in production mode next to the shared (development) stack,
 * on its subgraphs and its internal credential.
 */

const SCHEMA_ROOT = 'query SchemaRoot { __schema { queryType { name } } }';
/** What GraphiQL, IDEs and codegen send: the full introspection query. */
const FULL_INTROSPECTION = getIntrospectionQuery();
const WEB_PRODUCT = 'query WebProduct($slug: String!, $region: RegionCode!) { productPage(slug: $slug, region: $region) { product { id title } price { formatted } } }';

function manifest(bff: 'bff-web' | 'bff-mobile'): Record<string, string> {
  return JSON.parse(readFileSync(path.join(ROOT, bff, 'src/__generated__/gateway/persisted-documents.json'), 'utf8')) as Record<string, string>;
}

/** The hash and text under which a BFF's manifest registers operation `name`. */
function registered(bff: 'bff-web' | 'bff-mobile', name: string): { hash: string; document: string } {
  const entry = Object.entries(manifest(bff)).find(([, document]) => new RegExp(`\\b(query|mutation) ${name}\\b`).test(document));
  if (!entry) throw new Error(`${bff}'s manifest has no ${name}`);
  return { hash: entry[0], document: entry[1] };
}

const started: ExtraService[] = [];
let gateway: ExtraService;
let web: ExtraService;
let slug: string;

beforeAll(async () => {
  gateway = await startExtra('gateway', gatewayEnvForStack({ NODE_ENV: 'production', JWT_SECRET: E2E_PRODUCTION_JWT_SECRET }));
  started.push(gateway);
  web = await startExtra('bff-web', bffEnvForStack(gateway.url, { NODE_ENV: 'production' }));
  started.push(web);
  const [row] = await stackSql<{ slug: string }>('catalogue', 'SELECT slug FROM product ORDER BY id OFFSET 320 LIMIT 1');
  slug = row!.slug;
});
afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
});

describe('production gateway: trusted documents only', () => {
  it('runs a BFF’s registered operation sent by its hash', async () => {
    const regions = registered('bff-web', 'WebRegions');
    expect(documentHash(regions.document)).toBe(regions.hash);
    const res = await send(gateway.url, regions.document, {}, { requestMiddleware: persistedQuery(regions.hash) });
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    expect(res.data.regions).toHaveLength(5);

    const detail = registered('bff-mobile', 'MobileProductDetail');
    const product = await send(gateway.url, detail.document, { slug, region: 'GB' }, { requestMiddleware: persistedQuery(detail.hash) });
    expect(product.errors).toBeUndefined();
    expect(product.data.product.slug).toBe(slug);
    expect(product.data.product.priceRange.min.currencyCode).toBe('GBP');
  });

  it('serves a production bff-web’s pages through it (the BFF sends its operations by hash)', async () => {
    const before = await graphqlRequests(gateway.url);
    const res = await send(web.url, WEB_PRODUCT, { slug, region: 'EU' });
    expect(res.errors).toBeUndefined();
    expect(res.data.productPage.product.title.length).toBeGreaterThan(0);
    expect(res.data.productPage.price.formatted).toMatch(/€$/);
    expect(await graphqlRequests(gateway.url)).toBeGreaterThan(before);
  });

  it('refuses a full document it has no hash for with PERSISTED_QUERY_NOT_ALLOWED and HTTP 400, even the text of a registered one', async () => {
    const adHoc = await send(gateway.url, 'query AdHoc { regions { code currencyCode } }');
    expect(adHoc.status).toBe(400);
    expect(errorCode(adHoc)).toBe('PERSISTED_QUERY_NOT_ALLOWED');
    expect(adHoc.data ?? null).toBeNull();
    const copied = await send(gateway.url, registered('bff-web', 'WebRegions').document);
    expect(copied.status).toBe(400);
    expect(errorCode(copied)).toBe('PERSISTED_QUERY_NOT_ALLOWED');
    // The shared development gateway, by contrast, runs the same full document.
    const dev = await send(stackUrls().gateway, 'query AdHoc { regions { code currencyCode } }');
    expect(dev.status).toBe(200);
    expect(dev.errors).toBeUndefined();
    expect(dev.data.regions).toHaveLength(5);
  });

  it('refuses a hash that is in no manifest, and does not learn one sent with its document', async () => {
    const document = 'query NotRegistered { regions { code } }';
    const hash = documentHash(document);
    const unknown = await send(gateway.url, document, {}, { requestMiddleware: persistedQuery(hash) });
    expect(unknown.status).toBeLessThan(500);
    expect(unknown.data ?? null).toBeNull();
    expect(['PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_ALLOWED']).toContain(errorCode(unknown));
    // APQ's registration (hash and document together) is refused as well...
    const register = await send(gateway.url, document, {}, { requestMiddleware: persistedQuery(hash, { withDocument: true }) });
    expect(register.status).toBe(400);
    expect(errorCode(register)).toBe('PERSISTED_QUERY_NOT_ALLOWED');
    // ...and leaves nothing behind: the hash alone is still refused.
    const again = await send(gateway.url, document, {}, { requestMiddleware: persistedQuery(hash) });
    expect(again.data ?? null).toBeNull();
    expect(['PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_ALLOWED']).toContain(errorCode(again));
  });

  it('in development, the gateway accepts full documents and learns a hash sent with its document', async () => {
    const document = `query Learned${Date.now()} { regions { code } }`;
    const hash = documentHash(document);
    const before = await send(stackUrls().gateway, document, {}, { requestMiddleware: persistedQuery(hash) });
    expect(errorCode(before)).toBe('PERSISTED_QUERY_NOT_FOUND');
    const register = await send(stackUrls().gateway, document, {}, { requestMiddleware: persistedQuery(hash, { withDocument: true }) });
    expect(register.status).toBe(200);
    expect(register.data.regions).toHaveLength(5);
    const byHash = await send(stackUrls().gateway, document, {}, { requestMiddleware: persistedQuery(hash) });
    expect(byHash.errors).toBeUndefined();
    expect(byHash.data.regions).toHaveLength(5);
  });
});

describe('GraphiQL and introspection on the BFFs', () => {
  it('production: GraphiQL is not served (GET /graphql as a browser, /graphiql) and introspection is refused', async () => {
    const page = await fetch(web.url, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type') ?? '').not.toContain('text/html');
    expect(await page.text()).not.toContain('GraphiQL');
    const graphiql = await fetch(web.url.replace(/\/graphql$/, '/graphiql'), { headers: { accept: 'text/html' } });
    expect(graphiql.status).toBe(404);
    expect(await graphiql.text()).not.toContain('GraphiQL');
    expect((await fetch(web.url.replace(/\/graphql$/, '/graphiql/graphiql.js'))).status).toBe(404);

    const introspection = await send(web.url, SCHEMA_ROOT);
    expect(introspection.status).toBe(400);
    expect(errorCode(introspection)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(introspection.errors?.[0]?.message).toMatch(/introspection has been disabled/i);
    expect(introspection.data ?? null).toBeNull();
    const full = await send(web.url, FULL_INTROSPECTION);
    expect(full.status).toBe(400);
    expect(full.data ?? null).toBeNull();
    const typename = await send(web.url, 'query T { __type(name: "WebProductPage") { name } }');
    expect(errorCode(typename)).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('development: both stack BFFs serve GraphiQL at GET /graphql (as a browser) and /graphiql, and answer introspection', async () => {
    for (const url of [bffUrls().web, bffUrls().mobile]) {
      const page = await fetch(url, { headers: { accept: 'text/html' } });
      expect(page.status, url).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(await page.text()).toContain('GraphiQL');
      const graphiql = await fetch(url.replace(/\/graphql$/, '/graphiql'));
      expect(graphiql.status, url).toBe(200);
      expect(await graphiql.text()).toContain('GraphiQL');
      const root = await send(url, SCHEMA_ROOT);
      expect(root.errors, url).toBeUndefined();
      expect(root.data.__schema.queryType.name).toBe('Query');
      // The query GraphiQL itself sends to load the schema (deeper than ordinary pages).
      const full = await send(url, FULL_INTROSPECTION);
      expect(full.errors, url).toBeUndefined();
      expect(full.status).toBe(200);
      expect(full.data.__schema.types.map((t: { name: string }) => t.name)).toContain('Query');
    }
  });
});
