import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDb, createLogger, dropDatabase, ensureDatabase, EventType, migrateToLatest, withDatabase, type Db } from '@shop/platform';
import type { InventoryDatabase } from '../db/database.ts';
import { migrations } from '../db/migrations/index.ts';
import { seedInventory } from '../db/seed.ts';
import { adjustStock, type AdjustStockInput, type AdjustStockResult } from './stock.service.ts';
import { stockView } from './stock.rules.ts';

const serverUrl = inject('pgServerUrl');
const database = `t_inventory_stock_${process.pid}_${Date.now()}`;

let handle: Db<InventoryDatabase>;
let db: Kysely<InventoryDatabase>;
/** Seeded skus, handed out one per test so that tests never share stock. */
let skus: string[];

beforeAll(async () => {
  await ensureDatabase(serverUrl, database);
  handle = createDb<InventoryDatabase>({ url: withDatabase(serverUrl, database), logger: createLogger('test', 'silent'), poolSize: 20 });
  db = handle.db;
  await migrateToLatest(db, migrations);
  expect(await seedInventory(db, 20)).toBe(true);
  skus = (await db.selectFrom('inventory_item').select('sku').orderBy('sku').execute()).map((r) => r.sku);
  expect(skus.length).toBeGreaterThanOrEqual(40);
});

afterAll(async () => {
  await handle?.close();
  await dropDatabase(serverUrl, database);
});

let nextSku = 0;
const freshSku = () => skus[nextSku++]!;

/** Everything adjustStock may change for one sku at one location, and its region. */
async function snapshot(sku: string, locationCode: string) {
  const location = await db.selectFrom('location').select('region').where('code', '=', locationCode).executeTakeFirstOrThrow();
  const stock = await db.selectFrom('location_stock').select('on_hand').where('sku', '=', sku).where('location_code', '=', locationCode).executeTakeFirst();
  const level = await db.selectFrom('inventory_level').select(['on_hand', 'reserved', 'version']).where('sku', '=', sku).where('region', '=', location.region).executeTakeFirst();
  const regionSum = await db
    .selectFrom('location_stock as s')
    .innerJoin('location as l', 'l.code', 's.location_code')
    .select(sql<number>`coalesce(sum(s.on_hand), 0)::int`.as('total'))
    .where('s.sku', '=', sku)
    .where('l.region', '=', location.region)
    .executeTakeFirstOrThrow();
  const adjustments = await db.selectFrom('stock_adjustment').select(['location_code', 'delta', 'reason']).where('sku', '=', sku).orderBy('id').execute();
  return { locationOnHand: stock?.on_hand, level, regionSum: regionSum.total, adjustments };
}

const adjust = (input: Partial<AdjustStockInput> & Pick<AdjustStockInput, 'sku' | 'locationCode'>) => adjustStock(db, { reason: 'test', ...input });

function expectUserError(result: AdjustStockResult, code: string, field: string) {
  expect(result.onHand).toBeNull();
  expect(result.stock).toBeNull();
  expect(result.userErrors).toHaveLength(1);
  expect(result.userErrors[0]).toMatchObject({ code, field: ['input', field] });
  expect(result.userErrors[0]!.message).not.toBe('');
}

describe('adjustStock', () => {
  it('starts from a seed whose regional levels are the sums of their locations', async () => {
    const mismatches = await sql<{ sku: string }>`
      SELECT lv.sku FROM inventory_level lv
      WHERE lv.on_hand <> (SELECT coalesce(sum(s.on_hand), 0) FROM location_stock s JOIN location l ON l.code = s.location_code WHERE s.sku = lv.sku AND l.region = lv.region)
    `.execute(db);
    expect(mismatches.rows).toEqual([]);
  });

  it('restocks: a positive delta raises the location and the regional level and bumps the version', async () => {
    const sku = freshSku();
    const before = await snapshot(sku, 'us-nj');
    expect(before.level).toBeDefined();

    const result = await adjust({ sku, locationCode: 'us-nj', delta: 7, reason: 'delivery PO-1' });

    expect(result.userErrors).toEqual([]);
    expect(result.onHand).toBe(before.locationOnHand! + 7);
    const after = await snapshot(sku, 'us-nj');
    expect(after.locationOnHand).toBe(before.locationOnHand! + 7);
    expect(after.level!.on_hand).toBe(before.level!.on_hand + 7);
    expect(after.level!.reserved).toBe(before.level!.reserved);
    expect(after.level!.version).toBe(before.level!.version + 1);
    expect(after.regionSum).toBe(after.level!.on_hand);
    expect(after.adjustments).toEqual([{ location_code: 'us-nj', delta: 7, reason: 'delivery PO-1' }]);
    expect(result.stock).toEqual(stockView(after.level!.on_hand, after.level!.reserved));
  });

  it('appends inventory.stock.changed with the level version for a change, and nothing for a refusal', async () => {
    const sku = freshSku();
    const events = () => db.selectFrom('outbox').select(['type', 'source', 'subject', 'version', 'data']).where('subject', '=', `${sku}:US`).orderBy('seq').execute();
    expect(await events()).toEqual([]);

    const result = await adjust({ sku, locationCode: 'us-tx', onHand: 2, reason: 'cycle count' });
    expect(result.userErrors).toEqual([]);
    const after = await snapshot(sku, 'us-tx');
    expect(await events()).toEqual([
      {
        type: EventType.stockChanged,
        source: 'inventory',
        subject: `${sku}:US`,
        version: after.level!.version,
        data: { sku, region: 'US', ...stockView(after.level!.on_hand, after.level!.reserved), reason: 'adjustment' },
      },
    ]);

    expectUserError(await adjust({ sku, locationCode: 'us-tx', delta: -3 }), 'INSUFFICIENT_STOCK', 'delta');
    expect(await events()).toHaveLength(1);
  });

  it('corrects a count: onHand sets the location to that count and moves the level by the difference', async () => {
    const sku = freshSku();
    await adjust({ sku, locationCode: 'eu-de', onHand: 30 });
    const before = await snapshot(sku, 'eu-de');
    expect(before.locationOnHand).toBe(30);

    const down = await adjust({ sku, locationCode: 'eu-de', onHand: 12, reason: 'cycle count' });
    expect(down.userErrors).toEqual([]);
    expect(down.onHand).toBe(12);
    const afterDown = await snapshot(sku, 'eu-de');
    expect(afterDown.locationOnHand).toBe(12);
    expect(afterDown.level!.on_hand).toBe(before.level!.on_hand - 18);
    expect(afterDown.level!.version).toBe(before.level!.version + 1);
    expect(afterDown.regionSum).toBe(afterDown.level!.on_hand);
    expect(afterDown.adjustments.at(-1)).toEqual({ location_code: 'eu-de', delta: -18, reason: 'cycle count' });

    const up = await adjust({ sku, locationCode: 'eu-de', onHand: 15 });
    expect(up.onHand).toBe(15);
    const afterUp = await snapshot(sku, 'eu-de');
    expect(afterUp.level!.on_hand).toBe(afterDown.level!.on_hand + 3);
    expect(afterUp.level!.version).toBe(afterDown.level!.version + 1);
    expect(afterUp.adjustments.at(-1)).toMatchObject({ delta: 3 });
  });

  it('stocks a location that held none of the sku', async () => {
    const sku = freshSku();
    await db.deleteFrom('location_stock').where('sku', '=', sku).where('location_code', '=', 'gb-nth').execute();
    const before = await snapshot(sku, 'gb-nth');
    expect(before.locationOnHand).toBeUndefined();

    const result = await adjust({ sku, locationCode: 'gb-nth', delta: 4 });
    expect(result.userErrors).toEqual([]);
    const after = await snapshot(sku, 'gb-nth');
    expect(after.locationOnHand).toBe(4);
    expect(after.level!.on_hand).toBe(before.level!.on_hand + 4);
  });

  it('refuses to remove more than the location has on hand, and changes nothing', async () => {
    const sku = freshSku();
    await adjust({ sku, locationCode: 'us-tx', onHand: 5 });
    const before = await snapshot(sku, 'us-tx');

    expectUserError(await adjust({ sku, locationCode: 'us-tx', delta: -6 }), 'INSUFFICIENT_STOCK', 'delta');
    expectUserError(await adjust({ sku, locationCode: 'us-tx', onHand: -1 }), 'BAD_USER_INPUT', 'onHand');
    expect(await snapshot(sku, 'us-tx')).toEqual(before);

    // Removing exactly what is there is allowed.
    const result = await adjust({ sku, locationCode: 'us-tx', delta: -5 });
    expect(result.userErrors).toEqual([]);
    expect(result.onHand).toBe(0);
  });

  it('answers NOT_FOUND for an unknown sku or location, and changes nothing', async () => {
    const sku = freshSku();
    const before = await snapshot(sku, 'in-mh');
    const levelsBefore = await db.selectFrom('inventory_level').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();

    expectUserError(await adjust({ sku: 'SKU-NOPE-1', locationCode: 'in-mh', delta: 5 }), 'NOT_FOUND', 'sku');
    expectUserError(await adjust({ sku, locationCode: 'xx-nowhere', delta: 5 }), 'NOT_FOUND', 'locationCode');

    expect(await snapshot(sku, 'in-mh')).toEqual(before);
    expect(await db.selectFrom('inventory_level').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).toEqual(levelsBefore);
    expect(await db.selectFrom('stock_adjustment').selectAll().where('sku', '=', 'SKU-NOPE-1').execute()).toEqual([]);
  });

  it('answers BAD_USER_INPUT for both or neither of delta and onHand, and for an empty reason', async () => {
    const sku = freshSku();
    const before = await snapshot(sku, 'br-sp');
    expectUserError(await adjust({ sku, locationCode: 'br-sp', delta: 1, onHand: 3 }), 'BAD_USER_INPUT', 'delta');
    expectUserError(await adjust({ sku, locationCode: 'br-sp' }), 'BAD_USER_INPUT', 'delta');
    expectUserError(await adjust({ sku, locationCode: 'br-sp', delta: null, onHand: null }), 'BAD_USER_INPUT', 'delta');
    expectUserError(await adjust({ sku, locationCode: 'br-sp', delta: 1, reason: '   ' }), 'BAD_USER_INPUT', 'reason');
    expect(await snapshot(sku, 'br-sp')).toEqual(before);
  });

  it("refuses a change that would leave the region's on hand below what carts reserve", async () => {
    const sku = freshSku();
    await adjust({ sku, locationCode: 'gb-mid', onHand: 10 });
    const seeded = await snapshot(sku, 'gb-mid');
    // Carts hold all but 2 of the region's units.
    await sql`UPDATE inventory_level SET reserved = on_hand - 2 WHERE sku = ${sku} AND region = 'GB'`.execute(db);
    const before = await snapshot(sku, 'gb-mid');
    expect(before.level!.reserved).toBe(seeded.level!.on_hand - 2);

    expectUserError(await adjust({ sku, locationCode: 'gb-mid', onHand: 7 }), 'INSUFFICIENT_STOCK', 'onHand');
    expectUserError(await adjust({ sku, locationCode: 'gb-mid', delta: -3 }), 'INSUFFICIENT_STOCK', 'delta');
    expect(await snapshot(sku, 'gb-mid')).toEqual(before);

    // Taking the region down to exactly what is reserved is allowed.
    const result = await adjust({ sku, locationCode: 'gb-mid', onHand: 8 });
    expect(result.userErrors).toEqual([]);
    expect(result.stock).toEqual({ available: 0, badge: 'OUT_OF_STOCK' });
    const after = await snapshot(sku, 'gb-mid');
    expect(after.level!.on_hand).toBe(after.level!.reserved);
  });

  /**
   * Race: many clerks remove the last units of a sku at one location at once.
   * Each call reads the location's on hand and writes back on hand minus one;
   * without the row locks taken in order (level, then location), two calls read
   * the same count and one removal is lost, so more than 20 succeed, the
   * location and the regional level drift apart, or the CHECK constraint turns a
   * removal into an error instead of INSUFFICIENT_STOCK.
   */
  it('serialises concurrent removals: of 60 removals of 1 from 20 on hand, exactly 20 succeed', async () => {
    const sku = freshSku();
    const locationCode = 'us-nv';
    await adjust({ sku, locationCode: 'us-nj', onHand: 9 });
    await adjust({ sku, locationCode, onHand: 20 });
    await sql`UPDATE inventory_level SET reserved = 0 WHERE sku = ${sku}`.execute(db);
    const before = await snapshot(sku, locationCode);
    expect(before.locationOnHand).toBe(20);

    const results = await Promise.allSettled(Array.from({ length: 60 }, (_, i) => adjust({ sku, locationCode, delta: -1, reason: `pick ${i}` })));

    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const values = results.map((r) => (r as PromiseFulfilledResult<AdjustStockResult>).value);
    const succeeded = values.filter((v) => v.userErrors.length === 0);
    const refused = values.filter((v) => v.userErrors.length > 0);
    expect(succeeded).toHaveLength(20);
    expect(refused).toHaveLength(40);
    expect(refused.every((v) => v.userErrors[0]!.code === 'INSUFFICIENT_STOCK')).toBe(true);
    // Each success saw a different count: 19, 18, …, 0. None went below zero.
    expect(succeeded.map((v) => v.onHand).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 20 }, (_, i) => i));

    const after = await snapshot(sku, locationCode);
    expect(after.locationOnHand).toBe(0);
    expect(after.level!.on_hand).toBe(after.regionSum);
    expect(after.level!.on_hand).toBe(before.level!.on_hand - 20);
    expect(after.level!.version).toBe(before.level!.version + 20);
    const removals = after.adjustments.filter((a) => a.location_code === locationCode && a.reason.startsWith('pick '));
    expect(removals).toHaveLength(20);
    expect(removals.every((a) => a.delta === -1)).toBe(true);
    expect(after.adjustments).toHaveLength(before.adjustments.length + 20);
  });
});

describe('inventory CHECK constraints', () => {
  const violation = { code: '23514' };

  it('refuse reserved above on hand', async () => {
    const sku = freshSku();
    await adjust({ sku, locationCode: 'in-ka', onHand: 3 });
    await expect(sql`UPDATE inventory_level SET reserved = on_hand + 1 WHERE sku = ${sku} AND region = 'IN'`.execute(db)).rejects.toMatchObject({
      ...violation,
      constraint: 'inventory_level_no_oversell',
    });
    // The boundary itself is allowed.
    await sql`UPDATE inventory_level SET reserved = on_hand WHERE sku = ${sku} AND region = 'IN'`.execute(db);
  });

  it('refuse negative on hand and negative reserved', async () => {
    const sku = freshSku();
    await expect(sql`UPDATE location_stock SET on_hand = -1 WHERE sku = ${sku}`.execute(db)).rejects.toMatchObject(violation);
    await expect(sql`UPDATE inventory_level SET on_hand = -1, reserved = -1 WHERE sku = ${sku}`.execute(db)).rejects.toMatchObject(violation);
    await expect(sql`UPDATE inventory_level SET reserved = -1 WHERE sku = ${sku}`.execute(db)).rejects.toMatchObject(violation);
  });
});
