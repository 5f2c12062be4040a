import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { ErrorCode, InternalCallError, type RegionCode } from '@shop/platform';
import type { OrdersDatabase } from '../db/database.ts';
import type { InventoryClient, UserErrorView } from '../clients/inventory.ts';
import type { PricingClient } from '../clients/pricing.ts';
import { findLines, lockCart, setLine, touchCart, type CartRow } from './cart.repository.ts';

/** Most units of one sku a cart may hold. */
export const MAX_LINE_QUANTITY = 99;
/** Most distinct lines in one cart. */
export const MAX_LINES = 50;

export interface CartDeps {
  db: Kysely<OrdersDatabase>;
  inventory: InventoryClient;
  pricing: PricingClient;
  requestId: string;
  userId: string | undefined;
}

export type CartResult = { cart: CartRow | null; userErrors: UserErrorView[] };

export const userError = (code: string, field: string[] | null, message: string): UserErrorView => ({ code, field, message });
const fail = (code: string, field: string[] | null, message: string): CartResult => ({ cart: null, userErrors: [userError(code, field, message)] });

/** A cart is visible to anyone holding its id while it is a guest cart, and to its shopper alone once bound. */
export function canSee(cart: CartRow, userId: string | undefined): boolean {
  return cart.user_id === null || cart.user_id === userId;
}

export function newCartId(): string {
  return `cart_${randomBytes(16).toString('base64url')}`;
}

export async function createCart(db: Kysely<OrdersDatabase>, region: RegionCode, userId: string | undefined): Promise<CartResult> {
  const cart = await db.insertInto('cart').values({ id: newCartId(), region, user_id: userId ?? null, status: 'OPEN' }).returningAll().executeTakeFirstOrThrow();
  return { cart, userErrors: [] };
}

/**
 * Sets a line to `quantity` units (0 removes it). The cart row is locked for
 * the whole change, so concurrent edits of one cart apply one after another;
 * inventory holds the absolute quantity, so a retried call reserves nothing twice.
 * Nothing changes unless inventory could reserve the units.
 */
export async function setCartLine(deps: CartDeps, cartId: string, sku: string, quantity: number | ((current: number) => number)): Promise<CartResult> {
  const ctx = { requestId: deps.requestId };
  try {
    // Priced in the cart's region at all? Asked before the cart is locked, so the lock is held only around the reservation.
    if (quantity !== 0) {
      const [cart] = await deps.db.selectFrom('cart').select(['region']).where('id', '=', cartId).execute();
      if (cart) {
        const quote = await deps.pricing.quote(cart.region, [{ sku, quantity: 1 }], ctx);
        if (quote.unpriced.length) return fail(ErrorCode.NOT_FOUND, ['sku'], `Variant ${sku} is not sold in ${cart.region}`);
      }
    }
    return await deps.db.transaction().execute(async (trx) => {
      const cart = await lockCart(trx, cartId);
      if (!cart || !canSee(cart, deps.userId)) return fail(ErrorCode.NOT_FOUND, ['cartId'], 'No such cart');
      if (cart.status !== 'OPEN') return fail(ErrorCode.CART_CLOSED, ['cartId'], 'The cart has been checked out');
      const lines = await findLines(trx, [cartId]);
      const current = lines.find((l) => l.sku === sku)?.quantity ?? 0;
      const next = typeof quantity === 'function' ? quantity(current) : quantity;
      if (!Number.isInteger(next) || next < 0 || next > MAX_LINE_QUANTITY) {
        return fail(ErrorCode.BAD_USER_INPUT, ['quantity'], `A line holds 1 to ${MAX_LINE_QUANTITY} units`);
      }
      if (next === current) return { cart, userErrors: [] };
      if (current === 0 && lines.length >= MAX_LINES) return fail(ErrorCode.BAD_USER_INPUT, ['sku'], `A cart holds at most ${MAX_LINES} lines`);
      const reserved = await deps.inventory.reserve({ cartId, sku, region: cart.region, quantity: next }, ctx);
      if (reserved.userErrors.length) return { cart: null, userErrors: reserved.userErrors.map((e) => ({ ...e, field: e.code === ErrorCode.INSUFFICIENT_STOCK ? ['quantity'] : e.field })) };
      await setLine(trx, cartId, sku, next);
      const remaining = lines.length - (current > 0 && next === 0 ? 1 : 0) + (current === 0 && next > 0 ? 1 : 0);
      const until = remaining === 0 ? null : reserved.reservation ? new Date(reserved.reservation.expiresAt) : cart.reserved_until;
      await touchCart(trx, cartId, until);
      return { cart: { ...cart, reserved_until: until }, userErrors: [] };
    });
  } catch (err) {
    if (err instanceof InternalCallError) return fail(err.code === ErrorCode.BAD_USER_INPUT ? ErrorCode.BAD_USER_INPUT : ErrorCode.UPSTREAM_UNAVAILABLE, null, err.code === ErrorCode.BAD_USER_INPUT ? err.message : 'Stock or prices are unavailable; try again');
    throw err;
  }
}
