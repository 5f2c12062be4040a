import { describe, expect, it } from 'vitest';
import { contractOperation, gql, stackSql, stackUrls } from '../harness/index.ts';

const SEARCH = contractOperation('gateway/Search.graphql', 'Search');

describe('gateway Search (contract)', () => {
  it("finds a product by its exact title on the first page", async () => {
    const rows = await stackSql<{ id: string; title: string }>('catalogue', 'SELECT id, title FROM product ORDER BY md5(id) LIMIT 15');
    for (const { id, title } of rows) {
      const res = await gql(stackUrls().gateway, SEARCH, { query: title, region: 'US', first: 10 });
      expect(res.errors).toBeUndefined();
      const ids = res.data.search.edges.map((e: any) => e.node.id);
      expect(ids, title).toContain(id);
      expect(ids[0], `${title} ranks first`).toBe(id);
    }
  });

  it('ranks by relevance and counts every match', async () => {
    const res = await gql(stackUrls().gateway, SEARCH, { query: 'linen', region: 'GB', first: 5 });
    expect(res.errors).toBeUndefined();
    const [{ n }] = (await stackSql<{ n: number }>('catalogue', "SELECT count(*)::int AS n FROM product WHERE search @@ websearch_to_tsquery('english', 'linen') OR 'linen' <% title")) as [{ n: number }];
    expect(res.data.search.totalCount).toBe(n);
    for (const e of res.data.search.edges) expect(e.node.priceRange.min.currencyCode).toBe('GBP');
  });

  it('tolerates a typo', async () => {
    const [{ brand }] = (await stackSql<{ brand: string }>('catalogue', "SELECT brand FROM product WHERE brand = 'Northwind' LIMIT 1")) as [{ brand: string }];
    expect(brand).toBe('Northwind');
    const res = await gql(stackUrls().gateway, SEARCH, { query: 'Nortwind', region: 'US', first: 5 });
    expect(res.errors).toBeUndefined();
    expect(res.data.search.edges.length).toBeGreaterThan(0);
    expect(res.data.search.edges[0].node.title).toContain('Northwind');
  });

  it('refuses an empty or over-long query with BAD_USER_INPUT naming it, never a 500', async () => {
    for (const query of ['', '   ', 'x'.repeat(500)]) {
      const res = await gql(stackUrls().gateway, SEARCH, { query, region: 'US', first: 5 });
      expect(res.status).toBeLessThan(500);
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0]?.message).toContain('"query"');
    }
  });
});
