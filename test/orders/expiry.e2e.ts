import { afterAll, describe, expect, inject, it } from 'vitest';
import { CART_ADD_LINE, CART_CREATE, available, gatewayEnvForStack, gql, setAvailable, skuWithStock, stackUrls, startExtra, type ExtraService } from '../harness/index.ts';

const started: ExtraService[] = [];
afterAll(async () => Promise.all(started.map((s) => s.stop())));

describe('reservation expiry', () => {
  it('gives the stock back when a cart is left alone past its reservation', async () => {
    // A second inventory and orders on the same databases, with a 2-second reservation.
    const dbs = inject('stackDatabases');
    const inventory = await startExtra('inventory', { DATABASE_URL: dbs.inventory!, RESERVATION_TTL_SECONDS: '2', RESERVATION_SWEEP_INTERVAL_MS: '200', MIGRATE_ON_START: 'false' });
    started.push(inventory);
    const orders = await startExtra('orders', { DATABASE_URL: dbs.orders!, INVENTORY_URL: inventory.url, PRICING_URL: stackUrls().pricing, MIGRATE_ON_START: 'false' });
    started.push(orders);
    const gateway = await startExtra('gateway', gatewayEnvForStack({ INVENTORY_URL: inventory.url, ORDERS_URL: orders.url }));
    started.push(gateway);

    const sku = await skuWithStock('EU', 5, 51);
    await setAvailable(sku, 'EU', 9);
    const cartId = (await gql(gateway.url, CART_CREATE, { region: 'EU' })).data.cartCreate.cart.id;
    const added = await gql(gateway.url, CART_ADD_LINE, { cartId, sku, quantity: 4 });
    expect(added.data.cartAddLine.userErrors).toEqual([]);
    const until = Date.parse(added.data.cartAddLine.cart.reservedUntil);
    expect(until - Date.now()).toBeLessThanOrEqual(2_500);
    expect(await available(sku, 'EU')).toBe(5);
    await expect.poll(() => available(sku, 'EU'), { timeout: 10_000, interval: 250 }).toBe(9);
    // Given back once: it stays at 9.
    await new Promise((r) => setTimeout(r, 800));
    expect(await available(sku, 'EU')).toBe(9);
  });
});
