import { sql, type Kysely } from 'kysely';

/**
 * Serving-path indexes learnt from the 100,000-product latency runs (idempotent:
 * databases created before this migration may already have them).
 *
 * - A region's sold-out products, read whole when a stock crossing re-derives
 *   many shoppers' lists (a few percent of the catalogue), instead of probing
 *   every candidate of every shopper.
 * - The candidate-ids GIN index without fastupdate: every refresh rewrites a
 *   shopper's ids, and flushing a pending list inside one of them makes latency spikes.
 * - No index on popularity alone (databases made from a draft of the first
 *   migration have one): the planner preferred it (filtering) over the
 *   per-category and per-brand ones for "popular in <key>" scans; the trending
 *   pool that used it is read once per process every few seconds.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX IF NOT EXISTS product_region_stock_out_idx ON product_region_stock (region, product_id) WHERE NOT in_stock`.execute(db);
  await sql`ALTER INDEX user_profile_candidate_ids_idx SET (fastupdate = off)`.execute(db);
  // Turning fastupdate off leaves entries already pending where they are until a vacuum; move them now.
  await sql`SELECT gin_clean_pending_list('user_profile_candidate_ids_idx')`.execute(db);
  await sql`DROP INDEX IF EXISTS product_feature_popularity_idx`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS product_region_stock_out_idx`.execute(db);
  await sql`ALTER INDEX user_profile_candidate_ids_idx RESET (fastupdate)`.execute(db);
  // product_feature_popularity_idx stays dropped: the first migration as committed never creates it.
}
