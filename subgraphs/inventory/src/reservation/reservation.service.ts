import type { Kysely, Transaction } from 'kysely';
import { ErrorCode, isRegionCode, type RegionCode } from '@shop/platform';
import type { InventoryDatabase } from '../db/database.ts';
import { appendStockChanged, appendStockChangedMany, StockChangeReason } from '../stock/stock.events.ts';
import { findItem, findItems, findLevels, type LevelRow } from '../stock/stock.repository.ts';
import { stockView, type StockView } from '../stock/stock.rules.ts';
import type { UserError } from '../stock/stock.service.ts';
import {
  cartHasStatus,
  changeReserved,
  changeReservedMany,
  finishHeld,
  findHeldExpiry,
  insertHeld,
  insertHeldMany,
  lockHeldByCart,
  lockLevels,
  lockRegionLocationStockMany,
  logAdjustments,
  refreshCartExpiry,
  sellReservedMany,
  setHeldQuantities,
  setHeldQuantity,
  takeFromLocations,
  type ReservationRow,
} from './reservation.repository.ts';
import { allocateFromLocations, MAX_CART_ID_LENGTH, MAX_RESERVATION_TTL_SECONDS, MAX_RESERVE_LINES } from './reservation.rules.ts';

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

export interface ReserveStockLinesInput {
  cartId: string;
  region: RegionCode;
  /** Each sku at most once: the units the cart holds after the call (0 gives the hold back). */
  lines: { sku: string; quantity: number }[];
  ttlSeconds?: number | null;
}

export interface ReserveStockLinesResult {
  /** The cart's holds of the given skus after the call (those with quantity above 0), in sku order; empty on a user error. */
  reservations: ReservationView[];
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

function validateReserveLinesInput(input: ReserveStockLinesInput): UserError | undefined {
  if (!Array.isArray(input.lines) || input.lines.length === 0 || input.lines.length > MAX_RESERVE_LINES) {
    return userError(ErrorCode.BAD_USER_INPUT, ['input', 'lines'], `"lines" must hold 1 to ${MAX_RESERVE_LINES} lines`);
  }
  if (new Set(input.lines.map((l) => l.sku)).size !== input.lines.length) return userError(ErrorCode.BAD_USER_INPUT, ['input', 'lines'], 'Each sku may appear once');
  // What reserveStock checks of one line, for each line.
  for (const [i, l] of input.lines.entries()) {
    const invalid = validateReserveInput({ cartId: input.cartId, region: input.region, sku: l.sku, quantity: l.quantity, ttlSeconds: input.ttlSeconds });
    if (invalid) return invalid.field?.[1] === 'quantity' ? { ...invalid, field: ['input', 'lines', String(i), 'quantity'] } : invalid;
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
 * reserveStock for several skus of one cart in one transaction, all or
 * nothing (checkout confirms every line of a cart with it): each line's HELD
 * quantity is set to its `quantity` (absolute; 0 gives the hold back) and the
 * expiry of every HELD reservation of the cart is refreshed. The first refusal
 * (INSUFFICIENT_STOCK, NOT_FOUND, ALREADY_COMMITTED, BAD_USER_INPUT) rolls
 * everything back. Locks are taken as reserveStock takes them, for all the
 * lines at once in sku order, and the statements it sends do not depend on the
 * number of lines. Each sku whose held quantity changed appends
 * `inventory.stock.changed` (reason `reservation` or `release`).
 */
export async function reserveStockLines(db: Db, input: ReserveStockLinesInput, options: ReservationOptions): Promise<ReserveStockLinesResult> {
  const invalid = validateReserveLinesInput(input);
  if (invalid) return { reservations: [], userErrors: [invalid] };
  const ttlSeconds = input.ttlSeconds ?? options.defaultTtlSeconds;
  try {
    return await inTransaction(db, (trx) => reserveLinesInTransaction(trx, input, ttlSeconds));
  } catch (err) {
    if (err instanceof Refusal) return err.result as ReserveStockLinesResult;
    // The CHECK is the last guard; the locked rows were checked before the write, so this is not expected.
    if (isOversellViolation(err)) return { reservations: [], userErrors: [userError(ErrorCode.INSUFFICIENT_STOCK, ['input', 'lines'], `Too few units are available in ${input.region} to hold these lines`)] };
    throw err;
  }
}

async function reserveLinesInTransaction(trx: Trx, input: ReserveStockLinesInput, ttlSeconds: number): Promise<ReserveStockLinesResult> {
  const { cartId, region } = input;
  const lines = [...input.lines].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
  const refuse = (error: UserError) => new Refusal<ReserveStockLinesResult>({ reservations: [], userErrors: [error] });
  const lineField = (sku: string, name: string) => ['input', 'lines', String(input.lines.findIndex((l) => l.sku === sku)), name];

  const known = new Set((await findItems(trx, lines.map((l) => l.sku))).map((r) => r.sku));
  const unknown = lines.find((l) => !known.has(l.sku));
  if (unknown) throw refuse(userError(ErrorCode.NOT_FOUND, lineField(unknown.sku, 'sku'), `No inventory item "${unknown.sku}"`));
  // As in reserveStock: a cart whose holds were sold is closed.
  if (await cartHasStatus(trx, cartId, 'COMMITTED')) {
    throw refuse(userError(ErrorCode.ALREADY_COMMITTED, ['input', 'cartId'], `The reservations of cart ${cartId} were committed before`));
  }

  // (1) the cart's HELD rows, then the new holds in sku order; a hold a concurrent call inserted meanwhile is locked and changed instead.
  const held = new Map((await lockHeldByCart(trx, cartId)).map((r) => [r.sku, r]));
  const inserted = new Set<string>();
  for (let attempt = 0; attempt < 3; attempt++) {
    const missing = lines.filter((l) => l.quantity > 0 && !held.has(l.sku));
    if (missing.length === 0) break;
    for (const r of await insertHeldMany(trx, cartId, region, missing, ttlSeconds)) {
      held.set(r.sku, r);
      inserted.add(r.sku);
    }
    if (missing.every((l) => held.has(l.sku))) break;
    for (const r of await lockHeldByCart(trx, cartId)) if (!held.has(r.sku)) held.set(r.sku, r);
  }
  const unclaimed = lines.find((l) => l.quantity > 0 && !held.has(l.sku));
  if (unclaimed) throw new Error(`Could not claim the hold of ${unclaimed.sku} for cart ${cartId}`);
  const elsewhere = lines.find((l) => held.get(l.sku) && held.get(l.sku)!.region !== region);
  if (elsewhere) {
    throw refuse(
      userError(ErrorCode.BAD_USER_INPUT, ['input', 'region'], `Cart ${cartId} holds ${elsewhere.sku} in ${held.get(elsewhere.sku)!.region}; give that hold back (quantity 0) before holding it in ${region}`),
    );
  }

  // (2) the levels of the lines whose held quantity changes, all locked before any is written.
  const changes = lines
    .map((l) => {
      const hold = held.get(l.sku);
      const previous = inserted.has(l.sku) ? 0 : (hold?.quantity ?? 0);
      return { ...l, hold, inserted: inserted.has(l.sku), delta: l.quantity - previous, previous };
    })
    .filter((c) => c.delta !== 0);
  if (changes.length) {
    const levels = new Map((await lockLevels(trx, changes.map((c) => ({ sku: c.sku, region })))).map((r) => [r.sku, r]));
    for (const c of changes) {
      const level = levels.get(c.sku);
      const stock = level ? stockView(level.on_hand, level.reserved) : stockView(0, 0);
      if (!level || level.on_hand - level.reserved < c.delta) {
        const refused = insufficientStock({ cartId, sku: c.sku, region, quantity: c.quantity }, stock, c.previous);
        throw refuse({ ...refused.userErrors[0]!, field: lineField(c.sku, 'quantity') });
      }
    }
    const changed = await changeReservedMany(trx, changes.map((c) => ({ sku: c.sku, region, delta: c.delta })));
    if (changed.length !== changes.length) throw new Error(`Cart ${cartId}: ${changes.length} locked levels checked but ${changed.length} changed`);
    const released = changes.filter((c) => !c.inserted && c.quantity === 0).map((c) => c.hold!.id);
    if ((await finishHeld(trx, released, 'RELEASED')).length !== released.length) throw new Error(`Cart ${cartId}: a hold is no longer HELD although this transaction locked it`);
    await setHeldQuantities(
      trx,
      changes.filter((c) => !c.inserted && c.quantity > 0).map((c) => ({ id: c.hold!.id, quantity: c.quantity })),
    );
    const bySku = new Map(changed.map((r) => [r.sku, r]));
    await appendStockChangedMany(
      trx,
      changes.map((c) => ({ level: bySku.get(c.sku)!, reason: c.delta > 0 ? StockChangeReason.reservation : StockChangeReason.release })),
    );
  }
  const expiresAt = await refreshCartExpiry(trx, cartId, ttlSeconds);
  return {
    reservations: lines.filter((l) => l.quantity > 0).map((l) => ({ cartId, sku: l.sku, region, quantity: l.quantity, expiresAt: expiresAt!.toISOString() })),
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
    // Every line at once, so a cart of 50 lines sends the statements a cart of one does: (2) all levels, then (3) all locations, each in order.
    const key = (r: { sku: string; region: string }) => `${r.sku}|${r.region}`;
    const locked = new Set((await lockLevels(trx, committed)).map(key));
    const unknown = committed.find((r) => !locked.has(key(r)));
    if (unknown) throw new Error(`No inventory level for ${unknown.sku} in ${unknown.region} to sell ${unknown.quantity} held units from`);
    const levels = new Map((await sellReservedMany(trx, committed)).map((r) => [key(r), r]));
    const locations = await lockRegionLocationStockMany(trx, committed);
    const takes = committed.flatMap((r) =>
      allocateFromLocations(locations.filter((l) => l.sku === r.sku && l.region === r.region), r.quantity).map((t) => ({ sku: r.sku, ...t })),
    );
    await takeFromLocations(trx, takes);
    await logAdjustments(trx, takes.map((t) => ({ sku: t.sku, locationCode: t.locationCode, delta: -t.quantity, reason: `sale: cart ${cartId}` })));
    await appendStockChangedMany(trx, committed.map((r) => ({ level: levels.get(key(r))!, reason: StockChangeReason.commit })));
    return { committed: committed.map(line), userErrors: [] };
  });
}
