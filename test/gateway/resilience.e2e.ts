import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { contractOperation, freePort, gatewayEnvForStack, gql, startExtra, type ExtraService } from '../harness/index.ts';

const CATEGORY_PAGE = contractOperation('gateway/CategoryPage.graphql', 'CategoryPage');
const started: ExtraService[] = [];
let blackhole: Server | undefined;

afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
  blackhole?.close();
});

describe('gateway with a subgraph down', () => {
  it('answers with the rest of the data and an error naming the subgraph that refused connections', async () => {
    const gateway = await startExtra('gateway', gatewayEnvForStack({ PRICING_URL: `http://127.0.0.1:${await freePort()}/graphql` }));
    started.push(gateway);
    const res = await gql(gateway.url, CATEGORY_PAGE, { categorySlug: 'shirts', region: 'US', first: 3 });
    expect(res.status).toBe(200);
    expect(res.data.products.edges).toHaveLength(3);
    for (const e of res.data.products.edges) {
      expect(e.node.title).toBeTruthy();
      expect(typeof e.node.availableForSale).toBe('boolean');
      expect(e.node.priceRange).toBeNull();
    }
    expect(res.errors?.length).toBeGreaterThan(0);
    expect(res.errors!.some((e) => e.message.includes('pricing') && e.extensions?.code === 'UPSTREAM_UNAVAILABLE')).toBe(true);
  });

  it('answers within the timeout when a subgraph accepts but never replies', async () => {
    blackhole = createServer(() => {}); // accepts connections, never answers
    const port = await new Promise<number>((resolve) => blackhole!.listen(0, '127.0.0.1', () => resolve((blackhole!.address() as { port: number }).port)));
    const gateway = await startExtra('gateway', gatewayEnvForStack({ INVENTORY_URL: `http://127.0.0.1:${port}/graphql`, SUBGRAPH_TIMEOUT_MS: '800' }));
    started.push(gateway);
    const t0 = Date.now();
    const res = await gql(gateway.url, CATEGORY_PAGE, { categorySlug: 'shirts', region: 'EU', first: 3 });
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeLessThan(5_000);
    expect(res.data.products.edges).toHaveLength(3);
    for (const e of res.data.products.edges) expect(e.node.priceRange.min.currencyCode).toBe('EUR');
    expect(res.errors!.some((e) => e.message.includes('inventory') && /timed out/.test(e.message))).toBe(true);
  });
});
