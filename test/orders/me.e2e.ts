import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bearer, CART_ADD_LINE, CHECKOUT, contractOperation, createCart, gql, skuWithStock, stackUrls } from '../harness/index.ts';

const ME = contractOperation('gateway/Me.graphql', 'Me');

async function placeOrder(userId: string, region: string, skip: number): Promise<string> {
  const headers = await bearer(userId);
  const cartId = await createCart(region, headers);
  await gql(stackUrls().gateway, CART_ADD_LINE, { cartId, sku: await skuWithStock(region, 5, skip), quantity: 1 }, headers);
  const res = await gql(stackUrls().gateway, CHECKOUT, { cartId, idempotencyKey: randomUUID(), paymentToken: 'tok_visa' }, headers);
  return res.data.checkout.order.id;
}

describe('gateway Me (contract)', () => {
  it('needs a token', async () => {
    const res = await gql(stackUrls().gateway, ME, { region: 'US' });
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it("shows each shopper only their own orders, newest first", async () => {
    const alice = [await placeOrder('me_alice', 'US', 31), await placeOrder('me_alice', 'EU', 32)];
    const bob = await placeOrder('me_bob', 'GB', 33);
    const res = await gql(stackUrls().gateway, ME, { region: 'US' }, await bearer('me_alice'));
    expect(res.errors).toBeUndefined();
    expect(res.data.me.id).toBe('me_alice');
    const ids = res.data.me.orders.edges.map((e: any) => e.node.id);
    expect(ids).toEqual([alice[1], alice[0]]);
    for (const e of res.data.me.orders.edges) {
      expect(e.node.status).toBe('CONFIRMED');
      expect(e.node.total.amount).toMatch(/^\d+\.\d{2}$/);
      expect(Date.parse(e.node.createdAt)).toBeGreaterThan(0);
    }
    const bobs = await gql(stackUrls().gateway, ME, { region: 'US' }, await bearer('me_bob'));
    expect(bobs.data.me.orders.edges.map((e: any) => e.node.id)).toEqual([bob]);
  });

  it("answers another shopper's order id with null, not an error", async () => {
    const order = await placeOrder('me_carol', 'IN', 34);
    const query = 'query Order($id: ID!) { order(id: $id) { id total { amount } } }';
    const own = await gql(stackUrls().gateway, query, { id: order }, await bearer('me_carol'));
    expect(own.data.order.id).toBe(order);
    const other = await gql(stackUrls().gateway, query, { id: order }, await bearer('me_dave'));
    expect(other.errors).toBeUndefined();
    expect(other.data.order).toBeNull();
  });
});
