import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('region')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('currency_code', 'text', (c) => c.notNull())
    .addColumn('tax_included', 'boolean', (c) => c.notNull())
    .addColumn('tax_rate_bp', 'integer', (c) => c.notNull().check(sql`tax_rate_bp BETWEEN 0 AND 10000`))
    .addColumn('locale', 'text', (c) => c.notNull())
    .addUniqueConstraint('region_currency_uq', ['code', 'currency_code'])
    .execute();
  await db.schema
    .createTable('price')
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('currency_code', 'text', (c) => c.notNull())
    .addColumn('amount_minor', 'bigint', (c) => c.notNull().check(sql`amount_minor > 0`))
    .addColumn('compare_at_minor', 'bigint')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('price_pk', ['sku', 'region'])
    .addForeignKeyConstraint('price_region_currency_fk', ['region', 'currency_code'], 'region', ['code', 'currency_code'])
    .addCheckConstraint('price_compare_at_above_amount', sql`compare_at_minor IS NULL OR compare_at_minor > amount_minor`)
    .execute();
  await db.schema.createIndex('price_product_idx').on('price').columns(['product_id', 'region']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('price').execute();
  await db.schema.dropTable('region').execute();
}
