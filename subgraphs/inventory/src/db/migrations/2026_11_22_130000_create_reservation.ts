import { sql, type Kysely } from 'kysely';
import { createOutboxTable } from '@shop/platform';

/**
 * Cart reservations and the outbox. A cart holds at most one HELD reservation
 * per sku (the partial unique index), which is what lets reserveStock set an
 * absolute quantity and lets a concurrent insert of the same hold wait for the
 * first instead of holding the units twice. Finished reservations (COMMITTED,
 * RELEASED, EXPIRED) stay as history and do not take part in the index.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('reservation')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('cart_id', 'text', (c) => c.notNull())
    .addColumn('sku', 'text', (c) => c.notNull().references('inventory_item.sku').onDelete('cascade'))
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull().check(sql`quantity > 0`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status IN ('HELD', 'COMMITTED', 'RELEASED', 'EXPIRED')`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('reservation_held_cart_sku_key').on('reservation').columns(['cart_id', 'sku']).unique().where(sql.ref('status'), '=', 'HELD').execute();
  // The sweeper's scan: only live holds, oldest expiry first.
  await db.schema.createIndex('reservation_held_expires_idx').on('reservation').column('expires_at').where(sql.ref('status'), '=', 'HELD').execute();
  // A cart's history (commitReservations tells ALREADY_COMMITTED from RESERVATION_EXPIRED by it).
  await db.schema.createIndex('reservation_cart_idx').on('reservation').column('cart_id').execute();
  await createOutboxTable(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('outbox').execute();
  await db.schema.dropTable('reservation').execute();
}
