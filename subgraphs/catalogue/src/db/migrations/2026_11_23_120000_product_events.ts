import { sql, type Kysely } from 'kysely';
import { createOutboxTable } from '@shop/platform';

/**
 * Product changes become events: each product row carries a version that
 * grows with every change (its `catalogue.product.changed` events carry it),
 * and the outbox holds the events until the relay publishes them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE product ADD COLUMN version bigint NOT NULL DEFAULT 1`.execute(db);
  await createOutboxTable(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('outbox').execute();
  await sql`ALTER TABLE product DROP COLUMN version`.execute(db);
}
