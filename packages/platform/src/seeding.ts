import { sql, type Kysely, type Transaction } from 'kysely';

/**
 * Inserts rows in chunks, each chunk as one statement with a single jsonb
 * parameter unpacked by jsonb_to_recordset: far fewer round trips and bind
 * parameters than a multi-row VALUES list, so 100,000 products seed in seconds.
 *
 * @param columns column name -> PostgreSQL type, e.g. `{ sku: 'text', on_hand: 'int' }`
 */
export async function bulkInsert(
  db: Kysely<any> | Transaction<any>,
  table: string,
  columns: Record<string, string>,
  rows: Record<string, unknown>[],
  chunkSize = 20_000,
): Promise<void> {
  const names = Object.keys(columns);
  const colList = sql.join(names.map((n) => sql.ref(n)));
  const recordDef = sql.join(names.map((n) => sql`${sql.ref(n)} ${sql.raw(columns[n]!)}`));
  for (let i = 0; i < rows.length; i += chunkSize) {
    const chunk = JSON.stringify(rows.slice(i, i + chunkSize));
    await sql`INSERT INTO ${sql.table(table)} (${colList}) SELECT ${colList} FROM jsonb_to_recordset(${chunk}::jsonb) AS x(${recordDef})`.execute(db);
  }
}

/**
 * Runs `seed` once per `stamp` (generator version and size): a second start
 * finds the stamp and skips, `force` reseeds. The seed runs in one transaction,
 * so a failed or interrupted seed leaves the previous data in place.
 *
 * @returns true when it seeded
 */
export async function seedOnce(
  db: Kysely<any>,
  stamp: string,
  options: { force?: boolean },
  seed: (trx: Transaction<any>) => Promise<void>,
): Promise<boolean> {
  await sql`CREATE TABLE IF NOT EXISTS seed_state (key text PRIMARY KEY, value text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`
    .execute(db)
    .catch((err: { code?: string }) => {
      // Created meanwhile by another start: IF NOT EXISTS does not cover a concurrent CREATE.
      if (err.code !== '23505' && err.code !== '42P07' && err.code !== '42710') throw err;
    });
  const current = await sql<{ value: string }>`SELECT value FROM seed_state WHERE key = 'seed'`.execute(db);
  if (!options.force && current.rows[0]?.value === stamp) return false;
  return db.transaction().execute(async (trx) => {
    // Two starts racing to seed the same database: the second waits, then sees the stamp.
    await sql`LOCK TABLE seed_state IN EXCLUSIVE MODE`.execute(trx);
    const again = await sql<{ value: string }>`SELECT value FROM seed_state WHERE key = 'seed'`.execute(trx);
    if (!options.force && again.rows[0]?.value === stamp) return false;
    await seed(trx);
    await sql`INSERT INTO seed_state (key, value) VALUES ('seed', ${stamp}) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()`.execute(trx);
    return true;
  });
}
