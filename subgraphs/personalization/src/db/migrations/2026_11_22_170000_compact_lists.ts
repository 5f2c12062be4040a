import { sql, type Kysely } from 'kysely';

/**
 * Smaller stored lists, because a stock crossing reads the candidates of, and
 * rewrites, every list a product leaves or enters (over a hundred at once on
 * the 100,000-product seed):
 *
 * - user_profile.candidates becomes `json` parallel arrays with each category
 *   and reason once (database.ts, CompactCandidates): about 3 kB instead of
 *   13, and `json` is sent back as the text it stores, where `jsonb` is
 *   rebuilt as text on every read.
 * - user_recommendation keeps a list as its product ids: the items' scores
 *   and reasons are the candidates the list was derived from, so `items`
 *   (about 5 kB of JSON per list, parsed on every write) goes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Rewrites every profile: not bound by the services' per-statement timeout (this migration's transaction only).
  await sql`SET LOCAL statement_timeout = 0`.execute(db);
  await sql`ALTER TABLE user_profile ADD COLUMN compact json`.execute(db);
  await sql`
    WITH c AS (
      SELECT p.user_id, x.n, x.c->>'productId' AS id, (x.c->>'score')::float8 AS score, x.c->>'categoryId' AS category, x.c->>'reason' AS reason
        FROM user_profile p CROSS JOIN LATERAL jsonb_array_elements(p.candidates) WITH ORDINALITY AS x(c, n)
    ), categories AS (
      SELECT user_id, category, (row_number() OVER (PARTITION BY user_id ORDER BY min(n)) - 1)::int AS i FROM c GROUP BY user_id, category
    ), reasons AS (
      SELECT user_id, reason, (row_number() OVER (PARTITION BY user_id ORDER BY min(n)) - 1)::int AS i FROM c GROUP BY user_id, reason
    ), category_lists AS (
      SELECT user_id, json_agg(category ORDER BY i) AS list FROM categories GROUP BY user_id
    ), reason_lists AS (
      SELECT user_id, json_agg(reason ORDER BY i) AS list FROM reasons GROUP BY user_id
    ), per_candidate AS (
      SELECT c.user_id, json_agg(c.id ORDER BY c.n) AS ids, json_agg(c.score ORDER BY c.n) AS scores,
             json_agg(k.i ORDER BY c.n) AS category_of, json_agg(r.i ORDER BY c.n) AS reason_of
        FROM c
        JOIN categories k ON k.user_id = c.user_id AND k.category = c.category
        JOIN reasons r ON r.user_id = c.user_id AND r.reason = c.reason
       GROUP BY c.user_id
    )
    UPDATE user_profile p
       SET compact = json_build_object('ids', pc.ids, 'scores', pc.scores, 'categories', cl.list, 'categoryOf', pc.category_of, 'reasons', rl.list, 'reasonOf', pc.reason_of)
      FROM per_candidate pc
      JOIN category_lists cl ON cl.user_id = pc.user_id
      JOIN reason_lists rl ON rl.user_id = pc.user_id
     WHERE p.user_id = pc.user_id`.execute(db);
  await sql`
    UPDATE user_profile SET compact = '{"ids":[],"scores":[],"categories":[],"categoryOf":[],"reasons":[],"reasonOf":[]}'::json
     WHERE compact IS NULL`.execute(db);
  await sql`ALTER TABLE user_profile DROP COLUMN candidates`.execute(db);
  await sql`ALTER TABLE user_profile RENAME COLUMN compact TO candidates`.execute(db);
  await sql`
    ALTER TABLE user_profile
      ALTER COLUMN candidates SET NOT NULL,
      ALTER COLUMN candidates SET DEFAULT '{"ids":[],"scores":[],"categories":[],"categoryOf":[],"reasons":[],"reasonOf":[]}'::json`.execute(db);
  await sql`ALTER TABLE user_recommendation DROP COLUMN items`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`SET LOCAL statement_timeout = 0`.execute(db);
  await sql`ALTER TABLE user_profile ADD COLUMN objects jsonb NOT NULL DEFAULT '[]'::jsonb`.execute(db);
  await sql`
    UPDATE user_profile p SET objects = coalesce((
      SELECT jsonb_agg(jsonb_build_object(
               'productId', p.candidates->'ids'->>(x.n - 1)::int,
               'score', (p.candidates->'scores'->>(x.n - 1)::int)::float8,
               'reason', p.candidates->'reasons'->>((p.candidates->'reasonOf'->>(x.n - 1)::int)::int),
               'categoryId', p.candidates->'categories'->>((p.candidates->'categoryOf'->>(x.n - 1)::int)::int)) ORDER BY x.n)
        FROM json_array_elements(p.candidates->'ids') WITH ORDINALITY AS x(id, n)), '[]'::jsonb)`.execute(db);
  await sql`ALTER TABLE user_profile DROP COLUMN candidates`.execute(db);
  await sql`ALTER TABLE user_profile RENAME COLUMN objects TO candidates`.execute(db);
  await sql`ALTER TABLE user_recommendation ADD COLUMN items jsonb`.execute(db);
  await sql`
    UPDATE user_recommendation r SET items = coalesce((
      SELECT jsonb_agg(jsonb_build_object('productId', c->>'productId', 'score', c->'score', 'reason', replace(c->>'reason', '{region}', r.region)) ORDER BY i.n)
        FROM unnest(r.product_ids) WITH ORDINALITY AS i(id, n)
        JOIN user_profile p ON p.user_id = r.user_id
        CROSS JOIN LATERAL jsonb_array_elements(p.candidates) AS c
       WHERE c->>'productId' = i.id), '[]'::jsonb)`.execute(db);
  await sql`ALTER TABLE user_recommendation ALTER COLUMN items SET NOT NULL`.execute(db);
}
