import { beforeAll, describe, expect, it } from 'vitest';
import { contractOperation, countStatements, gql, stackSql as sql, stackUrls } from '../harness/index.ts';

const REGION_CURRENCY = { US: 'USD', EU: 'EUR', GB: 'GBP', IN: 'INR', BR: 'BRL' } as const;
type Region = keyof typeof REGION_CURRENCY;
const REGIONS = Object.keys(REGION_CURRENCY) as Region[];

const PRODUCT_PAGE = contractOperation('gateway/ProductPage.graphql', 'ProductPage');

describe('gateway ProductPage (contract)', () => {
  let slugs: string[] = [];
  let soldOut: { slug: string; region: Region } | undefined;

  beforeAll(async () => {
    const rows = await sql<{ slug: string }>('catalogue', 'SELECT slug FROM product ORDER BY id LIMIT 12');
    slugs = rows.map((r) => r.slug);
    // A product with no stock at all in one region, to see availableForSale go false.
    const out = await sql<{ product_id: string; region: Region }>(
      'inventory',
      `SELECT i.product_id, l.region FROM inventory_item i JOIN inventory_level l USING (sku)
       GROUP BY i.product_id, l.region HAVING max(l.on_hand - l.reserved) = 0 ORDER BY i.product_id LIMIT 1`,
    );
    if (out[0]) {
      const [p] = await sql<{ slug: string }>('catalogue', 'SELECT slug FROM product WHERE id = $1', [out[0].product_id]);
      soldOut = { slug: p!.slug, region: out[0].region };
    }
  });

  it('meets every invariant for seeded products in all five regions', async () => {
    expect(slugs.length).toBe(12);
    for (const slug of slugs) {
      for (const region of REGIONS) {
        const res = await gql(stackUrls().gateway, PRODUCT_PAGE, { slug, region });
        expect(res.errors).toBeUndefined();
        const p = res.data.product;
        const currency = REGION_CURRENCY[region];
        for (const key of ['id', 'slug', 'title', 'description', 'brand', 'category', 'images', 'availableForSale', 'priceRange', 'variants', 'recommendations']) expect(p[key], key).not.toBeNull();
        for (const r of p.recommendations) expect(r.product.id).not.toBe(p.id);
        expect(p.slug).toBe(slug);
        expect(p.category.id && p.category.slug && p.category.name).toBeTruthy();
        expect(p.images.length).toBeGreaterThan(0);
        for (const img of p.images) expect(img.url).toMatch(/^https:\/\//);
        expect(p.priceRange.min.currencyCode).toBe(currency);
        expect(p.priceRange.max.currencyCode).toBe(currency);
        const min = Number(p.priceRange.min.amount);
        const max = Number(p.priceRange.max.amount);
        expect(p.variants.length).toBeGreaterThanOrEqual(2);
        let someAvailable = false;
        for (const v of p.variants) {
          expect(v.sku && v.title).toBeTruthy();
          expect(v.options.length).toBeGreaterThan(0);
          expect(v.price).not.toBeNull();
          expect(v.price.amount.currencyCode).toBe(currency);
          expect(v.price.amount.amount).toMatch(/^\d+\.\d{2}$/);
          expect(v.price.taxIncluded).toBe(region !== 'US');
          const amount = Number(v.price.amount.amount);
          expect(amount).toBeGreaterThanOrEqual(min);
          expect(amount).toBeLessThanOrEqual(max);
          if (v.price.compareAt !== null) {
            expect(v.price.compareAt.currencyCode).toBe(currency);
            expect(Number(v.price.compareAt.amount)).toBeGreaterThan(amount);
          }
          const { available, badge } = v.stock;
          expect(available).toBeGreaterThanOrEqual(0);
          expect(badge).toBe(available === 0 ? 'OUT_OF_STOCK' : available <= 5 ? 'LOW_STOCK' : 'IN_STOCK');
          if (available > 0) someAvailable = true;
        }
        expect(p.availableForSale).toBe(someAvailable);
      }
    }
  });

  it('shows a product sold out in a region as not available there', async () => {
    expect(soldOut, 'the seed has a product sold out in some region').toBeDefined();
    const res = await gql(stackUrls().gateway, PRODUCT_PAGE, { slug: soldOut!.slug, region: soldOut!.region });
    expect(res.errors).toBeUndefined();
    expect(res.data.product.availableForSale).toBe(false);
    for (const v of res.data.product.variants) expect(v.stock).toEqual({ available: 0, badge: 'OUT_OF_STOCK' });
  });

  it('shows compare-at prices only on sale items, above the amount', async () => {
    const [sale] = await sql<{ product_id: string }>('pricing', 'SELECT product_id FROM price WHERE compare_at_minor IS NOT NULL ORDER BY product_id LIMIT 1');
    expect(sale).toBeDefined();
    const [p] = await sql<{ slug: string }>('catalogue', 'SELECT slug FROM product WHERE id = $1', [sale!.product_id]);
    const res = await gql(stackUrls().gateway, PRODUCT_PAGE, { slug: p!.slug, region: 'EU' });
    const compareAts = res.data.product.variants.map((v: any) => v.price.compareAt).filter(Boolean);
    expect(compareAts.length).toBeGreaterThan(0);
  });

  it('answers an unknown slug with product: null and no error', async () => {
    const res = await gql(stackUrls().gateway, PRODUCT_PAGE, { slug: 'no-such-product', region: 'US' });
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ product: null });
  });

  it('runs the same number of SQL statements for a 2-variant and a 6-variant product', async () => {
    const rows = await sql<{ slug: string; n: number }>(
      'catalogue',
      `SELECT p.slug, count(*)::int AS n FROM product p JOIN variant v ON v.product_id = p.id GROUP BY p.slug HAVING count(*) IN (2, 6) ORDER BY count(*), p.slug`,
    );
    const small = rows.find((r) => r.n === 2)!;
    const large = rows.find((r) => r.n === 6)!;
    const urls = stackUrls();
    const subgraphs = { catalogue: urls.catalogue, inventory: urls.inventory, pricing: urls.pricing };
    const a = await countStatements(subgraphs, () => gql(urls.gateway, PRODUCT_PAGE, { slug: small.slug, region: 'GB' }));
    const b = await countStatements(subgraphs, () => gql(urls.gateway, PRODUCT_PAGE, { slug: large.slug, region: 'GB' }));
    expect(b).toEqual(a);
  });
});
