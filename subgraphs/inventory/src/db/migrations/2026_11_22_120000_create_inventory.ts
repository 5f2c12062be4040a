import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('location')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull().check(sql`region IN ('US', 'EU', 'GB', 'IN', 'BR')`))
    .execute();
  await db.schema
    .createTable('inventory_item')
    .addColumn('sku', 'text', (c) => c.primaryKey())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('inventory_item_product_idx').on('inventory_item').columns(['product_id', 'sku']).execute();
  await db.schema
    .createTable('location_stock')
    .addColumn('sku', 'text', (c) => c.notNull().references('inventory_item.sku').onDelete('cascade'))
    .addColumn('location_code', 'text', (c) => c.notNull().references('location.code'))
    .addColumn('on_hand', 'integer', (c) => c.notNull().check(sql`on_hand >= 0`))
    .addPrimaryKeyConstraint('location_stock_pk', ['sku', 'location_code'])
    .execute();
  await db.schema
    .createTable('inventory_level')
    .addColumn('sku', 'text', (c) => c.notNull().references('inventory_item.sku').onDelete('cascade'))
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('on_hand', 'integer', (c) => c.notNull().check(sql`on_hand >= 0`))
    .addColumn('reserved', 'integer', (c) => c.notNull().defaultTo(0).check(sql`reserved >= 0`))
    .addColumn('version', 'bigint', (c) => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('inventory_level_pk', ['sku', 'region'])
    .addCheckConstraint('inventory_level_no_oversell', sql`reserved <= on_hand`)
    .execute();
  await db.schema
    .createTable('stock_adjustment')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('location_code', 'text', (c) => c.notNull())
    .addColumn('delta', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['stock_adjustment', 'inventory_level', 'location_stock', 'inventory_item', 'location']) await db.schema.dropTable(t).execute();
}
