import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, Header } from '@shop/platform';
import { SubgraphDataSource } from './data-source.ts';
import type { GatewayContext } from './gateway.ts';

/**
 * The data source against a plain HTTP server standing in for a subgraph's
 * transport (what crosses the wire is the point here; the real subgraphs are
 * covered end to end): it records each call and answers after 150 ms, so
 * that concurrent calls are in flight together (the slug "slow": after 3 s).
 */
let server: Server;
let url: string;
const calls: { headers: IncomingMessage['headers']; body: { query: string; variables?: unknown } }[] = [];
let status = 200;

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw);
      calls.push({ headers: req.headers, body });
      setTimeout(() => {
        res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'max-age=30, public' });
        res.end(JSON.stringify({ data: { product: { title: 'Tee', n: calls.length } } }));
      }, body.variables?.slug === 'slow' ? 3_000 : 150);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  calls.length = 0;
  status = 200;
});

const context = (userId?: string): GatewayContext =>
  ({ requestId: `req-${Math.random()}`, logger: undefined as never, viewer: userId ? { userId } : undefined, authorization: userId ? `Bearer ${userId}` : undefined }) as GatewayContext;

function source(dedupe = true) {
  return new SubgraphDataSource({ name: 'catalogue', url, internalSecret: 'internal-secret-for-tests', timeoutMs: 2_000, connections: 8, dedupe });
}

const QUERY = 'query Q($slug: String!) { product(slug: $slug) { title } }';
const ask = (ds: SubgraphDataSource, query: string, variables: Record<string, unknown>, userId?: string) =>
  ds.process({ kind: 'health check', request: { query, variables }, context: context(userId) } as never);

describe('SubgraphDataSource', () => {
  it('sends the internal credential, the request id and the shopper', async () => {
    const ds = source();
    const res = await ask(ds, QUERY, { slug: 'a' }, 'user-1');
    expect(res.data).toEqual({ product: { title: 'Tee', n: 1 } });
    expect(calls[0]!.headers[Header.internal]).toBe('internal-secret-for-tests');
    expect(calls[0]!.headers[Header.userId]).toBe('user-1');
    expect(calls[0]!.headers[Header.requestId]).toMatch(/^req-/);
    expect(calls[0]!.body).toEqual({ query: QUERY, variables: { slug: 'a' } });
    await ds.close();
  });

  it('makes one call for identical queries in flight together, and gives each caller its own copy', async () => {
    const ds = source();
    const answers = await Promise.all(Array.from({ length: 10 }, () => ask(ds, QUERY, { slug: 'a' })));
    expect(calls).toHaveLength(1);
    for (const a of answers) expect(a.data).toEqual({ product: { title: 'Tee', n: 1 } });
    // The gateway merges answers into its result in place: a shared object would leak between requests.
    expect(new Set(answers.map((a) => a.data)).size).toBe(10);
    await ds.close();
  });

  it('calls again for other variables, another shopper, a mutation, or once the first answer is in', async () => {
    const ds = source();
    await Promise.all([ask(ds, QUERY, { slug: 'a' }), ask(ds, QUERY, { slug: 'b' }), ask(ds, QUERY, { slug: 'a' }, 'user-1'), ask(ds, QUERY, { slug: 'a' }, 'user-2')]);
    expect(calls).toHaveLength(4);
    calls.length = 0;
    const mutation = 'mutation M { cartCreate(region: EU) { cart { id } } }';
    await Promise.all([ask(ds, mutation, {}), ask(ds, mutation, {})]);
    expect(calls).toHaveLength(2);
    calls.length = 0;
    await ask(ds, QUERY, { slug: 'a' });
    await ask(ds, QUERY, { slug: 'a' });
    expect(calls).toHaveLength(2);
    await ds.close();
  });

  it('makes every call when deduplication is off', async () => {
    const ds = source(false);
    await Promise.all(Array.from({ length: 5 }, () => ask(ds, QUERY, { slug: 'a' })));
    expect(calls).toHaveLength(5);
    await ds.close();
  });

  it('turns a non-2xx answer into UPSTREAM_UNAVAILABLE naming the subgraph, for every caller sharing it', async () => {
    status = 503;
    const ds = source();
    const results = await Promise.allSettled([ask(ds, QUERY, { slug: 'a' }), ask(ds, QUERY, { slug: 'a' })]);
    expect(calls).toHaveLength(1);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      const err = (r as PromiseRejectedResult).reason as Error & { extensions: { code: string } };
      expect(err.message).toBe('Subgraph "catalogue" is unavailable: 503: Service Unavailable');
      expect(err.extensions.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    }
    await ds.close();
  });

  it('times out a subgraph that does not answer', async () => {
    const ds = new SubgraphDataSource({ name: 'catalogue', url, internalSecret: 'internal-secret-for-tests', timeoutMs: 200, connections: 1 });
    const started = Date.now();
    await expect(ask(ds, QUERY, { slug: 'slow' })).rejects.toThrow('Subgraph "catalogue" is unavailable: timed out after 200 ms');
    // undici checks its timers about every half second, so "200 ms" ends within a second, well before the answer.
    expect(Date.now() - started).toBeLessThan(2_000);
    await ds.destroy();
  });
});
