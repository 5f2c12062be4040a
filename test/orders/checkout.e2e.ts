import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { available, bearer, CART, CART_ADD_LINE, CHECKOUT, createCart, gql, setAvailable, skuWithStock, stackSql, stackUrls } from '../harness/index.ts';

async function cartWith(region: string, lines: { sku: string; quantity: number }[], headers: Record<string, string> = {}) {
  const cartId = await createCart(region, headers);
  let cart;
  for (const l of lines) {
    const res = await gql(stackUrls().gateway, CART_ADD_LINE, { cartId, ...l }, headers);
    expect(res.data.cartAddLine.userErrors).toEqual([]);
    cart = res.data.cartAddLine.cart;
  }
  return { cartId, cart };
}

describe('gateway Checkout (contract)', () => {
  it('refuses a checkout without a valid access token: UNAUTHENTICATED and no order', async () => {
    const sku = await skuWithStock('US', 5, 21);
    const { cartId } = await cartWith('US', [{ sku, quantity: 1 }]);
    const res = await gql(stackUrls().gateway, CHECKOUT, { cartId, idempotencyKey: randomUUID(), paymentToken: 'tok_visa' });
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.data?.checkout ?? null).toBeNull();
    expect(await stackSql('orders', 'SELECT 1 FROM customer_order WHERE cart_id = $1', [cartId])).toEqual([]);
  });

  it('confirms an order whose totals equal the cart, commits the stock and binds the cart', async () => {
    const headers = await bearer('shopper_checkout_1');
    const a = await skuWithStock('EU', 10, 22);
    const b = await skuWithStock('EU', 10, 23);
    await setAvailable(a, 'EU', 10);
    const { cartId, cart } = await cartWith('EU', [{ sku: a, quantity: 2 }, { sku: b, quantity: 1 }], headers);
    const availableB = await available(b, 'EU');
    const res = await gql(stackUrls().gateway, CHECKOUT, { cartId, idempotencyKey: randomUUID(), paymentToken: 'tok_visa' }, headers);
    expect(res.errors).toBeUndefined();
    expect(res.data.checkout.userErrors).toEqual([]);
    const order = res.data.checkout.order;
    expect(order.status).toBe('CONFIRMED');
    expect(order.region).toBe('EU');
    expect(order.subtotal).toEqual(cart.cost.subtotal);
    expect(order.tax).toEqual(cart.cost.tax);
    expect(order.total).toEqual(cart.cost.total);
    expect(order.lines.map((l: any) => [l.sku, l.quantity]).sort()).toEqual([[a, 2], [b, 1]].sort());
    // Committed: still unavailable to others, now sold rather than held.
    expect(await available(a, 'EU')).toBe(8);
    expect(await available(b, 'EU')).toBe(availableB);
    const [held] = await stackSql<{ n: number }>('inventory', "SELECT count(*)::int AS n FROM reservation WHERE cart_id = $1 AND status = 'HELD'", [cartId]);
    expect(held!.n).toBe(0);
    // The cart now belongs to the shopper: nobody else can read it, and it cannot change.
    expect((await gql(stackUrls().gateway, CART, { cartId })).data.cart).toBeNull();
    expect((await gql(stackUrls().gateway, CART, { cartId }, await bearer('someone_else'))).data.cart).toBeNull();
    expect((await gql(stackUrls().gateway, CART, { cartId }, headers)).data.cart.id).toBe(cartId);
    const again = await gql(stackUrls().gateway, CART_ADD_LINE, { cartId, sku: a, quantity: 1 }, headers);
    expect(again.data.cartAddLine.userErrors[0].code).toBe('CART_CLOSED');
  });

  it('declines tok_chargeDeclined with PAYMENT_DECLINED, no order, and the stock back', async () => {
    const headers = await bearer('shopper_checkout_2');
    const sku = await skuWithStock('GB', 10, 24);
    await setAvailable(sku, 'GB', 10);
    const { cartId } = await cartWith('GB', [{ sku, quantity: 3 }], headers);
    expect(await available(sku, 'GB')).toBe(7);
    const res = await gql(stackUrls().gateway, CHECKOUT, { cartId, idempotencyKey: randomUUID(), paymentToken: 'tok_chargeDeclined' }, headers);
    expect(res.data.checkout.order).toBeNull();
    expect(res.data.checkout.userErrors[0].code).toBe('PAYMENT_DECLINED');
    expect(await stackSql('orders', 'SELECT 1 FROM customer_order WHERE cart_id = $1', [cartId])).toEqual([]);
    expect(await available(sku, 'GB')).toBe(10);
    // The shopper can try again with another card: the stock is taken again and the order placed.
    const retry = await gql(stackUrls().gateway, CHECKOUT, { cartId, idempotencyKey: randomUUID(), paymentToken: 'tok_visa' }, headers);
    expect(retry.data.checkout.order.status).toBe('CONFIRMED');
    expect(await available(sku, 'GB')).toBe(7);
  });

  it('gives PAYMENT_INVALID for an unknown token', async () => {
    const headers = await bearer('shopper_checkout_3');
    const { cartId } = await cartWith('US', [{ sku: await skuWithStock('US', 5, 25), quantity: 1 }], headers);
    const res = await gql(stackUrls().gateway, CHECKOUT, { cartId, idempotencyKey: randomUUID(), paymentToken: 'tok_whatever' }, headers);
    expect(res.data.checkout.userErrors[0].code).toBe('PAYMENT_INVALID');
  });

  it('returns the same order for a repeated key, and IDEMPOTENCY_KEY_REUSED for another cart', async () => {
    const headers = await bearer('shopper_checkout_4');
    const key = randomUUID();
    const first = await cartWith('IN', [{ sku: await skuWithStock('IN', 5, 26), quantity: 1 }], headers);
    const a = await gql(stackUrls().gateway, CHECKOUT, { cartId: first.cartId, idempotencyKey: key, paymentToken: 'tok_visa' }, headers);
    const b = await gql(stackUrls().gateway, CHECKOUT, { cartId: first.cartId, idempotencyKey: key, paymentToken: 'tok_visa' }, headers);
    expect(a.data.checkout.order.id).toBeTruthy();
    expect(b.data.checkout.order.id).toBe(a.data.checkout.order.id);
    const second = await cartWith('IN', [{ sku: await skuWithStock('IN', 5, 27), quantity: 1 }], headers);
    const c = await gql(stackUrls().gateway, CHECKOUT, { cartId: second.cartId, idempotencyKey: key, paymentToken: 'tok_visa' }, headers);
    expect(c.data.checkout.order).toBeNull();
    expect(c.data.checkout.userErrors[0]).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', field: ['idempotencyKey'] });
  });

  /**
   * Race: a client retries a checkout while the first attempt is still running
   * (a double click, a timeout-and-retry). 50 concurrent checkouts with one key
   * must place one order, authorize one payment, publish one order event, and
   * all answer with that order.
   */
  it('places exactly one order for 50 concurrent checkouts with the same key', async () => {
    const headers = await bearer('shopper_checkout_5');
    const { cartId } = await cartWith('BR', [{ sku: await skuWithStock('BR', 5, 28), quantity: 2 }], headers);
    const key = randomUUID();
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () => gql(stackUrls().gateway, CHECKOUT, { cartId, idempotencyKey: key, paymentToken: 'tok_visa' }, headers)),
    );
    const ids = new Set<string>();
    for (const r of results) {
      expect(r.status).toBe('fulfilled');
      const res = (r as PromiseFulfilledResult<any>).value;
      expect(res.errors).toBeUndefined();
      expect(res.data.checkout.userErrors).toEqual([]);
      ids.add(res.data.checkout.order.id);
    }
    expect(ids.size).toBe(1);
    const [orderId] = [...ids];
    expect(await stackSql('orders', 'SELECT id FROM customer_order WHERE cart_id = $1', [cartId])).toEqual([{ id: orderId }]);
    const auths = await stackSql<{ n: number }>('orders', 'SELECT count(*)::int AS n FROM payment_authorization WHERE request_key LIKE $1', [`shopper_checkout_5:${key}%`]);
    expect(auths[0]!.n).toBe(1);
    const events = await stackSql<{ n: number }>('orders', "SELECT count(*)::int AS n FROM outbox WHERE type = 'orders.order.placed' AND subject = $1", [orderId]);
    expect(events[0]!.n).toBe(1);
  });
});
