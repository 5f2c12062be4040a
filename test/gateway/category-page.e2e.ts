import { describe, expect, it } from 'vitest';
import { contractOperation, countStatements, gql, stackSql, stackUrls } from '../harness/index.ts';

const CATEGORY_PAGE = contractOperation('gateway/CategoryPage.graphql', 'CategoryPage');

async function productsInCategory(slug: string): Promise<string[]> {
  const rows = await stackSql<{ id: string }>(
    'catalogue',
    `WITH RECURSIVE tree AS (SELECT id FROM category WHERE slug = $1 UNION ALL SELECT c.id FROM category c JOIN tree t ON c.parent_id = t.id)
     SELECT p.id FROM product p WHERE p.category_id IN (SELECT id FROM tree) ORDER BY p.id`,
    [slug],
  );
  return rows.map((r) => r.id);
}

describe('gateway CategoryPage (contract)', () => {
  it('counts every product of a leaf category and of a parent category (its subtree)', async () => {
    for (const slug of ['shirts', 'apparel', 'home']) {
      const expected = await productsInCategory(slug);
      expect(expected.length).toBeGreaterThan(0);
      const res = await gql(stackUrls().gateway, CATEGORY_PAGE, { categorySlug: slug, region: 'US', first: 5 });
      expect(res.errors).toBeUndefined();
      expect(res.data.products.totalCount).toBe(expected.length);
    }
  });

  it('visits every product exactly once when paging with after: endCursor', async () => {
    const expected = await productsInCategory('apparel');
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 1_000; page++) {
      const res: any = await gql(stackUrls().gateway, CATEGORY_PAGE, { categorySlug: 'apparel', region: 'EU', first: 17, after });
      expect(res.errors).toBeUndefined();
      const conn = res.data.products;
      expect(conn.totalCount).toBe(expected.length);
      for (const edge of conn.edges) {
        seen.push(edge.node.id);
        expect(edge.cursor).toBeTruthy();
        expect(edge.node.priceRange.min.currencyCode).toBe('EUR');
        expect(typeof edge.node.availableForSale).toBe('boolean');
      }
      if (!conn.pageInfo.hasNextPage) break;
      expect(conn.pageInfo.endCursor).toBe(conn.edges.at(-1).cursor);
      after = conn.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('runs the same number of SQL statements in each subgraph with first: 5 and first: 50', async () => {
    const urls = stackUrls();
    const subgraphs = { catalogue: urls.catalogue, inventory: urls.inventory, pricing: urls.pricing };
    const page = (first: number) => async () => {
      const res = await gql(urls.gateway, CATEGORY_PAGE, { categorySlug: 'apparel', region: 'GB', first });
      expect(res.errors).toBeUndefined();
      expect(res.data.products.edges).toHaveLength(first);
    };
    const five = await countStatements(subgraphs, page(5));
    const fifty = await countStatements(subgraphs, page(50));
    expect(fifty).toEqual(five);
    // And small in absolute terms: a handful per subgraph, not one per product.
    for (const n of Object.values(fifty)) expect(n).toBeLessThanOrEqual(4);
    expect(fifty.catalogue).toBeGreaterThan(0); // the counter does see request statements
  });

  it('gives an empty page for an unknown category', async () => {
    const res = await gql(stackUrls().gateway, CATEGORY_PAGE, { categorySlug: 'no-such-category', region: 'US', first: 5 });
    expect(res.errors).toBeUndefined();
    expect(res.data.products).toEqual({ totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, edges: [] });
  });
});
