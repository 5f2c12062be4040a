import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { OrderLineTable, OrderTable, OrdersDatabase } from '../db/database.ts';

type Db = Kysely<OrdersDatabase> | Transaction<OrdersDatabase>;
export type OrderRow = Selectable<OrderTable>;
export type OrderLineRow = Selectable<OrderLineTable>;

/** SELECT * FROM customer_order WHERE id = ANY($1) */
export function findOrders(db: Db, ids: readonly string[]): Promise<OrderRow[]> {
  return db.selectFrom('customer_order').selectAll().where('id', '=', sql<string>`ANY(${ids})`).execute();
}

/** SELECT * FROM order_line WHERE order_id = ANY($1) ORDER BY order_id, sku */
export function findOrderLines(db: Db, orderIds: readonly string[]): Promise<OrderLineRow[]> {
  return db.selectFrom('order_line').selectAll().where('order_id', '=', sql<string>`ANY(${orderIds})`).orderBy('order_id').orderBy('sku').execute();
}

/**
 * SELECT * FROM customer_order WHERE user_id = $1 [AND (created_at, id) < ($2, $3)]
 * ORDER BY created_at DESC, id DESC LIMIT $4 — newest first, keyset paging.
 */
export function pageUserOrders(db: Db, userId: string, after: { createdAt: Date; id: string } | undefined, limit: number): Promise<OrderRow[]> {
  let q = db.selectFrom('customer_order').selectAll().where('user_id', '=', userId);
  if (after) q = q.where(sql<boolean>`(created_at, id) < (${after.createdAt}, ${after.id})`);
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

/** SELECT count(*) FROM customer_order WHERE user_id = $1 */
export async function countUserOrders(db: Db, userId: string): Promise<number> {
  const row = await db.selectFrom('customer_order').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
  return Number(row.n);
}
