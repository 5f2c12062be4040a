import { randomUUID } from 'node:crypto';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDb, createLogger, dropDatabase, ensureDatabase, ErrorCode, EventType, migrateToLatest, withDatabase, type Db, type RegionCode, type StockChangedData } from '@shop/platform';
import type { InventoryDatabase, ReservationStatus } from '../db/database.ts';
import { migrations } from '../db/migrations/index.ts';
import { seedInventory } from '../db/seed.ts';
import { stockView } from '../stock/stock.rules.ts';
import { startExpirySweeper, sweepExpired, type SweptReservation } from './expiry.ts';
import { commitReservations, releaseStock, reserveStock, reserveStockLines, ReservationErrorCode, type ReserveStockInput, type ReserveStockResult } from './reservation.service.ts';

const serverUrl = inject('pgServerUrl');
const database = `t_inventory_reservation_${process.pid}_${Date.now()}`;
const options = { defaultTtlSeconds: 900 };

let handle: Db<InventoryDatabase>;
let db: Kysely<InventoryDatabase>;
/** A second pool on the same database that counts the statements it sends (the N+1 checks). */
let counting: Db<InventoryDatabase>;
let statementsSent = 0;
/** Seeded skus, handed out one per use so that tests never share stock. */
let skus: string[];

beforeAll(async () => {
  await ensureDatabase(serverUrl, database);
  handle = createDb<InventoryDatabase>({ url: withDatabase(serverUrl, database), logger: createLogger('test', 'silent'), poolSize: 20 });
  db = handle.db;
  counting = createDb<InventoryDatabase>({ url: withDatabase(serverUrl, database), logger: createLogger('test', 'silent'), poolSize: 2, onQuery: () => statementsSent++ });
  await migrateToLatest(db, migrations);
  expect(await seedInventory(db, 40)).toBe(true);
  skus = (await db.selectFrom('inventory_item').select('sku').orderBy('sku').execute()).map((r) => r.sku);
  expect(skus.length).toBeGreaterThanOrEqual(90);
});

afterAll(async () => {
  await counting?.close();
  await handle?.close();
  await dropDatabase(serverUrl, database);
});

let nextSku = 0;
const freshSku = () => skus[nextSku++]!;
const newCart = (label = 'cart') => `${label}-${randomUUID()}`;

/**
 * Sets a sku's stock in a region with SQL (so no event is written): each
 * listed location to its units, the region's other locations to 0, the
 * level to their sum with nothing reserved.
 */
async function setStock(sku: string, region: RegionCode, units: Record<string, number>) {
  const codes = (await db.selectFrom('location').select('code').where('region', '=', region).execute()).map((l) => l.code);
  for (const code of codes) {
    const onHand = units[code] ?? 0;
    await db
      .insertInto('location_stock')
      .values({ sku, location_code: code, on_hand: onHand })
      .onConflict((oc) => oc.columns(['sku', 'location_code']).doUpdateSet({ on_hand: onHand }))
      .execute();
  }
  const total = Object.values(units).reduce((a, b) => a + b, 0);
  await db.updateTable('inventory_level').set({ on_hand: total, reserved: 0 }).where('sku', '=', sku).where('region', '=', region).executeTakeFirstOrThrow();
}

const level = (sku: string, region: RegionCode) =>
  db.selectFrom('inventory_level').select(['on_hand', 'reserved', 'version']).where('sku', '=', sku).where('region', '=', region).executeTakeFirstOrThrow();

async function locationUnits(sku: string, region: RegionCode): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('location_stock as s')
    .innerJoin('location as l', 'l.code', 's.location_code')
    .select(['s.location_code', 's.on_hand'])
    .where('s.sku', '=', sku)
    .where('l.region', '=', region)
    .orderBy('s.location_code')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.location_code, r.on_hand]));
}
const sum = (units: Record<string, number>) => Object.values(units).reduce((a, b) => a + b, 0);

/** The sku's stock events in the region, in the order they were written. */
async function events(sku: string, region: RegionCode) {
  const rows = await db.selectFrom('outbox').select(['type', 'source', 'subject', 'version', 'data']).where('subject', '=', `${sku}:${region}`).orderBy('seq').execute();
  return rows.map((r) => ({ ...r, data: r.data as StockChangedData }));
}

const holds = (cartId: string) => db.selectFrom('reservation').select(['sku', 'region', 'quantity', 'status', 'expires_at']).where('cart_id', '=', cartId).orderBy('sku').orderBy('created_at').execute();
const statusOf = async (cartId: string, sku: string): Promise<ReservationStatus[]> =>
  (await db.selectFrom('reservation').select('status').where('cart_id', '=', cartId).where('sku', '=', sku).orderBy('created_at').execute()).map((r) => r.status);

const reserve = (input: Partial<ReserveStockInput> & Pick<ReserveStockInput, 'cartId' | 'sku' | 'quantity'>) => reserveStock(db, { region: 'US', ...input }, options);

/** Moves every HELD reservation of the cart (or of one sku of it) to an expiry `offsetMs` from the database's clock. */
async function expireAt(cartId: string, offsetMs: number, sku?: string) {
  let q = db.updateTable('reservation').set({ expires_at: sql<Date>`clock_timestamp() + ${offsetMs} * interval '1 millisecond'` }).where('cart_id', '=', cartId).where('status', '=', 'HELD');
  if (sku) q = q.where('sku', '=', sku);
  await q.execute();
}

function expectReserved(result: ReserveStockResult, quantity: number) {
  expect(result.userErrors).toEqual([]);
  expect(result.reservation).toMatchObject({ quantity });
}

function expectRefused(result: ReserveStockResult, code: string, field: string) {
  expect(result.reservation).toBeNull();
  expect(result.userErrors).toHaveLength(1);
  expect(result.userErrors[0]).toMatchObject({ code, field: ['input', field] });
  expect(result.userErrors[0]!.message).not.toBe('');
}

describe('reserveStock', () => {
  /**
   * Race: 500 shoppers put the last 100 units of a sku into their carts at
   * once. If availability were read in one statement and `reserved` written in
   * another (or the level row were not locked), two carts would both take the
   * last unit: more than 100 would succeed, `reserved` would pass `on_hand`
   * (or the CHECK would turn a reservation into an error), and events would be
   * lost or carry the same version twice.
   */
  it('holds exactly the 100 available units among 500 concurrent carts and writes one event per unit', async () => {
    const sku = freshSku();
    await setStock(sku, 'US', { 'us-nj': 60, 'us-nv': 40 });
    const before = await level(sku, 'US');
    expect(before).toMatchObject({ on_hand: 100, reserved: 0 });
    expect(await events(sku, 'US')).toEqual([]);

    const carts = Array.from({ length: 500 }, (_, i) => newCart(`race${i}`));
    const results = await Promise.allSettled(carts.map((cartId) => reserve({ cartId, sku, quantity: 1 })));

    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const values = results.map((r) => (r as PromiseFulfilledResult<ReserveStockResult>).value);
    const held = values.filter((v) => v.userErrors.length === 0);
    const refused = values.filter((v) => v.userErrors.length > 0);
    expect(held).toHaveLength(100);
    expect(refused).toHaveLength(400);
    for (const r of refused) {
      expectRefused(r, ErrorCode.INSUFFICIENT_STOCK, 'quantity');
      expect(r.stock).toEqual({ available: 0, badge: 'OUT_OF_STOCK' });
    }
    // Each hold saw a different availability after it: 99, 98, …, 0. None below zero.
    expect(held.map((v) => v.stock!.available).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));

    const after = await level(sku, 'US');
    expect(after).toEqual({ on_hand: 100, reserved: 100, version: before.version + 100 });
    const negative = await sql<{ n: number }>`SELECT count(*)::int AS n FROM inventory_level WHERE on_hand - reserved < 0`.execute(db);
    expect(negative.rows[0]!.n).toBe(0);
    const check = await sql<{ def: string }>`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'inventory_level_no_oversell'`.execute(db);
    expect(check.rows.map((r) => r.def)).toEqual(['CHECK ((reserved <= on_hand))']);

    const rows = await db.selectFrom('reservation').select(['cart_id', 'quantity', 'status']).where('sku', '=', sku).execute();
    expect(rows).toHaveLength(100);
    expect(rows.every((r) => r.quantity === 1 && r.status === 'HELD')).toBe(true);
    const winners = new Set(held.map((v) => v.reservation!.cartId));
    expect(new Set(rows.map((r) => r.cart_id))).toEqual(winners);

    const written = await events(sku, 'US');
    expect(written).toHaveLength(100);
    expect(written.map((e) => e.version)).toEqual(Array.from({ length: 100 }, (_, i) => before.version + 1 + i));
    expect(written.map((e) => e.data.available)).toEqual(Array.from({ length: 100 }, (_, i) => 99 - i));
    expect(written.every((e) => e.type === EventType.stockChanged && e.source === 'inventory' && e.data.sku === sku && e.data.region === 'US' && e.data.reason === 'reservation')).toBe(true);
    expect(written.at(-1)!.data).toMatchObject({ available: 0, badge: 'OUT_OF_STOCK' });
    const allSubjects = await db.selectFrom('outbox').select(sql<number>`count(*)::int`.as('n')).where('subject', 'like', `${sku}:%`).executeTakeFirstOrThrow();
    expect(allSubjects.n).toBe(100);
  });

  it('re-reserving the same quantity changes no stock and writes no event, but refreshes the expiry', async () => {
    const sku = freshSku();
    await setStock(sku, 'US', { 'us-nj': 20 });
    const cartId = newCart();
    const first = await reserve({ cartId, sku, quantity: 3 });
    expectReserved(first, 3);
    expect(first.reservation).toEqual({ cartId, sku, region: 'US', quantity: 3, expiresAt: expect.any(String) });
    expect(first.stock).toEqual(stockView(20, 3));
    await expireAt(cartId, 10_000);
    const before = { level: await level(sku, 'US'), events: await events(sku, 'US'), holds: await holds(cartId) };
    expect(before.events).toHaveLength(1);

    const again = await reserve({ cartId, sku, quantity: 3 });

    expectReserved(again, 3);
    expect(again.stock).toEqual(stockView(20, 3));
    expect(await level(sku, 'US')).toEqual(before.level);
    expect(await events(sku, 'US')).toEqual(before.events);
    const after = await holds(cartId);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ quantity: 3, status: 'HELD' });
    expect(after[0]!.expires_at.getTime()).toBeGreaterThan(before.holds[0]!.expires_at.getTime() + 800_000);
    expect(Date.parse(again.reservation!.expiresAt)).toBe(after[0]!.expires_at.getTime());
  });

  it('moves reserved by the difference when the quantity is raised or lowered', async () => {
    const sku = freshSku();
    await setStock(sku, 'US', { 'us-nv': 20 });
    const cartId = newCart();
    const start = await level(sku, 'US');

    expectReserved(await reserve({ cartId, sku, quantity: 3 }), 3);
    expect(await level(sku, 'US')).toMatchObject({ reserved: 3, on_hand: 20 });
    expectReserved(await reserve({ cartId, sku, quantity: 7 }), 7);
    expect(await level(sku, 'US')).toMatchObject({ reserved: 7, on_hand: 20 });
    const lowered = await reserve({ cartId, sku, quantity: 2 });
    expectReserved(lowered, 2);
    expect(lowered.stock).toEqual(stockView(20, 2));
    expect(await level(sku, 'US')).toEqual({ on_hand: 20, reserved: 2, version: start.version + 3 });

    expect(await holds(cartId)).toMatchObject([{ quantity: 2, status: 'HELD' }]);
    expect((await events(sku, 'US')).map((e) => [e.version, e.data.available, e.data.reason])).toEqual([
      [start.version + 1, 17, 'reservation'],
      [start.version + 2, 13, 'reservation'],
      [start.version + 3, 18, 'release'],
    ]);
  });

  it('gives the units back exactly once for quantity 0', async () => {
    const sku = freshSku();
    await setStock(sku, 'US', { 'us-tx': 9 });
    const cartId = newCart();
    expectReserved(await reserve({ cartId, sku, quantity: 5 }), 5);

    const released = await reserve({ cartId, sku, quantity: 0 });
    expect(released).toEqual({ reservation: null, stock: stockView(9, 0), userErrors: [] });
    const after = await level(sku, 'US');
    expect(after.reserved).toBe(0);
    expect(await statusOf(cartId, sku)).toEqual(['RELEASED']);

    // Again: nothing is held, so nothing is given back and nothing is written.
    expect(await reserve({ cartId, sku, quantity: 0 })).toEqual({ reservation: null, stock: stockView(9, 0), userErrors: [] });
    expect(await level(sku, 'US')).toEqual(after);
    expect((await events(sku, 'US')).map((e) => e.data.reason)).toEqual(['reservation', 'release']);

    // The cart can hold the sku again afterwards: a new HELD row, the released one stays as history.
    expectReserved(await reserve({ cartId, sku, quantity: 1 }), 1);
    expect(await statusOf(cartId, sku)).toEqual(['RELEASED', 'HELD']);
  });

  it('refuses more than is available with INSUFFICIENT_STOCK, reports what is available and changes nothing', async () => {
    const sku = freshSku();
    await setStock(sku, 'EU', { 'eu-de': 3, 'eu-nl': 2 });
    const holder = newCart();
    expectReserved(await reserve({ cartId: holder, sku, region: 'EU', quantity: 3 }), 3);
    await expireAt(holder, 60_000);
    const before = { level: await level(sku, 'EU'), events: await events(sku, 'EU'), holds: await holds(holder) };

    // A new cart asking for more than the 2 left.
    const other = newCart();
    const refused = await reserve({ cartId: other, sku, region: 'EU', quantity: 4 });
    expectRefused(refused, ErrorCode.INSUFFICIENT_STOCK, 'quantity');
    expect(refused.stock).toEqual({ available: 2, badge: 'LOW_STOCK' });
    expect(refused.userErrors[0]!.message).toContain('Only 2');
    expect(await holds(other)).toEqual([]);

    // The holder raising its hold past what is left: its hold and its expiry stay as they were.
    const raised = await reserve({ cartId: holder, sku, region: 'EU', quantity: 6 });
    expectRefused(raised, ErrorCode.INSUFFICIENT_STOCK, 'quantity');
    expect(raised.stock).toEqual({ available: 2, badge: 'LOW_STOCK' });
    expect(await holds(holder)).toEqual(before.holds);

    expect(await level(sku, 'EU')).toEqual(before.level);
    expect(await events(sku, 'EU')).toEqual(before.events);

    // Exactly what is left is fine.
    expectReserved(await reserve({ cartId: holder, sku, region: 'EU', quantity: 5 }), 5);
    expect(await level(sku, 'EU')).toMatchObject({ on_hand: 5, reserved: 5 });
  });

  it('refuses a sku that has no stock level in the region as INSUFFICIENT_STOCK', async () => {
    const sku = freshSku();
    await db.deleteFrom('inventory_level').where('sku', '=', sku).where('region', '=', 'BR').execute();
    const cartId = newCart();
    const result = await reserve({ cartId, sku, region: 'BR', quantity: 1 });
    expectRefused(result, ErrorCode.INSUFFICIENT_STOCK, 'quantity');
    expect(result.stock).toEqual({ available: 0, badge: 'OUT_OF_STOCK' });
    expect(await holds(cartId)).toEqual([]);
  });

  it('answers NOT_FOUND and BAD_USER_INPUT as data, changing nothing', async () => {
    const sku = freshSku();
    await setStock(sku, 'US', { 'us-nj': 10 });
    const cartId = newCart();
    expectReserved(await reserve({ cartId, sku, quantity: 2 }), 2);
    const before = { level: await level(sku, 'US'), events: await events(sku, 'US'), holds: await holds(cartId) };

    expectRefused(await reserve({ cartId, sku: 'SKU-NOPE-1', quantity: 1 }), ErrorCode.NOT_FOUND, 'sku');
    expectRefused(await reserve({ cartId, sku, quantity: -1 }), ErrorCode.BAD_USER_INPUT, 'quantity');
    expectRefused(await reserve({ cartId, sku, quantity: 1.5 }), ErrorCode.BAD_USER_INPUT, 'quantity');
    expectRefused(await reserve({ cartId: '  ', sku, quantity: 1 }), ErrorCode.BAD_USER_INPUT, 'cartId');
    expectRefused(await reserve({ cartId, sku, quantity: 1, ttlSeconds: 0 }), ErrorCode.BAD_USER_INPUT, 'ttlSeconds');
    expectRefused(await reserve({ cartId, sku, quantity: 1, ttlSeconds: 86_401 }), ErrorCode.BAD_USER_INPUT, 'ttlSeconds');
    expectRefused(await reserve({ cartId, sku, quantity: 1, region: 'XX' as RegionCode }), ErrorCode.BAD_USER_INPUT, 'region');
    // The cart holds the sku in US; holding it in EU as well is refused, not silently moved.
    expectRefused(await reserve({ cartId, sku, quantity: 1, region: 'EU' }), ErrorCode.BAD_USER_INPUT, 'region');

    expect(await level(sku, 'US')).toEqual(before.level);
    expect(await events(sku, 'US')).toEqual(before.events);
    expect(await holds(cartId)).toEqual(before.holds);
    expect(await db.selectFrom('reservation').select('id').where('sku', '=', 'SKU-NOPE-1').execute()).toEqual([]);
  });

  it('refreshes the expiry of all the cart’s holds on every reserve, with the default TTL when none is given', async () => {
    const [a, b, c] = [freshSku(), freshSku(), freshSku()];
    for (const sku of [a, b, c]) await setStock(sku, 'GB', { 'gb-mid': 10 });
    const cartId = newCart();
    const at = (r: ReserveStockResult) => Date.parse(r.reservation!.expiresAt);

    const ra = await reserveStock(db, { cartId, sku: a, region: 'GB', quantity: 1, ttlSeconds: 60 }, options);
    expect(at(ra) - Date.now()).toBeGreaterThan(55_000);
    expect(at(ra) - Date.now()).toBeLessThan(65_000);

    const rb = await reserveStock(db, { cartId, sku: b, region: 'GB', quantity: 1, ttlSeconds: 3_600 }, options);
    let rows = await holds(cartId);
    expect(rows.map((r) => r.expires_at.getTime())).toEqual([at(rb), at(rb)]);
    expect(at(rb) - Date.now()).toBeGreaterThan(3_595_000);

    const rc = await reserveStock(db, { cartId, sku: c, region: 'GB', quantity: 1 }, options);
    rows = await holds(cartId);
    expect(rows.map((r) => r.expires_at.getTime())).toEqual([at(rc), at(rc), at(rc)]);
    expect(at(rc) - Date.now()).toBeGreaterThan(895_000);
    expect(at(rc) - Date.now()).toBeLessThan(905_000);
  });

  it('reports INSUFFICIENT_STOCK, not an error, when the CHECK constraint is what refuses the write', async () => {
    const sku = freshSku();
    await setStock(sku, 'IN', { 'in-mh': 4 });
    const cartId = newCart();
    expectReserved(await reserve({ cartId, sku, region: 'IN', quantity: 2 }), 2);
    const before = { level: await level(sku, 'IN'), events: await events(sku, 'IN'), holds: await holds(cartId) };
    // A stricter CHECK under the same name, so that the conditional UPDATE lets a reservation through that the constraint refuses.
    await sql`ALTER TABLE inventory_level DROP CONSTRAINT inventory_level_no_oversell, ADD CONSTRAINT inventory_level_no_oversell CHECK (reserved <= on_hand - 1) NOT VALID`.execute(db);
    try {
      const result = await reserve({ cartId, sku, region: 'IN', quantity: 4 });
      expectRefused(result, ErrorCode.INSUFFICIENT_STOCK, 'quantity');
      expect(result.stock).toEqual({ available: 2, badge: 'LOW_STOCK' });
    } finally {
      await sql`ALTER TABLE inventory_level DROP CONSTRAINT inventory_level_no_oversell, ADD CONSTRAINT inventory_level_no_oversell CHECK (reserved <= on_hand)`.execute(db);
    }
    expect(await level(sku, 'IN')).toEqual(before.level);
    expect(await events(sku, 'IN')).toEqual(before.events);
    expect(await holds(cartId)).toEqual(before.holds);
  });
});

/** Statements `work` sends through the counting pool. */
async function statementsOf(work: (db: Kysely<InventoryDatabase>) => Promise<unknown>): Promise<number> {
  const before = statementsSent;
  await work(counting.db);
  return statementsSent - before;
}

describe('reserveStockLines', () => {
  it('sets every line of a cart at once: new holds, raised and given-back ones, one event per changed sku', async () => {
    const [a, b, c, d] = [freshSku(), freshSku(), freshSku(), freshSku()].sort();
    for (const sku of [a, b, c, d]) await setStock(sku!, 'EU', { 'eu-de': 10 });
    const cartId = newCart();
    expectReserved(await reserve({ cartId, sku: a!, region: 'EU', quantity: 2 }), 2);
    expectReserved(await reserve({ cartId, sku: c!, region: 'EU', quantity: 4 }), 4);
    expectReserved(await reserve({ cartId, sku: d!, region: 'EU', quantity: 1 }), 1);
    const before = { a: await level(a!, 'EU'), b: await level(b!, 'EU'), c: await level(c!, 'EU'), d: await level(d!, 'EU') };
    const eventsBefore = { a: (await events(a!, 'EU')).length, d: (await events(d!, 'EU')).length };

    // Out of order on purpose: a raised, b new, c given back, d unchanged.
    const result = await reserveStockLines(db, { cartId, region: 'EU', lines: [{ sku: c!, quantity: 0 }, { sku: b!, quantity: 3 }, { sku: d!, quantity: 1 }, { sku: a!, quantity: 5 }] }, options);

    expect(result.userErrors).toEqual([]);
    const expiresAt = result.reservations[0]!.expiresAt;
    expect(result.reservations).toEqual([
      { cartId, sku: a, region: 'EU', quantity: 5, expiresAt },
      { cartId, sku: b, region: 'EU', quantity: 3, expiresAt },
      { cartId, sku: d, region: 'EU', quantity: 1, expiresAt },
    ]);
    expect(await level(a!, 'EU')).toEqual({ on_hand: 10, reserved: 5, version: before.a.version + 1 });
    expect(await level(b!, 'EU')).toEqual({ on_hand: 10, reserved: 3, version: before.b.version + 1 });
    expect(await level(c!, 'EU')).toEqual({ on_hand: 10, reserved: 0, version: before.c.version + 1 });
    expect(await level(d!, 'EU')).toEqual(before.d);
    const rows = await holds(cartId);
    expect(rows.map((r) => [r.sku, r.quantity, r.status])).toEqual([
      [a, 5, 'HELD'],
      [b, 3, 'HELD'],
      [c, 4, 'RELEASED'],
      [d, 1, 'HELD'],
    ]);
    // Every HELD row shares the new expiry.
    expect(rows.filter((r) => r.status === 'HELD').map((r) => r.expires_at.getTime())).toEqual([Date.parse(expiresAt), Date.parse(expiresAt), Date.parse(expiresAt)]);
    expect((await events(a!, 'EU')).at(-1)).toMatchObject({ version: before.a.version + 1, data: { available: 5, reason: 'reservation' } });
    expect((await events(b!, 'EU')).at(-1)).toMatchObject({ version: before.b.version + 1, data: { available: 7, reason: 'reservation' } });
    expect((await events(c!, 'EU')).at(-1)).toMatchObject({ version: before.c.version + 1, data: { available: 10, reason: 'release' } });
    expect((await events(a!, 'EU')).length).toBe(eventsBefore.a + 1);
    expect((await events(d!, 'EU')).length).toBe(eventsBefore.d);

    // The same lines again change nothing but the expiry.
    const snapshot = { levels: [await level(a!, 'EU'), await level(b!, 'EU')], events: await events(a!, 'EU') };
    const again = await reserveStockLines(db, { cartId, region: 'EU', lines: [{ sku: a!, quantity: 5 }, { sku: b!, quantity: 3 }] }, options);
    expect(again.userErrors).toEqual([]);
    expect([await level(a!, 'EU'), await level(b!, 'EU')]).toEqual(snapshot.levels);
    expect(await events(a!, 'EU')).toEqual(snapshot.events);
  });

  it('changes nothing when one line lacks stock, and names that line', async () => {
    const [a, b] = [freshSku(), freshSku()].sort();
    await setStock(a!, 'GB', { 'gb-mid': 10 });
    await setStock(b!, 'GB', { 'gb-mid': 2 });
    const cartId = newCart();
    expectReserved(await reserve({ cartId, sku: a!, region: 'GB', quantity: 1 }), 1);
    await expireAt(cartId, 60_000);
    const before = { a: await level(a!, 'GB'), b: await level(b!, 'GB'), events: [await events(a!, 'GB'), await events(b!, 'GB')], holds: await holds(cartId) };

    const result = await reserveStockLines(db, { cartId, region: 'GB', lines: [{ sku: a!, quantity: 4 }, { sku: b!, quantity: 3 }] }, options);

    expect(result.reservations).toEqual([]);
    expect(result.userErrors).toEqual([{ code: ErrorCode.INSUFFICIENT_STOCK, field: ['input', 'lines', '1', 'quantity'], message: expect.stringContaining('Only 2') }]);
    expect(await level(a!, 'GB')).toEqual(before.a);
    expect(await level(b!, 'GB')).toEqual(before.b);
    expect([await events(a!, 'GB'), await events(b!, 'GB')]).toEqual(before.events);
    expect(await holds(cartId)).toEqual(before.holds);
  });

  it('answers NOT_FOUND, ALREADY_COMMITTED and BAD_USER_INPUT as data', async () => {
    const [a, b] = [freshSku(), freshSku()];
    await setStock(a!, 'US', { 'us-nj': 10 });
    await setStock(b!, 'US', { 'us-nj': 10 });
    const cartId = newCart();
    const lines = (...l: [string, number][]) => l.map(([sku, quantity]) => ({ sku, quantity }));
    const call = (input: Partial<Parameters<typeof reserveStockLines>[1]>) => reserveStockLines(db, { cartId, region: 'US', lines: lines([a!, 1]), ...input }, options);

    expect((await call({ lines: lines([a!, 1], ['SKU-NOPE-1', 1]) })).userErrors).toMatchObject([{ code: ErrorCode.NOT_FOUND, field: ['input', 'lines', '1', 'sku'] }]);
    expect((await call({ lines: [] })).userErrors).toMatchObject([{ code: ErrorCode.BAD_USER_INPUT, field: ['input', 'lines'] }]);
    expect((await call({ lines: lines([a!, 1], [a!, 2]) })).userErrors).toMatchObject([{ code: ErrorCode.BAD_USER_INPUT, field: ['input', 'lines'] }]);
    expect((await call({ lines: lines([a!, 1], [b!, -1]) })).userErrors).toMatchObject([{ code: ErrorCode.BAD_USER_INPUT, field: ['input', 'lines', '1', 'quantity'] }]);
    expect((await call({ region: 'XX' as RegionCode })).userErrors).toMatchObject([{ code: ErrorCode.BAD_USER_INPUT, field: ['input', 'region'] }]);
    expect((await call({ ttlSeconds: 0 })).userErrors).toMatchObject([{ code: ErrorCode.BAD_USER_INPUT, field: ['input', 'ttlSeconds'] }]);
    expect(await holds(cartId)).toEqual([]);

    expect((await call({ lines: lines([a!, 1], [b!, 2]) })).userErrors).toEqual([]);
    expect((await commitReservations(db, cartId)).userErrors).toEqual([]);
    const sold = { a: await level(a!, 'US'), b: await level(b!, 'US') };
    // A checkout retried after its commit: nothing is held again.
    expect((await call({ lines: lines([a!, 1], [b!, 2]) })).userErrors).toMatchObject([{ code: ReservationErrorCode.ALREADY_COMMITTED, field: ['input', 'cartId'] }]);
    expect({ a: await level(a!, 'US'), b: await level(b!, 'US') }).toEqual(sold);
  });

  it('holds exactly what is available when many carts reserve the same skus at once, listed in different orders', async () => {
    const [a, b] = [freshSku(), freshSku()].sort();
    await setStock(a!, 'US', { 'us-nj': 12, 'us-tx': 8 });
    await setStock(b!, 'US', { 'us-nv': 30 });
    const carts = Array.from({ length: 60 }, (_, i) => newCart(`lines${i}`));
    const results = await Promise.all(
      carts.map((cartId, i) => reserveStockLines(db, { cartId, region: 'US', lines: i % 2 ? [{ sku: a!, quantity: 1 }, { sku: b!, quantity: 1 }] : [{ sku: b!, quantity: 1 }, { sku: a!, quantity: 1 }] }, options)),
    );
    const held = results.filter((r) => r.userErrors.length === 0);
    expect(held).toHaveLength(20); // a has 20 units; all or nothing, so b keeps 10
    expect(results.filter((r) => r.userErrors.length > 0).every((r) => r.userErrors[0]!.code === ErrorCode.INSUFFICIENT_STOCK)).toBe(true);
    expect(await level(a!, 'US')).toMatchObject({ on_hand: 20, reserved: 20 });
    expect(await level(b!, 'US')).toMatchObject({ on_hand: 30, reserved: 20 });
  });
});

describe('statements per cart, whatever its number of lines', () => {
  /** A cart of `n` skus with stock in IN, each held once by reserveStock. */
  async function cartOf(n: number): Promise<{ cartId: string; lines: { sku: string; quantity: number }[] }> {
    const lines = Array.from({ length: n }, () => ({ sku: freshSku(), quantity: 1 }));
    for (const l of lines) await setStock(l.sku, 'IN', { 'in-mh': 3, 'in-ka': 3 });
    const cartId = newCart();
    for (const l of lines) expectReserved(await reserve({ cartId, sku: l.sku, region: 'IN', quantity: 1 }), 1);
    return { cartId, lines };
  }

  it('reserveStockLines (a checkout confirming its lines, one of them raised) and commitReservations send as many for 2 lines as for 20', async () => {
    const small = await cartOf(2);
    const large = await cartOf(20);
    const confirm = (cart: { cartId: string; lines: { sku: string; quantity: number }[] }) => (d: Kysely<InventoryDatabase>) =>
      reserveStockLines(d, { cartId: cart.cartId, region: 'IN', lines: cart.lines.map((l, i) => ({ ...l, quantity: i === 0 ? 4 : 1 })) }, options).then((r) => expect(r.userErrors).toEqual([]));
    const commit = (cart: { cartId: string }) => (d: Kysely<InventoryDatabase>) => commitReservations(d, cart.cartId).then((r) => expect(r.userErrors).toEqual([]));

    const reserveCounts = [await statementsOf(confirm(small)), await statementsOf(confirm(large))];
    const commitCounts = [await statementsOf(commit(small)), await statementsOf(commit(large))];

    expect(reserveCounts[1]).toBe(reserveCounts[0]);
    expect(commitCounts[1]).toBe(commitCounts[0]);
    expect(reserveCounts[0]).toBeGreaterThan(0);
    // The raised line took units from both warehouses (4 of 3 + 3): the sale still went through in the same statements.
    expect(await locationUnits(large.lines[0]!.sku, 'IN')).toEqual({ 'in-ka': 0, 'in-mh': 2 });
    expect(await level(large.lines[0]!.sku, 'IN')).toMatchObject({ on_hand: 2, reserved: 0 });
  });
});

describe('releaseStock', () => {
  it('gives back one sku or all of a cart’s holds, each exactly once', async () => {
    const [a, b] = [freshSku(), freshSku()].sort();
    await setStock(a!, 'US', { 'us-nj': 10 });
    await setStock(b!, 'US', { 'us-nv': 10 });
    const cartId = newCart();
    const bystander = newCart();
    expectReserved(await reserve({ cartId, sku: a!, quantity: 2 }), 2);
    expectReserved(await reserve({ cartId, sku: b!, quantity: 3 }), 3);
    expectReserved(await reserve({ cartId: bystander, sku: a!, quantity: 1 }), 1);

    expect(await releaseStock(db, cartId, a)).toEqual({ released: [{ sku: a, region: 'US', quantity: 2 }], userErrors: [] });
    expect(await level(a!, 'US')).toMatchObject({ reserved: 1 });
    expect(await level(b!, 'US')).toMatchObject({ reserved: 3 });
    const afterOne = { a: await level(a!, 'US'), events: await events(a!, 'US') };

    // Releasing it again gives nothing back.
    expect(await releaseStock(db, cartId, a)).toEqual({ released: [], userErrors: [] });
    expect(await level(a!, 'US')).toEqual(afterOne.a);
    expect(await events(a!, 'US')).toEqual(afterOne.events);

    // Without a sku: everything the cart still holds, here b.
    expect(await releaseStock(db, cartId)).toEqual({ released: [{ sku: b, region: 'US', quantity: 3 }], userErrors: [] });
    expect(await level(b!, 'US')).toMatchObject({ reserved: 0 });
    expect(await releaseStock(db, cartId)).toEqual({ released: [], userErrors: [] });

    expect(await statusOf(cartId, a!)).toEqual(['RELEASED']);
    expect(await statusOf(cartId, b!)).toEqual(['RELEASED']);
    expect(await statusOf(bystander, a!)).toEqual(['HELD']);
    expect((await events(a!, 'US')).map((e) => [e.data.reason, e.data.available])).toEqual([
      ['reservation', 8],
      ['reservation', 7],
      ['release', 9],
    ]);
    expect((await events(b!, 'US')).map((e) => [e.data.reason, e.data.available])).toEqual([
      ['reservation', 7],
      ['release', 10],
    ]);
    expect(await releaseStock(db, '')).toMatchObject({ released: [], userErrors: [{ code: ErrorCode.BAD_USER_INPUT, field: ['cartId'] }] });
  });

  /**
   * Race: the orders saga compensates twice at once (a retry overlapping the
   * first attempt). Without the row lock and the HELD re-check, both calls
   * would see the hold and give its units back twice, pushing `reserved`
   * below what other carts hold.
   */
  it('gives a hold back once when several releases of it run at once', async () => {
    const sku = freshSku();
    await setStock(sku, 'US', { 'us-tx': 10 });
    const cartId = newCart();
    expectReserved(await reserve({ cartId, sku, quantity: 4 }), 4);
    expectReserved(await reserve({ cartId: newCart(), sku, quantity: 1 }), 1);

    const results = await Promise.allSettled(Array.from({ length: 6 }, () => releaseStock(db, cartId, sku)));

    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const released = results.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof releaseStock>>>).value.released);
    expect(released.filter((l) => l.length > 0)).toEqual([[{ sku, region: 'US', quantity: 4 }]]);
    expect(await level(sku, 'US')).toMatchObject({ on_hand: 10, reserved: 1 });
    expect((await events(sku, 'US')).filter((e) => e.data.reason === 'release')).toHaveLength(1);
  });
});

describe('commitReservations', () => {
  it('sells the held units from the fullest locations, marks them COMMITTED and writes an event per sku', async () => {
    const [a, b] = [freshSku(), freshSku()].sort();
    await setStock(a!, 'US', { 'us-nj': 3, 'us-nv': 10, 'us-tx': 5 });
    await setStock(b!, 'US', { 'us-nj': 4, 'us-tx': 4 });
    const cartId = newCart();
    expectReserved(await reserve({ cartId: newCart(), sku: a!, quantity: 1 }), 1);
    expectReserved(await reserve({ cartId, sku: b!, quantity: 5 }), 5);
    expectReserved(await reserve({ cartId, sku: a!, quantity: 12 }), 12);
    const before = { a: await level(a!, 'US'), b: await level(b!, 'US') };

    const result = await commitReservations(db, cartId);

    expect(result).toEqual({
      committed: [
        { sku: a, region: 'US', quantity: 12 },
        { sku: b, region: 'US', quantity: 5 },
      ],
      userErrors: [],
    });
    // Sold units leave on hand and reserved together; the other cart's unit stays held.
    expect(await level(a!, 'US')).toEqual({ on_hand: 6, reserved: 1, version: before.a.version + 1 });
    expect(await level(b!, 'US')).toEqual({ on_hand: 3, reserved: 0, version: before.b.version + 1 });
    // a: 10 from us-nv (the fullest), the other 2 from us-tx (next fullest); us-nj untouched.
    expect(await locationUnits(a!, 'US')).toEqual({ 'us-nj': 3, 'us-nv': 0, 'us-tx': 3 });
    // b: us-nj and us-tx tie at 4, so us-nj (by code) gives 4 and us-tx 1.
    expect(await locationUnits(b!, 'US')).toEqual({ 'us-nj': 0, 'us-nv': 0, 'us-tx': 3 });
    expect(sum(await locationUnits(a!, 'US'))).toBe(6);
    expect(sum(await locationUnits(b!, 'US'))).toBe(3);
    expect((await holds(cartId)).map((h) => h.status)).toEqual(['COMMITTED', 'COMMITTED']);

    const lastA = (await events(a!, 'US')).at(-1)!;
    expect(lastA.version).toBe(before.a.version + 1);
    expect(lastA.data).toEqual({ sku: a, region: 'US', available: 5, badge: 'LOW_STOCK', reason: 'commit' });
    const lastB = (await events(b!, 'US')).at(-1)!;
    expect(lastB.data).toEqual({ sku: b, region: 'US', available: 3, badge: 'LOW_STOCK', reason: 'commit' });
    const sales = await db.selectFrom('stock_adjustment').select(['sku', 'location_code', 'delta']).where('reason', '=', `sale: cart ${cartId}`).orderBy('sku').orderBy('location_code').execute();
    expect(sales).toEqual([
      { sku: a, location_code: 'us-nv', delta: -10 },
      { sku: a, location_code: 'us-tx', delta: -2 },
      { sku: b, location_code: 'us-nj', delta: -4 },
      { sku: b, location_code: 'us-tx', delta: -1 },
    ]);

    // A retried commit sells nothing and says why.
    const snapshot = { a: await level(a!, 'US'), locations: await locationUnits(a!, 'US'), events: await events(a!, 'US') };
    const again = await commitReservations(db, cartId);
    expect(again.committed).toEqual([]);
    expect(again.userErrors).toMatchObject([{ code: ReservationErrorCode.ALREADY_COMMITTED, field: ['cartId'] }]);
    expect(await level(a!, 'US')).toEqual(snapshot.a);
    expect(await locationUnits(a!, 'US')).toEqual(snapshot.locations);
    expect(await events(a!, 'US')).toEqual(snapshot.events);
    // Releasing a committed cart gives nothing back.
    expect(await releaseStock(db, cartId)).toEqual({ released: [], userErrors: [] });
    expect(await level(a!, 'US')).toEqual(snapshot.a);
  });

  it('commits nothing and answers RESERVATION_EXPIRED when any hold has expired or the cart holds nothing', async () => {
    const [a, b] = [freshSku(), freshSku()];
    await setStock(a!, 'EU', { 'eu-de': 10 });
    await setStock(b!, 'EU', { 'eu-nl': 10 });
    const cartId = newCart();
    expectReserved(await reserve({ cartId, sku: a!, region: 'EU', quantity: 2 }), 2);
    expectReserved(await reserve({ cartId, sku: b!, region: 'EU', quantity: 3 }), 3);
    // One line lapsed (the sweeper has not run yet); the other is still valid.
    await expireAt(cartId, -1_000, b);
    const before = {
      a: await level(a!, 'EU'),
      b: await level(b!, 'EU'),
      locations: [await locationUnits(a!, 'EU'), await locationUnits(b!, 'EU')],
      events: [await events(a!, 'EU'), await events(b!, 'EU')],
      holds: await holds(cartId),
    };

    const result = await commitReservations(db, cartId);

    expect(result.committed).toEqual([]);
    expect(result.userErrors).toMatchObject([{ code: ReservationErrorCode.RESERVATION_EXPIRED, field: ['cartId'] }]);
    expect(await level(a!, 'EU')).toEqual(before.a);
    expect(await level(b!, 'EU')).toEqual(before.b);
    expect([await locationUnits(a!, 'EU'), await locationUnits(b!, 'EU')]).toEqual(before.locations);
    expect([await events(a!, 'EU'), await events(b!, 'EU')]).toEqual(before.events);
    expect(await holds(cartId)).toEqual(before.holds);
    expect(before.holds.map((h) => h.status)).toEqual(['HELD', 'HELD']);

    // A cart that never held anything, and one whose holds were given back.
    expect((await commitReservations(db, newCart())).userErrors).toMatchObject([{ code: ReservationErrorCode.RESERVATION_EXPIRED }]);
    expect((await releaseStock(db, cartId)).released).toHaveLength(2);
    expect((await commitReservations(db, cartId)).userErrors).toMatchObject([{ code: ReservationErrorCode.RESERVATION_EXPIRED }]);
    expect(await level(a!, 'EU')).toMatchObject({ on_hand: 10, reserved: 0 });
  });
});

describe('expiry', () => {
  it('gives an expired hold back exactly once', async () => {
    const sku = freshSku();
    await setStock(sku, 'GB', { 'gb-nth': 6 });
    const cartId = newCart();
    const live = newCart();
    expectReserved(await reserve({ cartId, sku, region: 'GB', quantity: 4 }), 4);
    expectReserved(await reserve({ cartId: live, sku, region: 'GB', quantity: 1 }), 1);
    await expireAt(cartId, -1);
    const before = await level(sku, 'GB');

    const swept = await sweepExpired(db, 100);

    expect(swept.filter((s) => s.cartId === cartId)).toEqual([{ id: expect.any(String), cartId, sku, region: 'GB', quantity: 4 }]);
    expect(swept.some((s) => s.cartId === live)).toBe(false);
    const after = await level(sku, 'GB');
    expect(after).toEqual({ on_hand: 6, reserved: 1, version: before.version + 1 });
    expect(await statusOf(cartId, sku)).toEqual(['EXPIRED']);
    expect(await statusOf(live, sku)).toEqual(['HELD']);
    expect((await events(sku, 'GB')).at(-1)).toMatchObject({ version: after.version, data: { available: 5, badge: 'LOW_STOCK', reason: 'expiry' } });

    // A second sweep finds nothing of it.
    expect((await sweepExpired(db, 100)).some((s) => s.cartId === cartId)).toBe(false);
    expect(await level(sku, 'GB')).toEqual(after);
    expect((await events(sku, 'GB')).filter((e) => e.data.reason === 'expiry')).toHaveLength(1);
  });

  /**
   * Race: two inventory replicas sweep at the same moment. Without the row
   * lock (FOR UPDATE SKIP LOCKED) and the HELD re-check, both would pick the
   * same expired hold and give its units back twice.
   */
  it('gives a hold back once when two sweepers race for it', async () => {
    const sku = freshSku();
    await setStock(sku, 'BR', { 'br-sp': 8 });
    const cartId = newCart();
    expectReserved(await reserve({ cartId, sku, region: 'BR', quantity: 3 }), 3);
    expectReserved(await reserve({ cartId: newCart(), sku, region: 'BR', quantity: 2 }), 2);
    await expireAt(cartId, -1);
    const before = await level(sku, 'BR');

    const results = await Promise.allSettled([sweepExpired(db, 100), sweepExpired(db, 100)]);

    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const winners = results.map((r) => (r as PromiseFulfilledResult<SweptReservation[]>).value.filter((s) => s.cartId === cartId));
    expect(winners.flat()).toHaveLength(1);
    expect(await level(sku, 'BR')).toEqual({ on_hand: 8, reserved: 2, version: before.version + 1 });
    expect((await events(sku, 'BR')).filter((e) => e.data.reason === 'expiry')).toHaveLength(1);
  });

  /**
   * Race: four sweepers with small batches drain 40 expired holds over two
   * skus. Each hold must be expired by exactly one sweeper, the units of every
   * hold given back once, and each sku's events must keep growing versions
   * ending at the level's final state.
   */
  it('shares many expired holds between concurrent sweepers, each given back once', async () => {
    const [a, b] = [freshSku(), freshSku()];
    await setStock(a!, 'IN', { 'in-mh': 50, 'in-ka': 50 });
    await setStock(b!, 'IN', { 'in-ka': 80 });
    const carts: string[] = [];
    for (let i = 0; i < 20; i++) {
      const cartId = newCart('sweep');
      carts.push(cartId);
      expectReserved(await reserve({ cartId, sku: a!, region: 'IN', quantity: 1 + (i % 3) }), 1 + (i % 3));
      expectReserved(await reserve({ cartId, sku: b!, region: 'IN', quantity: 2 }), 2);
    }
    for (const cartId of carts) await expireAt(cartId, -1);
    const ours = new Set(carts);

    const drain = async () => {
      const mine: SweptReservation[] = [];
      for (;;) {
        const swept = await sweepExpired(db, 7);
        if (swept.length === 0) return mine;
        mine.push(...swept);
      }
    };
    const results = await Promise.allSettled([drain(), drain(), drain(), drain()]);

    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const swept = results.flatMap((r) => (r as PromiseFulfilledResult<SweptReservation[]>).value).filter((s) => ours.has(s.cartId));
    expect(swept).toHaveLength(40);
    expect(new Set(swept.map((s) => s.id)).size).toBe(40);
    for (const sku of [a!, b!]) {
      const final = await level(sku, 'IN');
      expect(final.reserved).toBe(0);
      const written = await events(sku, 'IN');
      const versions = written.map((e) => e.version);
      expect(versions).toEqual([...versions].sort((x, y) => x - y));
      expect(new Set(versions).size).toBe(versions.length);
      expect(written.at(-1)).toMatchObject({ version: final.version, data: { available: final.on_hand, reason: 'expiry' } });
    }
  });

  /**
   * Race: a checkout commits a cart at the moment its holds expire, while the
   * sweeper runs. Both lock the reservation rows and act only on rows still
   * HELD, so exactly one of them finishes the hold: either it is sold (on hand
   * and reserved drop together) or given back (reserved drops), never both,
   * and `reserved` is never decremented twice. The commit refuses an expired
   * cart before taking any lock, so the sweeper (which skips locked rows) is
   * never kept from it.
   *
   * Rounds cycle the expiry from 50 ms before the commit starts to 50 ms
   * after. The sweeper starts just after the hold has expired by the
   * database's clock (timed from the UPDATE that set the expiry): a sweeper
   * that runs before the expiry simply finds nothing and its next tick gives
   * the hold back, which is not the race under test.
   */
  it('lets exactly one of commit and expiry finish a hold that expires as they run (30 rounds)', async () => {
    const sku = freshSku();
    await setStock(sku, 'US', { 'us-nj': 40, 'us-tx': 40 });
    const offsetsMs = [-50, -2, -1, 0, 1, 2, 3, 5, 50];
    let onHand = 80;
    let commitWins = 0;
    let expiryWins = 0;

    for (let round = 0; round < 30; round++) {
      const cartId = newCart(`round${round}`);
      expectReserved(await reserve({ cartId, sku, quantity: 2 }), 2);
      const eventsBefore = (await events(sku, 'US')).length;
      const offsetMs = offsetsMs[round % offsetsMs.length]!;
      await expireAt(cartId, offsetMs);
      const expiredBy = performance.now() + Math.max(offsetMs, 0) + 2 + (round % 3);

      const commit = commitReservations(db, cartId);
      while (performance.now() < expiredBy) await nextMacrotask();
      const sweep = sweepExpired(db, 100);
      const [c, s] = await Promise.allSettled([commit, sweep]);

      expect(c.status).toBe('fulfilled');
      expect(s.status).toBe('fulfilled');
      const committed = (c as PromiseFulfilledResult<Awaited<typeof commit>>).value;
      const swept = (s as PromiseFulfilledResult<SweptReservation[]>).value.filter((r) => r.cartId === cartId);
      const commitWon = committed.committed.length === 1;
      const expiryWon = swept.length === 1;
      expect({ round, commitWon, expiryWon, exactlyOne: commitWon !== expiryWon }).toMatchObject({ exactlyOne: true });
      if (commitWon) {
        commitWins++;
        onHand -= 2;
        expect(await statusOf(cartId, sku)).toEqual(['COMMITTED']);
      } else {
        expiryWins++;
        expect(committed.userErrors).toMatchObject([{ code: ReservationErrorCode.RESERVATION_EXPIRED }]);
        expect(await statusOf(cartId, sku)).toEqual(['EXPIRED']);
      }
      const now = await level(sku, 'US');
      expect({ round, on_hand: now.on_hand, reserved: now.reserved }).toEqual({ round, on_hand: onHand, reserved: 0 });
      expect(sum(await locationUnits(sku, 'US'))).toBe(onHand);
      const written = (await events(sku, 'US')).slice(eventsBefore);
      expect(written.map((e) => e.data.reason)).toEqual([commitWon ? 'commit' : 'expiry']);
    }
    // The 50 ms rounds decide the winner without a race, so both outcomes occur.
    expect(commitWins).toBeGreaterThan(0);
    expect(expiryWins).toBeGreaterThan(0);
    expect(commitWins + expiryWins).toBe(30);
  });

  it('runs sweeps on an interval until stopped', async () => {
    const sku = freshSku();
    await setStock(sku, 'EU', { 'eu-de': 5 });
    const cartId = newCart();
    expectReserved(await reserve({ cartId, sku, region: 'EU', quantity: 2 }), 2);
    await expireAt(cartId, -1);
    const sweeper = startExpirySweeper(db, { intervalMs: 20, logger: createLogger('test', 'silent') });
    try {
      await expect.poll(() => statusOf(cartId, sku), { timeout: 5_000, interval: 20 }).toEqual(['EXPIRED']);
      expect(await level(sku, 'EU')).toMatchObject({ reserved: 0 });
    } finally {
      await sweeper.stop();
    }
    // Stopped: a hold that expires now stays HELD.
    const later = newCart();
    expectReserved(await reserve({ cartId: later, sku, region: 'EU', quantity: 1 }), 1);
    await expireAt(later, -1);
    await new Promise((r) => setTimeout(r, 150));
    expect(await statusOf(later, sku)).toEqual(['HELD']);
    await releaseStock(db, later);
  });
});
