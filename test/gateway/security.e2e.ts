import { SignJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { E2E_INTERNAL_SECRET, gatewayEnvForStack, gql, stackUrls, startExtra, type ExtraService } from '../harness/index.ts';

const started: ExtraService[] = [];
afterAll(async () => Promise.all(started.map((s) => s.stop())));

const INTROSPECTION = '{ __schema { queryType { name } } }';

describe('subgraphs', () => {
  it('refuse calls without the internal credential', async () => {
    for (const url of [stackUrls().catalogue, stackUrls().inventory, stackUrls().pricing]) {
      const res = await gql(url, '{ _service { sdl } }');
      expect(res.status).toBe(403);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const wrong = await gql(url, '{ _service { sdl } }', {}, { 'x-shop-internal': 'not-the-secret-not-the-secret' });
      expect(wrong.status).toBe(403);
    }
  });

  it('serve with it', async () => {
    const res = await gql(stackUrls().catalogue, '{ _service { sdl } }', {}, { 'x-shop-internal': E2E_INTERNAL_SECRET });
    expect(res.status).toBe(200);
    expect(res.data._service.sdl).toContain('type Product');
  });

  it('keep internal operations out of the public API', async () => {
    const res = await gql(stackUrls().gateway, 'mutation { adjustStock(input: { sku: "SKU-000001-1", locationCode: "us-nj", delta: 5, reason: "x" }) { onHand } }');
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});

describe('gateway access tokens', () => {
  it('rejects a forged, expired or malformed token with UNAUTHENTICATED, never a 500', async () => {
    const forged = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('user_1').setIssuer('shop-dev').setAudience('shop').setExpirationTime('1h').sign(new TextEncoder().encode('x'.repeat(40)));
    for (const authorization of [`Bearer ${forged}`, 'Bearer not.a.jwt', 'Basic dXNlcjpwYXNz']) {
      const res = await gql(stackUrls().gateway, '{ regions { code } }', {}, { authorization });
      expect(res.status).toBe(401);
      expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });

  it('accepts a valid token', async () => {
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('user_1').setIssuer('shop-dev').setAudience('shop').setExpirationTime('1h').sign(new TextEncoder().encode('dev-jwt-secret-change-me-0123456789'));
    const res = await gql(stackUrls().gateway, '{ regions { code } }', {}, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    expect(res.data.regions).toHaveLength(5);
  });
});

describe('development and production mode', () => {
  it('serves GraphiQL from local assets and allows introspection in development', async () => {
    const base = stackUrls().gateway;
    const page = await fetch(base, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('GraphiQL');
    expect(html).not.toMatch(/https?:\/\/(unpkg|cdn|esm\.sh|jsdelivr)/);
    for (const asset of html.matchAll(/(?:src|href)="(\/graphiql\/[^"]+)"/g)) {
      const res = await fetch(new URL(asset[1]!, base));
      expect(res.status, asset[1]).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(1_000);
    }
    const res = await gql(base, INTROSPECTION);
    expect(res.data.__schema.queryType.name).toBe('Query');
  });

  it('turns both off in production', async () => {
    const gateway = await startExtra('gateway', gatewayEnvForStack({ NODE_ENV: 'production', INTERNAL_SECRET: 'dev-internal-secret-change-me' }), { waitReady: false });
    started.push(gateway);
    // The development internal secret is refused in production: the process stops at start, naming the variable.
    expect(await gateway.exited).not.toBe(0);
    expect(gateway.output.join('\n')).toContain('INTERNAL_SECRET');

    const prod = await startExtra(
      'gateway',
      gatewayEnvForStack({ NODE_ENV: 'production', INTERNAL_SECRET: 'dev-internal-secret-change-me-in-prod', JWT_SECRET: 'a-production-jwt-secret-of-32-chars-or-more' }),
    );
    started.push(prod);
    const page = await fetch(prod.url, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toContain('GraphiQL');
    expect((await fetch(prod.url.replace('/graphql', '/graphiql/graphiql.js'))).status).toBe(404);
    const res = await gql(prod.url, INTROSPECTION);
    expect(res.errors?.[0]?.message).toMatch(/introspection/i);
  });
});

describe('configuration', () => {
  it('stops a service at start with a message naming a malformed variable', async () => {
    const bad = await startExtra('catalogue', { DATABASE_URL: 'not-a-url' }, { waitReady: false });
    expect(await bad.exited).not.toBe(0);
    const output = bad.output.join('\n');
    expect(output).toContain('DATABASE_URL');
    expect(output).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });
});

describe('request ids', () => {
  it('travel from the gateway to the subgraphs and back to the client', async () => {
    const catalogue = await startExtra('catalogue', { DATABASE_URL: (await import('vitest')).inject('stackDatabases').catalogue!, LOG_LEVEL: 'debug', MIGRATE_ON_START: 'false' });
    started.push(catalogue);
    const gateway = await startExtra('gateway', gatewayEnvForStack({ CATALOGUE_URL: catalogue.url }));
    started.push(gateway);
    const requestId = `e2e-trace-${Date.now()}`;
    const res = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': requestId }, body: JSON.stringify({ query: '{ categories { id } }' }) });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe(requestId);
    await expect.poll(() => catalogue.output.some((line) => line.includes(requestId) && line.includes('"operation"')), { timeout: 5_000 }).toBe(true);
    // Without one, the gateway makes one up and still returns it.
    const anon = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ categories { id } }' }) });
    expect(anon.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
