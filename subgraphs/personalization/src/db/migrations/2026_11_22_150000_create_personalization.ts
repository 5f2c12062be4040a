import { sql, type Kysely } from 'kysely';
import { createOutboxTable } from '@shop/platform';

const REGION_CHECK = sql`region IN ('US', 'EU', 'GB', 'IN', 'BR')`;

/**
 * Personalization's own copy of what it needs (product features, stock per
 * sku and region), what shoppers did (interaction), and the precomputed state
 * it serves from (affinities, item neighbours, candidate lists, served lists).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('product_feature')
    .addColumn('product_id', 'text', (c) => c.primaryKey())
    .addColumn('category_id', 'text', (c) => c.notNull())
    .addColumn('category_name', 'text', (c) => c.notNull())
    .addColumn('brand', 'text', (c) => c.notNull())
    .addColumn('tags', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('price_band', 'integer', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('popularity', 'float8', (c) => c.notNull().defaultTo(0))
    .execute();
  // "Popular in <category>" and "Popular from <brand>": each an index-ordered scan. No index on popularity
  // alone: the planner would prefer it (filtering) for those per-key scans, and the trending pool that would
  // use it is read once per process every few seconds (recommend.service.ts, trendingPool).
  await sql`CREATE INDEX product_feature_category_popularity_idx ON product_feature (category_id, popularity DESC)`.execute(db);
  await sql`CREATE INDEX product_feature_brand_popularity_idx ON product_feature (brand, popularity DESC)`.execute(db);

  await db.schema
    .createTable('sku_stock')
    .addColumn('sku', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull().check(REGION_CHECK))
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('available', 'integer', (c) => c.notNull())
    .addColumn('version', 'bigint', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('sku_stock_pk', ['sku', 'region'])
    .execute();
  await db.schema.createIndex('sku_stock_product_idx').on('sku_stock').columns(['product_id', 'region']).execute();

  await db.schema
    .createTable('product_region_stock')
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull().check(REGION_CHECK))
    .addColumn('in_stock', 'boolean', (c) => c.notNull())
    .addPrimaryKeyConstraint('product_region_stock_pk', ['region', 'product_id'])
    .execute();

  await db.schema
    .createTable('interaction')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('event_id', 'uuid', (c) => c.notNull().unique())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull().check(sql`type IN ('VIEW', 'ADD_TO_CART', 'PURCHASE')`))
    .addColumn('weight', 'float8', (c) => c.notNull())
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await sql`CREATE INDEX interaction_user_time_idx ON interaction (user_id, occurred_at DESC)`.execute(db);

  await db.schema
    .createTable('user_affinity')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('score', 'float8', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_affinity_pk', ['user_id', 'key'])
    .execute();

  await db.schema
    .createTable('item_neighbor')
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('neighbor_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind IN ('collaborative', 'content')`))
    .addColumn('score', 'float4', (c) => c.notNull())
    .addPrimaryKeyConstraint('item_neighbor_pk', ['product_id', 'kind', 'neighbor_id'])
    .execute();

  await db.schema
    .createTable('user_profile')
    .addColumn('user_id', 'text', (c) => c.primaryKey())
    .addColumn('candidates', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('candidate_ids', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('computed_at', 'timestamptz')
    .execute();
  // A product crossing in or out of stock finds the shoppers whose lists it can enter or leave.
  await sql`CREATE INDEX user_profile_candidate_ids_idx ON user_profile USING gin (candidate_ids)`.execute(db);

  await db.schema
    .createTable('user_recommendation')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull().check(REGION_CHECK))
    .addColumn('items', 'jsonb', (c) => c.notNull())
    .addColumn('product_ids', sql`text[]`, (c) => c.notNull())
    .addColumn('version', 'bigint', (c) => c.notNull().defaultTo(1))
    .addColumn('computed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('user_recommendation_pk', ['user_id', 'region'])
    .execute();

  await db.schema
    .createTable('job_state')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('last_interaction_id', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await createOutboxTable(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['outbox', 'job_state', 'user_recommendation', 'user_profile', 'item_neighbor', 'user_affinity', 'interaction', 'product_region_stock', 'sku_stock', 'product_feature']) {
    await db.schema.dropTable(t).execute();
  }
}
