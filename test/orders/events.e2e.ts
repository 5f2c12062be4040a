import { afterAll, describe, expect, inject, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createBus, createLogger, EventType, type EventEnvelope } from '@shop/platform';
import { bearer, CART_ADD_LINE, CHECKOUT, createCart, gql, setAvailable, skuWithStock, stackUrls } from '../harness/index.ts';

const bus = createBus({ redisUrl: inject('redisUrl'), databaseUrl: inject('stackDatabases').bus, logger: createLogger('test', 'silent') });
afterAll(() => bus.close());

describe('events reach the bus through the outbox and the relay', () => {
  it('publishes inventory.stock.changed for a cart reservation, and orders.order.placed for a checkout', async () => {
    const received: { event: EventEnvelope; at: number }[] = [];
    const sub = await bus.listen({ types: [EventType.stockChanged, EventType.orderPlaced], handler: (event) => void received.push({ event, at: performance.now() }) });
    try {
      const sku = await skuWithStock('BR', 5, 61);
      await setAvailable(sku, 'BR', 7);
      const headers = await bearer('events_shopper');
      const cartId = await createCart('BR', headers);
      received.length = 0;
      const sent = performance.now();
      const res = await gql(stackUrls().gateway, CART_ADD_LINE, { cartId, sku, quantity: 2 }, headers);
      expect(res.data.cartAddLine.userErrors).toEqual([]);
      await expect.poll(() => received.find((r) => r.event.subject === `${sku}:BR`), { timeout: 5_000, interval: 20 }).toBeDefined();
      const stock = received.find((r) => r.event.subject === `${sku}:BR`)!;
      expect(stock.event).toMatchObject({ type: 'inventory.stock.changed', source: 'inventory', data: { sku, region: 'BR', available: 5, badge: 'LOW_STOCK' } });
      expect(stock.at - sent).toBeLessThan(1_000);

      const order = await gql(stackUrls().gateway, CHECKOUT, { cartId, idempotencyKey: randomUUID(), paymentToken: 'tok_visa' }, headers);
      const orderId = order.data.checkout.order.id;
      await expect.poll(() => received.find((r) => r.event.type === 'orders.order.placed' && r.event.subject === orderId), { timeout: 5_000, interval: 20 }).toBeDefined();
      const placed = received.find((r) => r.event.subject === orderId)!.event;
      expect(placed.data).toMatchObject({ orderId, userId: 'events_shopper', region: 'BR', lines: [{ sku, quantity: 2 }] });
    } finally {
      await sub.close();
    }
  });
});
