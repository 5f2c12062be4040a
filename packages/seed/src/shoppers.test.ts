import { describe, expect, it } from 'vitest';
import { DEMO_SHOPPERS, products } from './index.ts';
import { deterministicUuid, shopper, shopperCatalogue, shopperInteractions, shoppersWithInteractions, SHOPPER_HISTORY_DAYS } from './shoppers.ts';

const catalogue = shopperCatalogue(products(500));
const NOW = Date.UTC(2026, 10, 1);

describe('seeded shoppers', () => {
  it('start with the demo shoppers', () => {
    const first = [...shoppersWithInteractions(5, catalogue, NOW)].map((s) => s.shopper.id);
    expect(first).toEqual([...DEMO_SHOPPERS]);
  });

  it('are deterministic', () => {
    expect(shopper(42, catalogue)).toEqual(shopper(42, catalogue));
    expect(shopperInteractions(shopper(42, catalogue), catalogue, NOW)).toEqual(shopperInteractions(shopper(42, catalogue), catalogue, NOW));
  });

  it('interact within the history window, oldest first, mostly with their favourite categories', () => {
    const ids = new Map([...products(500)].map((p) => [p.id, p]));
    let favourite = 0;
    let total = 0;
    for (const { shopper: s, interactions } of shoppersWithInteractions(200, catalogue, NOW)) {
      expect(interactions.length).toBeGreaterThanOrEqual(5);
      expect(interactions.length).toBeLessThanOrEqual(60);
      for (const [i, x] of interactions.entries()) {
        expect(x.occurredAt.getTime()).toBeLessThan(NOW);
        expect(x.occurredAt.getTime()).toBeGreaterThan(NOW - SHOPPER_HISTORY_DAYS * 86_400_000);
        if (i > 0) expect(x.occurredAt.getTime()).toBeGreaterThanOrEqual(interactions[i - 1]!.occurredAt.getTime());
        if (s.favouriteCategories.includes(ids.get(x.productId)!.categoryId)) favourite++;
        total++;
      }
    }
    expect(favourite / total).toBeGreaterThan(0.6);
  });

  it('view more than they cart, and cart more than they buy', () => {
    const counts = { VIEW: 0, ADD_TO_CART: 0, PURCHASE: 0 };
    for (const { interactions } of shoppersWithInteractions(200, catalogue, NOW)) for (const x of interactions) counts[x.type]++;
    expect(counts.VIEW).toBeGreaterThan(counts.ADD_TO_CART);
    expect(counts.ADD_TO_CART).toBeGreaterThan(counts.PURCHASE);
    expect(counts.PURCHASE).toBeGreaterThan(0);
  });

  it('get uuid-shaped event ids', () => {
    expect(deterministicUuid('x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
