import { sql, type Kysely } from 'kysely';
import { createOutboxTable } from '@shop/platform';

/**
 * Price changes become events: each price row carries a version that grows
 * with every change (its `pricing.price.changed` events carry it), and the
 * outbox holds the events until the relay publishes them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE price ADD COLUMN version bigint NOT NULL DEFAULT 1`.execute(db);
  await createOutboxTable(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('outbox').execute();
  await sql`ALTER TABLE price DROP COLUMN version`.execute(db);
}
