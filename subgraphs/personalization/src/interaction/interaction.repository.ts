import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { InteractionType, PersonalizationDatabase } from '../db/database.ts';
import { DECAY_EPOCH_MS } from '../recommend/features.ts';

type Trx = Transaction<PersonalizationDatabase>;

export interface InteractionRow {
  id: number;
  user_id: string;
  product_id: string;
  type: InteractionType;
  weight: number;
  occurred_at: Date;
}

/**
 * Records a shopper's interactions and what they add to, in one statement:
 * the interactions (an event id already recorded is skipped: idempotency),
 * the shopper's affinities (category, brand, price band) and the products'
 * popularity, each weighted by forward decay (features.ts). Returns the rows
 * inserted, so a replay returns none and adds nothing.
 * WITH ins AS (INSERT INTO interaction … ON CONFLICT (event_id) DO NOTHING RETURNING …),
 *      aff AS (INSERT INTO user_affinity … FROM ins JOIN product_feature … ON CONFLICT DO UPDATE …),
 *      pop AS (UPDATE product_feature … FROM (… FROM ins GROUP BY product_id) …)
 * SELECT … FROM ins
 */
export async function recordInteractionRows(
  trx: Trx,
  userId: string,
  rows: { eventId: string; productId: string; type: InteractionType; weight: number; occurredAt: Date }[],
  halfLifeDays: { profile: number; trending: number },
): Promise<InteractionRow[]> {
  if (rows.length === 0) return [];
  const payload = JSON.stringify(rows.map((r) => ({ event_id: r.eventId, product_id: r.productId, type: r.type, weight: r.weight, occurred_at: r.occurredAt.toISOString() })));
  const profile = decayedWeightSql(sql.ref('ins.weight'), sql.ref('ins.occurred_at'), halfLifeDays.profile);
  const trending = decayedWeightSql(sql.ref('ins.weight'), sql.ref('ins.occurred_at'), halfLifeDays.trending);
  const { rows: inserted } = await sql<InteractionRow>`
    WITH ins AS (
      INSERT INTO interaction (event_id, user_id, product_id, type, weight, occurred_at)
      SELECT x.event_id, ${userId}, x.product_id, x.type, x.weight, x.occurred_at
        FROM jsonb_to_recordset(${payload}::jsonb) AS x(event_id uuid, product_id text, type text, weight float8, occurred_at timestamptz)
      ON CONFLICT (event_id) DO NOTHING
      RETURNING id, user_id, product_id, type, weight, occurred_at
    ), aff AS (
      INSERT INTO user_affinity (user_id, key, score)
      SELECT ${userId}, k.key, sum(${profile}) FROM ins
        JOIN product_feature f ON f.product_id = ins.product_id
        CROSS JOIN LATERAL (VALUES ('category:' || f.category_id), ('brand:' || f.brand), ('band:' || f.price_band)) AS k(key)
       GROUP BY k.key
      ON CONFLICT (user_id, key) DO UPDATE SET score = user_affinity.score + excluded.score
      RETURNING 1
    ), pop AS (
      UPDATE product_feature f SET popularity = f.popularity + d.delta
        FROM (SELECT ins.product_id, sum(${trending}) AS delta FROM ins GROUP BY ins.product_id) d
       WHERE f.product_id = d.product_id
      RETURNING 1
    )
    SELECT ins.*, (SELECT count(*) FROM aff) AS affinities, (SELECT count(*) FROM pop) AS products FROM ins`.execute(trx);
  return inserted.map((r) => ({ id: Number(r.id), user_id: r.user_id, product_id: r.product_id, type: r.type, weight: Number(r.weight), occurred_at: r.occurred_at }));
}

/**
 * SQL for an interaction's forward-decayed weight (features.ts, forwardDecayed), for set-based
 * rebuilds such as the seed: weight * 2 ^ ((occurred_at - epoch) / half-life).
 */
export function decayedWeightSql(weight: RawBuilder<unknown> | ReturnType<typeof sql.ref>, at: RawBuilder<unknown> | ReturnType<typeof sql.ref>, halfLifeDays: number): RawBuilder<number> {
  return sql<number>`(${weight} * power(2, (extract(epoch FROM ${at}) * 1000 - ${DECAY_EPOCH_MS}::float8) / ${halfLifeDays * 86_400_000}::float8))`;
}

/** SELECT DISTINCT ON (sku) sku, product_id FROM sku_stock WHERE sku = ANY($1) */
export async function productsOfSkus(db: Kysely<PersonalizationDatabase> | Trx, skus: readonly string[]): Promise<Map<string, string>> {
  if (skus.length === 0) return new Map();
  const rows = await db.selectFrom('sku_stock').select(['sku', 'product_id']).distinctOn('sku').where('sku', '=', sql<string>`ANY(${skus})`).execute();
  return new Map(rows.map((r) => [r.sku, r.product_id]));
}
