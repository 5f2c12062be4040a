import { describe, expect, it } from 'vitest';
import { contractOperation, gql, stackUrls } from '../harness/index.ts';

describe('gateway Regions (contract)', () => {
  it('lists five regions, each with its one currency, and the categories', async () => {
    const res = await gql(stackUrls().gateway, contractOperation('gateway/Regions.graphql', 'Regions'));
    expect(res.errors).toBeUndefined();
    expect(res.data.regions.map((r: any) => [r.code, r.currencyCode, r.taxIncluded])).toEqual([
      ['US', 'USD', false],
      ['EU', 'EUR', true],
      ['GB', 'GBP', true],
      ['IN', 'INR', true],
      ['BR', 'BRL', true],
    ]);
    for (const r of res.data.regions) expect(r.name).toBeTruthy();
    expect(res.data.categories.length).toBeGreaterThanOrEqual(20);
    expect(res.data.categories.map((c: any) => c.slug)).toContain('apparel');
  });
});
