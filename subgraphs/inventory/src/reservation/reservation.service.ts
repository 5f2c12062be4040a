import type { Kysely, Transaction } from 'kysely';
import { ErrorCode, isRegionCode, type RegionCode } from '@shop/platform';
import type { InventoryDatabase } from '../db/database.ts';
import { appendStockChanged, StockChangeReason } from '../stock/stock.events.ts';
import { findItem, findLevels, type LevelRow } from '../stock/stock.repository.ts';
import { stockView, type StockView } from '../stock/stock.rules.ts';
import type { UserError } from '../stock/stock.service.ts';
import {
  cartHasStatus,
  changeReserved,
  finishHeld,
  findHeldExpiry,
  insertHeld,
  lockHeldByCart,
  lockRegionLocationStock,
  logAdjustment,
  refreshCartExpiry,
  sellReserved,
  setHeldQuantity,
  takeFromLocation,
  type ReservationRow,
} from './reservation.repository.ts';
import { allocateFromLocations, MAX_CART_ID_LENGTH, MAX_RESERVATION_TTL_SECONDS } from './reservation.rules.ts';

/** The reservation codes of the platform's one ErrorCode list. */
export const ReservationErrorCode = { RESERVATION_EXPIRED: ErrorCode.RESERVATION_EXPIRED, ALREADY_COMMITTED: ErrorCode.ALREADY_COMMITTED } as const;

type Db = Kysely<InventoryDatabase>;
type Trx = Transaction<InventoryDatabase>;

export interface ReservationOptions {
  /** The hold's lifetime when reserveStock is not given `ttlSeconds` (RESERVATION_TTL_SECONDS). */
  defaultTtlSeconds: number;
}

export interface ReserveStockInput {
  cartId: string;
  sku: string;
  region: RegionCode;
  /** The cart's absolute held quantity after the call; 0 gives the hold back. */
  quantity: number;
  ttlSeconds?: number | null;
}

export interface ReservationView {
  cartId: string;
  sku: string;
  region: RegionCode;
  quantity: number;
  /** ISO 8601; shared by every hold of the cart. */
  expiresAt: string;
}

export interface ReserveStockResult {
  /** The cart's hold after the call; null when it holds none (quantity 0) or on a user error. */
  reservation: ReservationView | null;
  /** The sku's regional stock after the call; on INSUFFICIENT_STOCK the unchanged stock, so the caller sees what is available. */
  stock: StockView | null;
  userErrors: UserError[];
}

export interface ReservationLine {
  sku: string;
  region: RegionCode;
  quantity: number;
}
export interface ReleaseStockResult {
  released: ReservationLine[];
  userErrors: UserError[];
}
export interface CommitReservationsResult {
  committed: ReservationLine[];
  userErrors: UserError[];
}

/** Ends a transaction with a rollback and hands `result` to the caller: a refusal changes nothing. */
class Refusal<T> extends Error {
  constructor(readonly result: T) {
    super('refused');
  }
}

const userError = (code: string, field: string[] | null, message: string): UserError => ({ code, field, message });
const refuseReserve = (error: UserError, stock: StockView | null = null): ReserveStockResult => ({ reservation: null, stock, userErrors: [error] });
const line = (r: Pick<ReservationRow, 'sku' | 'region' | 'quantity'>): ReservationLine => ({ sku: r.sku, region: r.region, quantity: r.quantity });
const bySkuRegion = (a: { sku: string; region: string }, b: { sku: string; region: string }) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : a.region < b.region ? -1 : a.region > b.region ? 1 : 0);

function validateCartId(cartId: unknown, field: string[]): UserError | undefined {
  if (typeof cartId !== 'string' || !cartId.trim() || cartId.length > MAX_CART_ID_LENGTH) {
    return userError(ErrorCode.BAD_USER_INPUT, field, `"cartId" must be 1 to ${MAX_CART_ID_LENGTH} characters`);
  }
  return undefined;
}

function validateReserveInput(input: ReserveStockInput): UserError | undefined {
  const cartError = validateCartId(input.cartId, ['input', 'cartId']);
  if (cartError) return cartError;
  if (!isRegionCode(input.region)) return userError(ErrorCode.BAD_USER_INPUT, ['input', 'region'], `Unknown region "${String(input.region)}"`);
  if (!Number.isSafeInteger(input.quantity) || input.quantity < 0) return userError(ErrorCode.BAD_USER_INPUT, ['input', 'quantity'], '"quantity" must be a whole number, 0 or more');
  if (input.ttlSeconds != null && (!Number.isSafeInteger(input.ttlSeconds) || input.ttlSeconds < 1 || input.ttlSeconds > MAX_RESERVATION_TTL_SECONDS)) {
    return userError(ErrorCode.BAD_USER_INPUT, ['input', 'ttlSeconds'], `"ttlSeconds" must be 1 to ${MAX_RESERVATION_TTL_SECONDS}`);
  }
  return undefined;
}

async function currentStock(db: Db | Trx, sku: string, region: RegionCode): Promise<StockView> {
  const [level] = await findLevels(db, [sku], [region]);
  return level ? stockView(level.on_hand, level.reserved) : stockView(0, 0);
}

function insufficientStock(input: ReserveStockInput, stock: StockView, held: number | undefined): ReserveStockResult {
  const holding = held ? ` (the cart holds ${held})` : '';
  return refuseReserve(
    userError(ErrorCode.INSUFFICIENT_STOCK, ['input', 'quantity'], `Only ${stock.available} more units of ${input.sku} are available in ${input.region}${holding}; cannot hold ${input.quantity}`),
    stock,
  );
}

/** The CHECK (reserved <= on_hand) refusing a write: the last guard, reported as INSUFFICIENT_STOCK, never a 500. */
function isOversellViolation(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string };
  return e?.code === '23514' && e.constraint === 'inventory_level_no_oversell';
}

/**
 * Runs `work` in a transaction, again (at most twice more) when PostgreSQL
 * broke a deadlock by aborting it: every write here takes its locks in one
 * order, but a cart's rows can still be met in two orders when concurrent
 * calls insert new holds for the same cart.
 */
async function inTransaction<T>(db: Db, work: (trx: Trx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(work);
    } catch (err) {
      if (attempt < 3 && (err as { code?: string })?.code === '40P01') continue;
      throw err;
    }
  }
}

/**
 * Sets the cart's HELD quantity of a sku in a region to `input.quantity`
 * (absolute, so a retry changes nothing; 0 gives the hold back) and refreshes
 * the expiry of every HELD reservation of the cart.
 *
 * One transaction: it locks the cart's HELD rows (or inserts the new one),
 * then moves `inventory_level.reserved` by the difference in one conditional
 * UPDATE that refuses to go past what is on hand. A refusal
 * (INSUFFICIENT_STOCK, NOT_FOUND, BAD_USER_INPUT) rolls everything back. A
 * change of the held quantity appends `inventory.stock.changed` (reason
 * `reservation` or `release`); the same quantity again appends nothing.
 */
export async function reserveStock(db: Db, input: ReserveStockInput, options: ReservationOptions): Promise<ReserveStockResult> {
  const invalid = validateReserveInput(input);
  if (invalid) return refuseReserve(invalid);
  const ttlSeconds = input.ttlSeconds ?? options.defaultTtlSeconds;
  try {
    return await inTransaction(db, (trx) => reserveInTransaction(trx, input, ttlSeconds));
  } catch (err) {
    if (err instanceof Refusal) return err.result as ReserveStockResult;
    if (isOversellViolation(err)) return insufficientStock(input, await currentStock(db, input.sku, input.region), undefined);
    throw err;
  }
}

async function reserveInTransaction(trx: Trx, input: ReserveStockInput, ttlSeconds: number): Promise<ReserveStockResult> {
  const { cartId, sku, region, quantity } = input;
  if (!(await findItem(trx, sku))) throw new Refusal(refuseReserve(userError(ErrorCode.NOT_FOUND, ['input', 'sku'], `No inventory item "${sku}"`)));
  // A cart whose holds were sold is closed: holding its lines again would sell them twice (a checkout retried after a lost reply).
  if (await cartHasStatus(trx, cartId, 'COMMITTED')) {
    throw new Refusal(refuseReserve(userError(ErrorCode.ALREADY_COMMITTED, ['input', 'cartId'], `The reservations of cart ${cartId} were committed before`)));
  }

  const held = await lockHeldByCart(trx, cartId);
  let current = held.find((r) => r.sku === sku);
  let inserted = false;
  if (!current && quantity > 0) {
    // A concurrent call inserting the same hold makes ours wait and insert nothing; then its row is the one to change.
    for (let attempt = 0; attempt < 3 && !current; attempt++) {
      current = await insertHeld(trx, { cartId, sku, region, quantity, ttlSeconds });
      inserted = current !== undefined;
      current ??= (await lockHeldByCart(trx, cartId, sku))[0];
    }
    if (!current) throw new Error(`Could not claim the hold of ${sku} for cart ${cartId}`);
  }
  if (current && current.region !== region) {
    throw new Refusal(
      refuseReserve(userError(ErrorCode.BAD_USER_INPUT, ['input', 'region'], `Cart ${cartId} holds ${sku} in ${current.region}; give that hold back (quantity 0) before holding it in ${region}`)),
    );
  }

  const previous = inserted ? 0 : (current?.quantity ?? 0);
  const delta = quantity - previous;
  let level: LevelRow | undefined;
  if (delta !== 0) {
    level = await changeReserved(trx, sku, region, delta);
    if (!level) throw new Refusal(insufficientStock(input, await currentStock(trx, sku, region), previous));
    if (!inserted && quantity === 0) {
      if ((await finishHeld(trx, [current!.id], 'RELEASED')).length !== 1) throw new Error(`Reservation ${current!.id} is no longer HELD although this transaction locked it`);
    } else if (!inserted) {
      await setHeldQuantity(trx, current!.id, quantity);
    }
    await appendStockChanged(trx, level, delta > 0 ? StockChangeReason.reservation : StockChangeReason.release);
  }
  const expiresAt = await refreshCartExpiry(trx, cartId, ttlSeconds);
  return {
    reservation: quantity > 0 ? { cartId, sku, region, quantity, expiresAt: expiresAt!.toISOString() } : null,
    stock: level ? stockView(level.on_hand, level.reserved) : await currentStock(trx, sku, region),
    userErrors: [],
  };
}

/**
 * Gives back the cart's HELD reservation of `sku`, or all of them without
 * `sku`: status RELEASED and the units back in `reserved`, each exactly once
 * (a second call finds nothing HELD and releases nothing, without an error).
 * One `inventory.stock.changed` (reason `release`) per sku given back.
 */
export async function releaseStock(db: Db, cartId: string, sku?: string | null): Promise<ReleaseStockResult> {
  const invalid = validateCartId(cartId, ['cartId']);
  if (invalid) return { released: [], userErrors: [invalid] };
  return inTransaction(db, async (trx) => {
    const held = await lockHeldByCart(trx, cartId, sku ?? undefined);
    const released = (await finishHeld(trx, held.map((r) => r.id), 'RELEASED')).sort(bySkuRegion);
    for (const r of released) await giveBack(trx, r, StockChangeReason.release);
    return { released: released.map(line), userErrors: [] };
  });
}

/** Returns finished holds' units (of one sku in one region) to `reserved` and records the change. */
export async function giveBack(trx: Trx, hold: Pick<ReservationRow, 'sku' | 'region' | 'quantity'>, reason: StockChangeReason): Promise<void> {
  const level = await changeReserved(trx, hold.sku, hold.region, -hold.quantity);
  if (!level) throw new Error(`No inventory level for ${hold.sku} in ${hold.region} to give ${hold.quantity} held units back to`);
  await appendStockChanged(trx, level, reason);
}

/**
 * Checkout: sells every HELD reservation of the cart, all or nothing. Each
 * line leaves `inventory_level.on_hand` and `reserved` together and is taken
 * from the region's locations, fullest first; the reservations become
 * COMMITTED and each sku appends `inventory.stock.changed` (reason `commit`).
 *
 * Commits nothing and answers
 * - RESERVATION_EXPIRED when the cart holds nothing, or any hold has passed its
 *   expiry (even if the sweeper has not given it back yet);
 * - ALREADY_COMMITTED when the cart holds nothing but has committed holds: a
 *   retried commit, whose first call succeeded.
 *
 * Races the expiry sweeper safely: both lock the reservation rows and act only
 * on rows still HELD, so exactly one of them finishes a hold. The expiry check
 * runs before any lock, so an expired cart is refused without keeping the
 * sweeper (which skips locked rows) from giving it back.
 */
export async function commitReservations(db: Db, cartId: string): Promise<CommitReservationsResult> {
  const invalid = validateCartId(cartId, ['cartId']);
  if (invalid) return { committed: [], userErrors: [invalid] };
  const refuse = (code: string, message: string): CommitReservationsResult => ({ committed: [], userErrors: [userError(code, ['cartId'], message)] });
  const expired = () => refuse(ReservationErrorCode.RESERVATION_EXPIRED, `The reservations of cart ${cartId} have expired or were given back; reserve the lines again`);

  return inTransaction(db, async (trx) => {
    if ((await findHeldExpiry(trx, cartId)).some((r) => r.expired)) return expired();
    const held = await lockHeldByCart(trx, cartId);
    if (held.length === 0) {
      return (await cartHasStatus(trx, cartId, 'COMMITTED')) ? refuse(ReservationErrorCode.ALREADY_COMMITTED, `The reservations of cart ${cartId} were committed before`) : expired();
    }
    // A concurrent reserve may have shortened the cart's expiry (a small ttlSeconds) between the check and the locks.
    if ((await findHeldExpiry(trx, cartId)).some((r) => r.expired)) return expired();

    const committed = (await finishHeld(trx, held.map((r) => r.id), 'COMMITTED')).sort(bySkuRegion);
    if (committed.length !== held.length) throw new Error(`Cart ${cartId}: ${held.length} reservations locked but ${committed.length} committed`);
    for (const r of committed) {
      const level = await sellReserved(trx, r.sku, r.region, r.quantity);
      if (!level) throw new Error(`No inventory level for ${r.sku} in ${r.region} to sell ${r.quantity} held units from`);
      const takes = allocateFromLocations(await lockRegionLocationStock(trx, r.sku, r.region), r.quantity);
      for (const take of takes) {
        await takeFromLocation(trx, r.sku, take.locationCode, take.quantity);
        await logAdjustment(trx, { sku: r.sku, locationCode: take.locationCode, delta: -take.quantity, reason: `sale: cart ${cartId}` });
      }
      await appendStockChanged(trx, level, StockChangeReason.commit);
    }
    return { committed: committed.map(line), userErrors: [] };
  });
}
