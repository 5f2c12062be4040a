import { describe, expect, it } from 'vitest';
import { CART_ADD_LINE, createCart, gql, setAvailable, skuWithStock, stackSql, stackUrls } from '../harness/index.ts';

describe('stock never oversells', () => {
  /**
   * Race: 500 shoppers press "add to cart" on the last 100 units at the same
   * moment. Each add is a conditional update of the sku's regional level, so
   * exactly 100 win, 400 are told INSUFFICIENT_STOCK, available never goes
   * below zero, and each win writes one stock event.
   */
  it('500 concurrent adds of 1 on a sku with 100 available: exactly 100 succeed', async () => {
    const region = 'US';
    const sku = await skuWithStock(region, 1, 41);
    await setAvailable(sku, region, 100);
    const [{ seq: startSeq }] = (await stackSql<{ seq: number }>('inventory', 'SELECT coalesce(max(seq), 0)::int AS seq FROM outbox')) as [{ seq: number }];
    const carts: string[] = [];
    for (let i = 0; i < 500; i += 50) carts.push(...(await Promise.all(Array.from({ length: 50 }, () => createCart(region)))));

    const results = await Promise.allSettled(carts.map((cartId) => gql(stackUrls().gateway, CART_ADD_LINE, { cartId, sku, quantity: 1 })));
    let ok = 0;
    let insufficient = 0;
    for (const r of results) {
      expect(r.status).toBe('fulfilled');
      const res = (r as PromiseFulfilledResult<any>).value;
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      const errors = res.data.cartAddLine.userErrors;
      if (errors.length === 0) ok++;
      else if (errors[0].code === 'INSUFFICIENT_STOCK') insufficient++;
    }
    expect(ok).toBe(100);
    expect(insufficient).toBe(400);
    const [level] = await stackSql<{ on_hand: number; reserved: number }>('inventory', 'SELECT on_hand, reserved FROM inventory_level WHERE sku = $1 AND region = $2', [sku, region]);
    expect(level!.on_hand - level!.reserved).toBe(0);
    const events = await stackSql<{ data: { available: number } }>(
      'inventory',
      "SELECT data FROM outbox WHERE seq > $1 AND type = 'inventory.stock.changed' AND subject = $2 ORDER BY seq",
      [startSeq, `${sku}:${region}`],
    );
    expect(events).toHaveLength(100);
    expect(events.every((e) => e.data.available >= 0)).toBe(true);
    expect(events.at(-1)!.data.available).toBe(0);
    const lines = await stackSql<{ n: number }>('orders', 'SELECT count(*)::int AS n FROM cart_line WHERE sku = $1', [sku]);
    expect(lines[0]!.n).toBe(100);
  }, 120_000);
});
