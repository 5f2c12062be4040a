import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Trigram matching gives search its typo tolerance.
  await sql`CREATE EXTENSION IF NOT EXISTS pg_trgm`.execute(db);
  // One typo in a word scores about 0.58 against pg_trgm's default 0.6 for `<%`; 0.5 lets it through.
  await sql`DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET pg_trgm.word_similarity_threshold = 0.5', current_database()); END $$`.execute(db);
  await db.schema
    .createTable('category')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('parent_id', 'text', (c) => c.references('category.id'))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('product')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('brand', 'text', (c) => c.notNull())
    .addColumn('category_id', 'text', (c) => c.notNull().references('category.id'))
    .addColumn('tags', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('search', sql`tsvector`, (c) =>
      c.generatedAlwaysAs(
        sql`setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', brand), 'B') || setweight(to_tsvector('english', description), 'C')`,
      ).stored(),
    )
    .execute();
  await db.schema.createIndex('product_search_idx').on('product').using('gin').column('search').execute();
  await sql`CREATE INDEX product_title_trgm_idx ON product USING gin (title gin_trgm_ops)`.execute(db);
  await db.schema.createIndex('product_category_idx').on('product').columns(['category_id', 'id']).execute();
  await db.schema.createIndex('product_brand_idx').on('product').columns(['brand', 'id']).execute();
  await sql`CREATE INDEX product_tags_idx ON product USING gin (tags)`.execute(db);

  await db.schema
    .createTable('variant')
    .addColumn('sku', 'text', (c) => c.primaryKey())
    .addColumn('product_id', 'text', (c) => c.notNull().references('product.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('options', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'`))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('variant_product_idx').on('variant').columns(['product_id', 'position']).execute();

  await db.schema
    .createTable('product_image')
    .addColumn('product_id', 'text', (c) => c.notNull().references('product.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('alt_text', 'text')
    .addPrimaryKeyConstraint('product_image_pk', ['product_id', 'position'])
    .execute();

}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['product_image', 'variant', 'product', 'category']) await db.schema.dropTable(t).execute();
}
