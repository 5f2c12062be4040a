import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { RegionCode } from '@shop/platform';
import type { InventoryDatabase, ReservationStatus, ReservationTable } from '../db/database.ts';
import type { LevelRow } from '../stock/stock.repository.ts';
import type { LocationUnits } from './reservation.rules.ts';

/*
 * Lock order, the same in every write of this subgraph so that concurrent
 * writes queue instead of deadlocking:
 *   1. a cart's HELD reservation rows, ORDER BY sku (or the one row an INSERT creates);
 *   2. inventory_level rows, in (sku, region) order;
 *   3. a sku's location_stock rows, ORDER BY location_code.
 * The expiry sweeper takes (1) with SKIP LOCKED, so it never waits for a cart
 * that reserveStock, releaseStock or commitReservations is working on.
 * The `…Many` statements below act on many skus of one cart at once (so that a
 * cart's checkout costs the same statements whatever its number of lines) and
 * keep that order: (2) for all the skus first, then (3), each in sorted order.
 */

type Db = Kysely<InventoryDatabase> | Transaction<InventoryDatabase>;
type Trx = Transaction<InventoryDatabase>;
export type ReservationRow = Pick<Selectable<ReservationTable>, 'id' | 'cart_id' | 'sku' | 'region' | 'quantity' | 'expires_at'>;
const RESERVATION_COLUMNS = ['id', 'cart_id', 'sku', 'region', 'quantity', 'expires_at'] as const;
const LEVEL_COLUMNS = ['sku', 'region', 'on_hand', 'reserved', 'version'] as const;

/**
 * SELECT id, cart_id, sku, region, quantity, expires_at FROM reservation
 * WHERE cart_id = $1 AND status = 'HELD' [AND sku = $2] ORDER BY sku FOR UPDATE
 *
 * A row another transaction finished meanwhile (COMMITTED, RELEASED, EXPIRED)
 * is re-checked after the wait and left out: that is what makes a release,
 * a commit and an expiry of one hold mutually exclusive.
 */
export function lockHeldByCart(trx: Trx, cartId: string, sku?: string): Promise<ReservationRow[]> {
  let q = trx.selectFrom('reservation').select(RESERVATION_COLUMNS).where('cart_id', '=', cartId).where('status', '=', 'HELD');
  if (sku !== undefined) q = q.where('sku', '=', sku);
  return q.orderBy('sku').forUpdate().execute();
}

/**
 * INSERT INTO reservation (cart_id, sku, region, quantity, status, expires_at)
 * VALUES ($1, $2, $3, $4, 'HELD', now() + $5 * interval '1 second')
 * ON CONFLICT (cart_id, sku) WHERE status = 'HELD' DO NOTHING
 * RETURNING id, cart_id, sku, region, quantity, expires_at
 *
 * Undefined when the cart already holds the sku: a concurrent insert of the
 * same hold waits for the first one and then inserts nothing.
 */
export function insertHeld(trx: Trx, hold: { cartId: string; sku: string; region: RegionCode; quantity: number; ttlSeconds: number }): Promise<ReservationRow | undefined> {
  return trx
    .insertInto('reservation')
    .values({
      cart_id: hold.cartId,
      sku: hold.sku,
      region: hold.region,
      quantity: hold.quantity,
      status: 'HELD',
      expires_at: sql<Date>`now() + ${hold.ttlSeconds} * interval '1 second'`,
    })
    .onConflict((oc) => oc.columns(['cart_id', 'sku']).where('status', '=', 'HELD').doNothing())
    .returning(RESERVATION_COLUMNS)
    .executeTakeFirst();
}

/** UPDATE reservation SET quantity = $2, updated_at = now() WHERE id = $1 AND status = 'HELD' */
export async function setHeldQuantity(trx: Trx, id: string, quantity: number): Promise<void> {
  const result = await trx.updateTable('reservation').set({ quantity, updated_at: sql`now()` }).where('id', '=', id).where('status', '=', 'HELD').executeTakeFirst();
  if (result.numUpdatedRows !== 1n) throw new Error(`Reservation ${id} is no longer HELD although this transaction locked it`);
}

/**
 * UPDATE reservation SET status = $2, updated_at = now() WHERE id = ANY($1) AND status = 'HELD'
 * RETURNING id, cart_id, sku, region, quantity, expires_at
 *
 * Only the rows this statement moved out of HELD are returned: callers give
 * back or sell units for exactly those, which is what makes it exactly once.
 */
export function finishHeld(trx: Trx, ids: readonly string[], status: Exclude<ReservationStatus, 'HELD'>): Promise<ReservationRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return trx
    .updateTable('reservation')
    .set({ status, updated_at: sql`now()` })
    .where('id', '=', sql<string>`ANY(${ids}::uuid[])`)
    .where('status', '=', 'HELD')
    .returning(RESERVATION_COLUMNS)
    .execute();
}

/**
 * UPDATE reservation SET expires_at = now() + $2 * interval '1 second', updated_at = now()
 * WHERE cart_id = $1 AND status = 'HELD' RETURNING expires_at
 *
 * Every hold of the cart gets the same expiry, so a cart lapses as a whole.
 * Touches only rows the caller has locked (lockHeldByCart) or inserted.
 */
export async function refreshCartExpiry(trx: Trx, cartId: string, ttlSeconds: number): Promise<Date | undefined> {
  const rows = await trx
    .updateTable('reservation')
    .set({ expires_at: sql<Date>`now() + ${ttlSeconds} * interval '1 second'`, updated_at: sql`now()` })
    .where('cart_id', '=', cartId)
    .where('status', '=', 'HELD')
    .returning('expires_at')
    .execute();
  return rows[0]?.expires_at;
}

/**
 * SELECT id, expires_at < now() AS expired FROM reservation WHERE cart_id = $1 AND status = 'HELD'
 *
 * No lock: commitReservations refuses an expired cart with this before it
 * locks anything, so the sweeper (SKIP LOCKED) is never kept from that cart.
 */
export function findHeldExpiry(db: Db, cartId: string): Promise<{ id: string; expired: boolean }[]> {
  return db
    .selectFrom('reservation')
    .select(['id', sql<boolean>`expires_at < now()`.as('expired')])
    .where('cart_id', '=', cartId)
    .where('status', '=', 'HELD')
    .execute();
}

/** SELECT EXISTS (SELECT 1 FROM reservation WHERE cart_id = $1 AND status = $2) AS found */
export async function cartHasStatus(db: Db, cartId: string, status: ReservationStatus): Promise<boolean> {
  const row = await db
    .selectNoFrom(sql<boolean>`EXISTS (SELECT 1 FROM reservation WHERE cart_id = ${cartId} AND status = ${status})`.as('found'))
    .executeTakeFirstOrThrow();
  return row.found;
}

/**
 * SELECT id, cart_id, sku, region, quantity, expires_at FROM reservation
 * WHERE status = 'HELD' AND expires_at < now() ORDER BY expires_at LIMIT $1
 * FOR UPDATE SKIP LOCKED
 *
 * Rows a cart operation or another sweeper holds are skipped, not waited
 * for; a row finished meanwhile fails the re-checked WHERE and is left out.
 */
export function lockExpiredHeld(trx: Trx, limit: number): Promise<ReservationRow[]> {
  return trx
    .selectFrom('reservation')
    .select(RESERVATION_COLUMNS)
    .where('status', '=', 'HELD')
    .where('expires_at', '<', sql<Date>`now()`)
    .orderBy('expires_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

/**
 * UPDATE inventory_level SET reserved = reserved + $3, version = version + 1
 * WHERE sku = $1 AND region = $2 AND on_hand - reserved >= $3
 * RETURNING sku, region, on_hand, reserved, version
 *
 * The whole oversell guard for a reservation in one statement: it waits for
 * the row lock, re-checks the availability on the row it then sees, and
 * changes nothing (undefined) when too few units are left. A negative delta
 * gives units back and always matches; CHECK (reserved >= 0) stands behind it.
 */
export function changeReserved(trx: Trx, sku: string, region: RegionCode, delta: number): Promise<LevelRow | undefined> {
  return trx
    .updateTable('inventory_level')
    .set({ reserved: sql`reserved + ${delta}`, version: sql`version + 1` })
    .where('sku', '=', sku)
    .where('region', '=', region)
    .where(sql<boolean>`on_hand - reserved >= ${delta}`)
    .returning(LEVEL_COLUMNS)
    .executeTakeFirst();
}

/** The skus and regions of `keys` as two arrays, for `unnest($1::text[], $2::text[])`. */
const skuRegionArrays = (keys: readonly { sku: string; region: RegionCode }[]) => [keys.map((k) => k.sku), keys.map((k) => k.region)] as const;

/**
 * INSERT INTO reservation (cart_id, sku, region, quantity, status, expires_at)
 * VALUES ($1, $2, $3, $4, 'HELD', now() + $5 * interval '1 second'), …
 * ON CONFLICT (cart_id, sku) WHERE status = 'HELD' DO NOTHING
 * RETURNING id, cart_id, sku, region, quantity, expires_at
 *
 * insertHeld for several skus of one cart (pass them in sku order, the order
 * their row locks are taken in). A sku left out of the result is held by a
 * concurrent insert of the same hold, which this one waited for.
 */
export function insertHeldMany(trx: Trx, cartId: string, region: RegionCode, lines: readonly { sku: string; quantity: number }[], ttlSeconds: number): Promise<ReservationRow[]> {
  if (lines.length === 0) return Promise.resolve([]);
  return trx
    .insertInto('reservation')
    .values(
      lines.map((l) => ({
        cart_id: cartId,
        sku: l.sku,
        region,
        quantity: l.quantity,
        status: 'HELD' as const,
        expires_at: sql<Date>`now() + ${ttlSeconds} * interval '1 second'`,
      })),
    )
    .onConflict((oc) => oc.columns(['cart_id', 'sku']).where('status', '=', 'HELD').doNothing())
    .returning(RESERVATION_COLUMNS)
    .execute();
}

/**
 * UPDATE reservation r SET quantity = d.quantity, updated_at = now()
 * FROM unnest($1::uuid[], $2::int[]) AS d(id, quantity) WHERE r.id = d.id AND r.status = 'HELD' RETURNING r.id
 *
 * setHeldQuantity for many holds the caller has locked; throws unless every one of them changed.
 */
export async function setHeldQuantities(trx: Trx, holds: readonly { id: string; quantity: number }[]): Promise<void> {
  if (holds.length === 0) return;
  const { rows } = await sql<{ id: string }>`
    UPDATE reservation r SET quantity = d.quantity, updated_at = now()
      FROM unnest(${holds.map((h) => h.id)}::uuid[], ${holds.map((h) => h.quantity)}::int[]) AS d(id, quantity)
     WHERE r.id = d.id AND r.status = 'HELD'
    RETURNING r.id`.execute(trx);
  if (rows.length !== holds.length) throw new Error(`${holds.length - rows.length} of ${holds.length} reservations are no longer HELD although this transaction locked them`);
}

/**
 * SELECT sku, region, on_hand, reserved, version FROM inventory_level
 * WHERE (sku, region) IN (SELECT * FROM unnest($1::text[], $2::text[])) ORDER BY sku, region FOR UPDATE
 *
 * Lock (2) for many skus in one statement: the rows are locked as they come
 * out of the sort, so in (sku, region) order like one-at-a-time writes.
 */
export function lockLevels(trx: Trx, keys: readonly { sku: string; region: RegionCode }[]): Promise<LevelRow[]> {
  if (keys.length === 0) return Promise.resolve([]);
  const [skus, regions] = skuRegionArrays(keys);
  return trx
    .selectFrom('inventory_level')
    .select(LEVEL_COLUMNS)
    .where(sql<boolean>`(sku, region) IN (SELECT * FROM unnest(${skus}::text[], ${regions}::text[]))`)
    .orderBy('sku')
    .orderBy('region')
    .forUpdate()
    .execute();
}

/**
 * UPDATE inventory_level l SET reserved = l.reserved + d.delta, version = l.version + 1
 * FROM unnest($1::text[], $2::text[], $3::int[]) AS d(sku, region, delta)
 * WHERE l.sku = d.sku AND l.region = d.region AND l.on_hand - l.reserved >= d.delta
 * RETURNING l.sku, l.region, l.on_hand, l.reserved, l.version
 *
 * changeReserved for many levels in one statement, with the same guard per
 * row: a row with too few units is left out of the result. Lock the rows
 * first (lockLevels) so that the lock order stays (sku, region).
 */
export async function changeReservedMany(trx: Trx, changes: readonly { sku: string; region: RegionCode; delta: number }[]): Promise<LevelRow[]> {
  if (changes.length === 0) return [];
  const [skus, regions] = skuRegionArrays(changes);
  const { rows } = await sql<LevelRow>`
    UPDATE inventory_level l SET reserved = l.reserved + d.delta, version = l.version + 1
      FROM unnest(${skus}::text[], ${regions}::text[], ${changes.map((c) => c.delta)}::int[]) AS d(sku, region, delta)
     WHERE l.sku = d.sku AND l.region = d.region AND l.on_hand - l.reserved >= d.delta
    RETURNING l.sku, l.region, l.on_hand, l.reserved, l.version`.execute(trx);
  return rows;
}

/**
 * UPDATE inventory_level l SET on_hand = l.on_hand - d.quantity, reserved = l.reserved - d.quantity, version = l.version + 1
 * FROM unnest($1::text[], $2::text[], $3::int[]) AS d(sku, region, quantity)
 * WHERE l.sku = d.sku AND l.region = d.region RETURNING l.sku, l.region, l.on_hand, l.reserved, l.version
 *
 * Held units become sold units: they leave `reserved` and `on_hand` together,
 * so `available` does not move. Lock the rows first (lockLevels).
 */
export async function sellReservedMany(trx: Trx, sales: readonly { sku: string; region: RegionCode; quantity: number }[]): Promise<LevelRow[]> {
  if (sales.length === 0) return [];
  const [skus, regions] = skuRegionArrays(sales);
  const { rows } = await sql<LevelRow>`
    UPDATE inventory_level l SET on_hand = l.on_hand - d.quantity, reserved = l.reserved - d.quantity, version = l.version + 1
      FROM unnest(${skus}::text[], ${regions}::text[], ${sales.map((s) => s.quantity)}::int[]) AS d(sku, region, quantity)
     WHERE l.sku = d.sku AND l.region = d.region
    RETURNING l.sku, l.region, l.on_hand, l.reserved, l.version`.execute(trx);
  return rows;
}

/**
 * SELECT s.sku, l.region, s.location_code, s.on_hand FROM location_stock s JOIN location l ON l.code = s.location_code
 * WHERE (s.sku, l.region) IN (SELECT * FROM unnest($1::text[], $2::text[])) ORDER BY s.sku, s.location_code FOR UPDATE OF s
 *
 * Lock (3) for many skus in one statement, in (sku, location_code) order:
 * the region's warehouses that may ship each sku's sold units.
 */
export function lockRegionLocationStockMany(trx: Trx, keys: readonly { sku: string; region: RegionCode }[]): Promise<(LocationUnits & { sku: string; region: RegionCode })[]> {
  if (keys.length === 0) return Promise.resolve([]);
  const [skus, regions] = skuRegionArrays(keys);
  return trx
    .selectFrom('location_stock as s')
    .innerJoin('location as l', 'l.code', 's.location_code')
    .select(['s.sku', 'l.region', 's.location_code', 's.on_hand'])
    .where(sql<boolean>`(s.sku, l.region) IN (SELECT * FROM unnest(${skus}::text[], ${regions}::text[]))`)
    .orderBy('s.sku')
    .orderBy('s.location_code')
    .forUpdate(['s'])
    .execute() as Promise<(LocationUnits & { sku: string; region: RegionCode })[]>;
}

/**
 * UPDATE location_stock s SET on_hand = s.on_hand - d.quantity
 * FROM unnest($1::text[], $2::text[], $3::int[]) AS d(sku, location_code, quantity)
 * WHERE s.sku = d.sku AND s.location_code = d.location_code
 *
 * Sold units leave the locations allocateFromLocations chose; lock them first (lockRegionLocationStockMany).
 */
export async function takeFromLocations(trx: Trx, takes: readonly { sku: string; locationCode: string; quantity: number }[]): Promise<void> {
  if (takes.length === 0) return;
  await sql`
    UPDATE location_stock s SET on_hand = s.on_hand - d.quantity
      FROM unnest(${takes.map((t) => t.sku)}::text[], ${takes.map((t) => t.locationCode)}::text[], ${takes.map((t) => t.quantity)}::int[]) AS d(sku, location_code, quantity)
     WHERE s.sku = d.sku AND s.location_code = d.location_code`.execute(trx);
}

/** INSERT INTO stock_adjustment (sku, location_code, delta, reason) VALUES ($1, $2, $3, $4), … */
export async function logAdjustments(trx: Trx, rows: readonly { sku: string; locationCode: string; delta: number; reason: string }[]): Promise<void> {
  if (rows.length === 0) return;
  await trx
    .insertInto('stock_adjustment')
    .values(rows.map((r) => ({ sku: r.sku, location_code: r.locationCode, delta: r.delta, reason: r.reason })))
    .execute();
}
