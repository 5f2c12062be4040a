import { readFileSync } from 'node:fs';
import { buildSchema, type GraphQLObjectType } from 'graphql';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createBus, createDb, createLogger, createMetrics, createSubgraphApollo, dropDatabase, ensureDatabase, EventType, Header,
  internalCredentialGuard, migrateToLatest, startRelay, startService, withDatabase, type Db, type EventEnvelope, type PriceChangedData, type RunningService,
} from '@shop/platform';
import type { Context } from '../context.ts';
import type { PricingDatabase } from '../db/database.ts';
import { migrations } from '../db/migrations/index.ts';
import { seedPricing } from '../db/seed.ts';
import { buildPricing } from '../subgraph.ts';
import { setPrice, type SetPriceInput, type SetPriceResult } from './price.service.ts';

const serverUrl = inject('pgServerUrl');
const run = `${process.pid}_${Date.now()}`;
const database = `t_pricing_price_${run}`;
const logger = createLogger('test', 'silent');
const SECRET = 'test-internal-secret-0123456789';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let handle: Db<PricingDatabase>;
let db: Kysely<PricingDatabase>;
/** Seeded skus, handed out one per test so that tests never share a price. */
let skus: string[];

beforeAll(async () => {
  await ensureDatabase(serverUrl, database);
  handle = createDb<PricingDatabase>({ url: withDatabase(serverUrl, database), logger, poolSize: 20 });
  db = handle.db;
  await migrateToLatest(db, migrations);
  expect(await seedPricing(db, 20)).toBe(true);
  skus = (await db.selectFrom('price').select('sku').distinct().orderBy('sku').execute()).map((r) => r.sku);
  expect(skus.length).toBeGreaterThanOrEqual(20);
});

afterAll(async () => {
  await handle?.close();
  await dropDatabase(serverUrl, database);
});

let nextSku = 0;
const freshSku = () => skus[nextSku++]!;

/** The price row of a sku in a region, as setPrice may change it. */
const priceRow = (sku: string, region: 'US' | 'EU' | 'GB' | 'IN' | 'BR') =>
  db.selectFrom('price').select(['sku', 'product_id', 'region', 'currency_code', 'amount_minor', 'compare_at_minor', 'version', 'updated_at']).where('sku', '=', sku).where('region', '=', region).executeTakeFirst();

/** Every outbox row about a sku (any region), oldest first. */
const eventsOf = (sku: string) => db.selectFrom('outbox').selectAll().where('subject', 'like', `${sku}:%`).orderBy('seq').execute();
const outboxCount = async () => Number((await db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

function expectUserError(result: SetPriceResult, code: string, field: string, message?: RegExp) {
  expect(result.price).toBeNull();
  expect(result.userErrors).toHaveLength(1);
  expect(result.userErrors[0]).toMatchObject({ code, field: ['input', field] });
  expect(result.userErrors[0]!.message).toMatch(message ?? /./);
}

describe('setPrice', () => {
  it('changes the price row and appends exactly one pricing.price.changed in the same transaction', async () => {
    const sku = freshSku();
    const before = (await priceRow(sku, 'EU'))!;
    expect(await eventsOf(sku)).toEqual([]);
    const startedAt = Date.now();

    const result = await setPrice(db, { sku, region: 'EU', amount: '42.50', compareAt: '59.90' });

    expect(result).toEqual({
      price: { amount: { amount: '42.50', currencyCode: 'EUR' }, compareAt: { amount: '59.90', currencyCode: 'EUR' }, taxIncluded: true },
      userErrors: [],
    });
    const after = (await priceRow(sku, 'EU'))!;
    expect(after).toMatchObject({ amount_minor: 4250, compare_at_minor: 5990, version: before.version + 1, currency_code: 'EUR' });
    expect(after.updated_at.getTime()).toBeGreaterThan(before.updated_at.getTime());

    const events = await eventsOf(sku);
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event).toMatchObject({
      type: EventType.priceChanged,
      source: 'pricing',
      subject: `${sku}:EU`,
      version: after.version,
      data: { sku, productId: before.product_id, region: 'EU', amount: '42.50', compareAt: '59.90', currencyCode: 'EUR' } satisfies PriceChangedData,
      published_at: null,
    });
    expect(event!.id).toMatch(UUID);
    expect(event!.time.getTime()).toBeGreaterThanOrEqual(startedAt - 1_000);
    expect(event!.time.getTime()).toBeLessThanOrEqual(Date.now() + 1_000);
    // The same transaction wrote both rows: it is each row's xmin.
    const xmins = await sql<{ price: string; outbox: string }>`
      SELECT (SELECT xmin::text FROM price WHERE sku = ${sku} AND region = 'EU') AS price,
             (SELECT xmin::text FROM outbox WHERE id = ${event!.id}) AS outbox`.execute(db);
    expect(xmins.rows[0]!.outbox).toBe(xmins.rows[0]!.price);
    // Other regions of the sku are untouched.
    expect((await priceRow(sku, 'US'))!.version).toBe(1);
  });

  it('grows the version with every change of the sku in the region, and clears compareAt when it is left out', async () => {
    const sku = freshSku();
    const v0 = (await priceRow(sku, 'GB'))!.version;

    expect((await setPrice(db, { sku, region: 'GB', amount: '10.00', compareAt: '12.00' })).userErrors).toEqual([]);
    const cleared = await setPrice(db, { sku, region: 'GB', amount: '10.00' });
    expect(cleared.userErrors).toEqual([]);
    expect(cleared.price).toEqual({ amount: { amount: '10.00', currencyCode: 'GBP' }, compareAt: null, taxIncluded: true });
    expect((await setPrice(db, { sku, region: 'GB', amount: '9.5', compareAt: null })).userErrors).toEqual([]);
    expect((await setPrice(db, { sku, region: 'US', amount: '11' })).userErrors).toEqual([]);

    expect(await priceRow(sku, 'GB')).toMatchObject({ amount_minor: 950, compare_at_minor: null, version: v0 + 3 });
    const events = await eventsOf(sku);
    expect(events.map((e) => [e.subject, e.version, (e.data as PriceChangedData).amount, (e.data as PriceChangedData).compareAt])).toEqual([
      [`${sku}:GB`, v0 + 1, '10.00', '12.00'],
      [`${sku}:GB`, v0 + 2, '10.00', null],
      [`${sku}:GB`, v0 + 3, '9.50', null],
      [`${sku}:US`, 2, '11.00', null],
    ]);
    expect(new Set(events.map((e) => e.id)).size).toBe(4);
  });

  it('changes nothing and appends nothing when the sku already has that price', async () => {
    const sku = freshSku();
    await setPrice(db, { sku, region: 'IN', amount: '1499.00', compareAt: '1999.00' });
    const before = await priceRow(sku, 'IN');
    const count = await outboxCount();

    const result = await setPrice(db, { sku, region: 'IN', amount: '1499', compareAt: '1999.0' });

    expect(result).toEqual({ price: { amount: { amount: '1499.00', currencyCode: 'INR' }, compareAt: { amount: '1999.00', currencyCode: 'INR' }, taxIncluded: true }, userErrors: [] });
    expect(await priceRow(sku, 'IN')).toEqual(before);
    expect(await outboxCount()).toBe(count);
  });

  it('refuses bad input with a userError naming the field, and changes nothing and appends nothing', async () => {
    const sku = freshSku();
    await db.deleteFrom('price').where('sku', '=', sku).where('region', '=', 'BR').execute();
    const before = await db.selectFrom('price').selectAll().where('sku', '=', sku).orderBy('region').execute();
    const count = await outboxCount();
    const cases: [SetPriceInput, string, string, RegExp][] = [
      [{ sku: 'SKU-NOPE-1', region: 'US', amount: '10.00' }, 'NOT_FOUND', 'sku', /SKU-NOPE-1.*US/],
      [{ sku, region: 'BR', amount: '10.00' }, 'NOT_FOUND', 'sku', /no price/i],
      [{ sku, region: 'US', amount: '-1.00' }, 'BAD_USER_INPUT', 'amount', /"amount" must be above zero/],
      [{ sku, region: 'US', amount: '0.00' }, 'BAD_USER_INPUT', 'amount', /"amount" must be above zero/],
      [{ sku, region: 'US', amount: '19.999' }, 'BAD_USER_INPUT', 'amount', /"amount" has 3 decimal places; USD amounts have at most 2/],
      [{ sku, region: 'US', amount: '999999999999999.99' }, 'BAD_USER_INPUT', 'amount', /"amount" must be at most/],
      [{ sku, region: 'EU', amount: '20.00', compareAt: '20.00' }, 'BAD_USER_INPUT', 'compareAt', /"compareAt" \(20.00\) must be above "amount" \(20.00\)/],
      [{ sku, region: 'EU', amount: '20.00', compareAt: '19.99' }, 'BAD_USER_INPUT', 'compareAt', /must be above "amount"/],
      [{ sku, region: 'EU', amount: '20.00', compareAt: '-30.00' }, 'BAD_USER_INPUT', 'compareAt', /"compareAt" must be above zero/],
      [{ sku, region: 'EU', amount: '20.00', compareAt: '30.001' }, 'BAD_USER_INPUT', 'compareAt', /"compareAt" has 3 decimal places/],
    ];
    for (const [input, code, field, message] of cases) expectUserError(await setPrice(db, input), code, field, message);

    expect(await db.selectFrom('price').selectAll().where('sku', '=', sku).orderBy('region').execute()).toEqual(before);
    expect(await outboxCount()).toBe(count);
  });

  it('writes neither the price nor the event when appending the event fails', async () => {
    const sku = freshSku();
    const before = await priceRow(sku, 'US');
    await sql`ALTER TABLE outbox ADD CONSTRAINT test_refuse_events CHECK (false) NOT VALID`.execute(db);
    try {
      await expect(setPrice(db, { sku, region: 'US', amount: '77.00' })).rejects.toMatchObject({ constraint: 'test_refuse_events' });
    } finally {
      await sql`ALTER TABLE outbox DROP CONSTRAINT test_refuse_events`.execute(db);
    }
    expect(await priceRow(sku, 'US')).toEqual(before);
    expect(await eventsOf(sku)).toEqual([]);
  });

  /**
   * Race: merchandisers change one sku's price in one region at once. Each
   * change reads the row, compares, writes the next version and appends its
   * event. Unless the changes serialise on the row (the lock taken before the
   * read, held to commit), two of them can carry the same version (a consumer
   * drops one as already seen), land in the outbox out of version order, or
   * leave the row at a price that is not the last event's, so a cache that
   * follows the events shows a stale price.
   */
  it('serialises concurrent changes of one sku and region: versions are consecutive and the last event is the final price', async () => {
    const sku = freshSku();
    const v0 = (await priceRow(sku, 'US'))!.version;
    const amounts = Array.from({ length: 30 }, (_, i) => `${100 + i}.00`);

    const results = await Promise.allSettled(amounts.map((amount) => setPrice(db, { sku, region: 'US', amount })));

    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(results.every((r) => (r as PromiseFulfilledResult<SetPriceResult>).value.userErrors.length === 0)).toBe(true);
    const events = await eventsOf(sku);
    expect(events.map((e) => e.version)).toEqual(amounts.map((_, i) => v0 + 1 + i));
    expect(new Set(events.map((e) => (e.data as PriceChangedData).amount))).toEqual(new Set(amounts));
    const after = (await priceRow(sku, 'US'))!;
    expect(after.version).toBe(v0 + amounts.length);
    expect((events.at(-1)!.data as PriceChangedData).amount).toBe(`${after.amount_minor / 100}.00`);
  });
});

describe('setPrice over HTTP', () => {
  let service: RunningService;
  beforeAll(async () => {
    const def = buildPricing(db);
    service = await startService<Context>({
      name: 'pricing',
      host: '127.0.0.1',
      port: 0,
      logger,
      metrics: createMetrics('pricing'),
      apollo: createSubgraphApollo<Context>(def, { production: false, logger }),
      context: def.context,
      ready: async () => {},
      // The same guard runSubgraph puts in front of every subgraph.
      guard: internalCredentialGuard(SECRET),
    });
  });
  afterAll(async () => service?.close());

  const SET_PRICE = `mutation ($input: SetPriceInput!) {
    setPrice(input: $input) { price { amount { amount currencyCode } compareAt { amount currencyCode } taxIncluded } userErrors { code field message } }
  }`;
  async function post(variables: Record<string, unknown>, headers: Record<string, string> = {}) {
    const res = await fetch(service.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: SET_PRICE, variables }) });
    return { status: res.status, body: (await res.json()) as { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] } };
  }

  it('refuses a caller without the internal credential, and changes nothing', async () => {
    const sku = freshSku();
    const before = await priceRow(sku, 'US');
    for (const headers of [{} as Record<string, string>, { [Header.internal]: 'not-the-secret-not-the-secre' }, { [Header.internal]: '' }]) {
      const res = await post({ input: { sku, region: 'US', amount: '1.00' } }, headers);
      expect(res.status).toBe(403);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(res.body.data).toBeUndefined();
    }
    expect(await priceRow(sku, 'US')).toEqual(before);
    expect(await eventsOf(sku)).toEqual([]);
  });

  it('sets the price for a caller with it', async () => {
    const sku = freshSku();
    const res = await post({ input: { sku, region: 'US', amount: '24.00', compareAt: '30.00' } }, { [Header.internal]: SECRET });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: { setPrice: { price: { amount: { amount: '24.00', currencyCode: 'USD' }, compareAt: { amount: '30.00', currencyCode: 'USD' }, taxIncluded: false }, userErrors: [] } },
    });
    expect(await eventsOf(sku)).toHaveLength(1);
  });

  it('answers a userError, or BAD_USER_INPUT for a value that is not a Decimal, and changes nothing', async () => {
    const sku = freshSku();
    const before = await priceRow(sku, 'US');
    const refused = await post({ input: { sku, region: 'US', amount: '-5' } }, { [Header.internal]: SECRET });
    expect(refused.body.data.setPrice).toEqual({ price: null, userErrors: [{ code: 'BAD_USER_INPUT', field: ['input', 'amount'], message: '"amount" must be above zero, got "-5"' }] });
    for (const amount of ['abc', 19.9, '1e3']) {
      const res = await post({ input: { sku, region: 'US', amount } }, { [Header.internal]: SECRET });
      expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.body.errors?.[0]?.message).toMatch(/amount/);
    }
    expect(await priceRow(sku, 'US')).toEqual(before);
    expect(await eventsOf(sku)).toEqual([]);
  });

  it('is not part of the public API (the gateway refuses it)', () => {
    const api = buildSchema(readFileSync(new URL('../../../../schema/api.graphql', import.meta.url), 'utf8'));
    expect(Object.keys((api.getType('Mutation') as GraphQLObjectType).getFields())).not.toContain('setPrice');
    expect(api.getType('SetPriceInput')).toBeUndefined();
  });
});

describe('the relay', () => {
  it("publishes pricing's events to the bus as they were written", async () => {
    const busDatabase = `t_pricing_bus_${run}`;
    await ensureDatabase(serverUrl, busDatabase);
    const bus = createBus({ databaseUrl: withDatabase(serverUrl, busDatabase), logger, pollIntervalMs: 50 });
    const received: EventEnvelope[] = [];
    const subscription = await bus.subscribe({ group: 'test', types: [EventType.priceChanged], handler: async (e) => void received.push(e) });
    const relay = await startRelay({ source: 'pricing', databaseUrl: withDatabase(serverUrl, database), bus, logger, pollIntervalMs: 50 });
    try {
      const sku = freshSku();
      await setPrice(db, { sku, region: 'EU', amount: '15.00', compareAt: '20.00' });
      await relay.drained();
      const [written] = await eventsOf(sku);
      await expect.poll(() => received.find((e) => e.id === written!.id), { timeout: 10_000 }).toEqual({
        id: written!.id,
        type: EventType.priceChanged,
        source: 'pricing',
        time: written!.time.toISOString(),
        subject: `${sku}:EU`,
        version: written!.version,
        data: written!.data,
      });
      expect((await db.selectFrom('outbox').select('published_at').where('id', '=', written!.id).executeTakeFirstOrThrow()).published_at).not.toBeNull();
    } finally {
      await relay.stop();
      await subscription.close();
      await bus.close();
      await dropDatabase(serverUrl, busDatabase);
    }
  });
});
