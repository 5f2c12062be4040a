import type { Kysely, Selectable, Transaction } from 'kysely';
import { sql } from 'kysely';
import type { CartLineTable, CartTable, OrdersDatabase } from '../db/database.ts';

type Db = Kysely<OrdersDatabase> | Transaction<OrdersDatabase>;
export type CartRow = Selectable<CartTable>;
export type CartLineRow = Selectable<CartLineTable>;

/** SELECT * FROM cart WHERE id = ANY($1) */
export function findCarts(db: Db, ids: readonly string[]): Promise<CartRow[]> {
  return db.selectFrom('cart').selectAll().where('id', '=', sql<string>`ANY(${ids})`).execute();
}

/** SELECT * FROM cart WHERE id = $1 FOR UPDATE: serialises every change to one cart. */
export function lockCart(trx: Transaction<OrdersDatabase>, id: string): Promise<CartRow | undefined> {
  return trx.selectFrom('cart').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

/** SELECT * FROM cart_line WHERE cart_id = ANY($1) ORDER BY cart_id, added_at, sku */
export function findLines(db: Db, cartIds: readonly string[]): Promise<CartLineRow[]> {
  return db.selectFrom('cart_line').selectAll().where('cart_id', '=', sql<string>`ANY(${cartIds})`).orderBy('cart_id').orderBy('added_at').orderBy('sku').execute();
}

/** INSERT INTO cart_line … ON CONFLICT (cart_id, sku) DO UPDATE SET quantity = $3, or DELETE when 0 */
export async function setLine(trx: Transaction<OrdersDatabase>, cartId: string, sku: string, quantity: number): Promise<void> {
  if (quantity === 0) {
    await trx.deleteFrom('cart_line').where('cart_id', '=', cartId).where('sku', '=', sku).execute();
    return;
  }
  await trx
    .insertInto('cart_line')
    .values({ cart_id: cartId, sku, quantity })
    .onConflict((oc) => oc.columns(['cart_id', 'sku']).doUpdateSet({ quantity }))
    .execute();
}

/** UPDATE cart SET reserved_until = $2, updated_at = now() WHERE id = $1 */
export async function touchCart(trx: Transaction<OrdersDatabase>, id: string, reservedUntil: Date | null): Promise<void> {
  await trx.updateTable('cart').set({ reserved_until: reservedUntil, updated_at: sql`now()` }).where('id', '=', id).execute();
}

/** A cart line with its cart, so line resolvers can price it in the cart's region. */
export type CartLineModel = CartLineRow & { cart: CartRow };
