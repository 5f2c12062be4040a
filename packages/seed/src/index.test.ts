import { describe, expect, it } from 'vitest';
import { categories, prices, product, products, stock, REGIONS, LOCATIONS } from './index.ts';

describe('seed generator', () => {
  it('is deterministic: product n is the same on every call', () => {
    expect(product(1234)).toEqual(product(1234));
    expect(prices(product(7))).toEqual(prices(product(7)));
  });

  it('gives unique slugs and skus across 20,000 products', () => {
    const slugs = new Set<string>();
    const skus = new Set<string>();
    let variants = 0;
    for (const p of products(20_000)) {
      slugs.add(p.slug);
      for (const v of p.variants) skus.add(v.sku);
      variants += p.variants.length;
      expect(p.variants.length).toBeGreaterThanOrEqual(2);
      expect(p.variants.length).toBeLessThanOrEqual(6);
    }
    expect(slugs.size).toBe(20_000);
    expect(skus.size).toBe(variants);
  });

  it('puts products in leaf categories of a two-level tree with about 20 leaves', () => {
    const cats = categories();
    const leaves = cats.filter((c) => c.parentId !== null);
    expect(leaves.length).toBeGreaterThanOrEqual(18);
    expect(new Set(leaves.map((c) => c.id)).has(product(3).categoryId)).toBe(true);
  });

  it('prices every variant in every region, compare-at only above the amount', () => {
    for (let n = 0; n < 500; n++) {
      const p = product(n);
      const rows = prices(p);
      expect(rows).toHaveLength(p.variants.length * REGIONS.length);
      for (const r of rows) {
        expect(Number.isInteger(r.amountMinor) && r.amountMinor > 0).toBe(true);
        if (r.compareAtMinor !== null) expect(r.compareAtMinor).toBeGreaterThan(r.amountMinor);
      }
    }
  });

  it('has at least two stock locations per region, and some sold-out and low stock', () => {
    for (const region of REGIONS) expect(LOCATIONS.filter((l) => l.region === region.code).length).toBeGreaterThanOrEqual(2);
    let zero = 0;
    let low = 0;
    for (let n = 0; n < 1_000; n++) {
      const byRegionSku = new Map<string, number>();
      for (const s of stock(product(n))) {
        const region = LOCATIONS.find((l) => l.code === s.locationCode)!.region;
        byRegionSku.set(`${s.sku}:${region}`, (byRegionSku.get(`${s.sku}:${region}`) ?? 0) + s.onHand);
      }
      for (const total of byRegionSku.values()) {
        if (total === 0) zero++;
        else if (total <= 5) low++;
      }
    }
    expect(zero).toBeGreaterThan(100);
    expect(low).toBeGreaterThan(100);
  });
});
