import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createBus, createLogger, dropDatabase, ensureDatabase, EventType, startRelay, withDatabase, type Bus, type EventEnvelope, type Relay, type Subscription } from '@shop/platform';
import { startTestPersonalization, type TestPersonalization } from '../testing/database.ts';
import { userRecommendations } from '../recommend/recommend.service.ts';
import { startConsumer } from './consumer.ts';

const serverUrl = inject('pgServerUrl');
const redisUrl = inject('redisUrl');
const run = `${process.pid}_${Date.now()}`;
const logger = createLogger('test', 'silent');

async function until<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

function envelope(type: EventType, subject: string, version: number, data: unknown): EventEnvelope {
  return { id: randomUUID(), type, source: 'test', time: new Date().toISOString(), subject, version, data };
}

/**
 * The whole event path of this service against a real bus: events published
 * by other services reach the consumer; the refreshes it writes to its outbox
 * reach the bus through the relay.
 */
function consumerSuite(makeBus: () => Bus) {
  let t: TestPersonalization;
  let bus: Bus;
  let subscription: Subscription;
  let relay: Relay;
  const seen: EventEnvelope[] = [];
  let listener: Subscription;

  beforeAll(async () => {
    t = await startTestPersonalization({ serverUrl, redisUrl, name: 'consumer', products: 200, shoppers: 100 });
    bus = makeBus();
    subscription = await startConsumer(bus, t.recommender);
    listener = await bus.listen({ types: [EventType.recommendationsRefreshed, EventType.interactionRecorded], handler: (e) => void seen.push(e) });
    relay = await startRelay({ source: 'personalization', databaseUrl: t.handle.pool.options.connectionString!, bus, logger, pollIntervalMs: 200 });
  });

  afterAll(async () => {
    await relay?.stop();
    await listener?.close();
    await subscription?.close();
    await bus?.close();
    await t?.close();
  });

  it('takes a product that sells out off a shopper’s list within a second, and publishes the refresh', async () => {
    const userId = `bus_shopper_${randomUUID().slice(0, 8)}`;
    const list = await userRecommendations(t.recommender, userId, 'EU');
    const product = list[0]!.productId;
    const skus = await t.db.selectFrom('sku_stock').select(['sku', 'version']).where('product_id', '=', product).where('region', '=', 'EU').execute();
    const started = Date.now();
    for (const s of skus) {
      await bus.publish(envelope(EventType.stockChanged, `${s.sku}:EU`, Number(s.version) + 1, { sku: s.sku, region: 'EU', available: 0, badge: 'OUT_OF_STOCK', reason: 'commit' }));
    }
    await until(async () => ((await userRecommendations(t.recommender, userId, 'EU')).some((r) => r.productId === product) ? undefined : true), 'the product to leave the list', 1_000);
    const refreshed = await until(async () => seen.find((e) => e.type === EventType.recommendationsRefreshed && e.subject === `${userId}:EU`), 'recommendations.refreshed on the bus');
    expect(refreshed).toMatchObject({ source: 'personalization', data: { userId, region: 'EU' }, version: 2 });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('records an order’s purchases once, however often the event is delivered', async () => {
    const userId = `bus_buyer_${randomUUID().slice(0, 8)}`;
    await userRecommendations(t.recommender, userId, 'US');
    const order = envelope(EventType.orderPlaced, `order_${run}`, 1, {
      orderId: `order_${run}`,
      userId,
      region: 'US',
      lines: [{ sku: 'SKU-000005-1', productId: 'prod_000005', quantity: 1 }],
      totalMinor: 1000,
      currencyCode: 'USD',
    });
    await bus.publish(order);
    await bus.publish(order);
    await until(async () => seen.find((e) => e.type === EventType.interactionRecorded && e.subject === userId), 'interaction.recorded on the bus');
    await sleep(300);
    const rows = await t.db.selectFrom('interaction').select(['product_id', 'type']).where('user_id', '=', userId).execute();
    expect(rows).toEqual([{ product_id: 'prod_000005', type: 'PURCHASE' }]);
    expect(seen.filter((e) => e.type === EventType.interactionRecorded && e.subject === userId)).toHaveLength(1);
  });

  it('drops a malformed event instead of retrying it forever', async () => {
    const userId = `bus_after_bad_${randomUUID().slice(0, 8)}`;
    await bus.publish(envelope(EventType.orderPlaced, 'bad', 1, { orderId: 'bad', lines: 'nope' }));
    await bus.publish(envelope(EventType.orderPlaced, 'good', 1, { orderId: 'good', userId, region: 'EU', lines: [{ sku: 'SKU-000006-1', productId: 'prod_000006', quantity: 1 }] }));
    await until(async () => (await t.db.selectFrom('interaction').select('id').where('user_id', '=', userId).executeTakeFirst()) ?? undefined, 'the next event to be handled');
  });
}

describe('over the PostgreSQL bus', () => {
  const database = `t_pers_bus_${run}`;
  beforeAll(() => ensureDatabase(serverUrl, database));
  afterAll(() => dropDatabase(serverUrl, database));
  consumerSuite(() => createBus({ databaseUrl: withDatabase(serverUrl, database), logger, retryDelayMs: 100 }));
});

describe.skipIf(!redisUrl)('over the Redis bus', () => {
  consumerSuite(() => createBus({ redisUrl, streamPrefix: `test:pers:${run}:`, logger, retryDelayMs: 100 }));
});
