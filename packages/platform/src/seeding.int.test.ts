import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDb, dropDatabase, ensureDatabase, withDatabase, type Db } from './db.ts';
import { createLogger } from './logger.ts';
import { bulkInsert, seedOnce } from './seeding.ts';

const serverUrl = inject('pgServerUrl');
const database = `t_seeding_${process.pid}_${Date.now()}`;

let handle: Db<any>;
let db: Kysely<any>;
/** Every statement sent, for counting the chunks bulkInsert writes. */
const statements: string[] = [];

beforeAll(async () => {
  await ensureDatabase(serverUrl, database);
  handle = createDb<any>({ url: withDatabase(serverUrl, database), logger: createLogger('test', 'silent'), onQuery: (s) => statements.push(s) });
  db = handle.db;
});

afterAll(async () => {
  await handle?.close();
  await dropDatabase(serverUrl, database);
});

describe('bulkInsert', () => {
  const ROWS = 50_000;
  const row = (i: number) => ({
    id: i,
    name: `Name ${i} "quoted" \\ back\\slash, comma; O'Brien ✓`,
    qty: i % 7 === 3 ? -i : i * 3,
    tags: i % 10 === 0 ? [] : ['all', `t${i}`, 'with space'],
    meta: { n: i, nested: { even: i % 2 === 0 }, list: [i, String(i)] },
    note: i % 2 === 0 ? null : `note ${i}`,
  });

  it('inserts 50,000 rows in chunks, with text, int, text[], jsonb and null values intact', async () => {
    await sql`CREATE TABLE bulk (id int PRIMARY KEY, name text NOT NULL, qty int NOT NULL, tags text[] NOT NULL, meta jsonb NOT NULL, note text)`.execute(db);
    const rows = Array.from({ length: ROWS }, (_, i) => row(i));

    statements.length = 0;
    await bulkInsert(db, 'bulk', { id: 'int', name: 'text', qty: 'int', tags: 'text[]', meta: 'jsonb', note: 'text' }, rows, 20_000);
    // 20,000 + 20,000 + 10,000: one statement per chunk.
    expect(statements.filter((s) => /^insert into "bulk"/i.test(s))).toHaveLength(3);

    const summary = await sql<{ count: number; ids: number; qty: number; nulls: number; empty_tags: number; meta_n: number; tags_total: number }>`
      SELECT count(*) AS count, sum(id)::int8 AS ids, sum(qty)::int8 AS qty, count(*) FILTER (WHERE note IS NULL) AS nulls,
             count(*) FILTER (WHERE cardinality(tags) = 0) AS empty_tags, sum((meta->>'n')::int)::int8 AS meta_n,
             sum(cardinality(tags))::int8 AS tags_total
      FROM bulk`.execute(db);
    const expected = rows.reduce(
      (acc, r) => ({
        count: acc.count + 1,
        ids: acc.ids + r.id,
        qty: acc.qty + r.qty,
        nulls: acc.nulls + (r.note === null ? 1 : 0),
        empty_tags: acc.empty_tags + (r.tags.length === 0 ? 1 : 0),
        meta_n: acc.meta_n + r.meta.n,
        tags_total: acc.tags_total + r.tags.length,
      }),
      { count: 0, ids: 0, qty: 0, nulls: 0, empty_tags: 0, meta_n: 0, tags_total: 0 },
    );
    expect(summary.rows[0]).toEqual(expected);

    // Rows either side of each chunk boundary, and the ends, read back exactly.
    const sample = [0, 1, 3, 10, 19_999, 20_000, 20_001, 39_999, 40_000, 49_999];
    const back = await db.selectFrom('bulk').selectAll().where('id', 'in', sample).orderBy('id').execute();
    expect(back).toEqual(sample.map(row));
  });

  it('inserts nothing for no rows', async () => {
    await sql`CREATE TABLE bulk_empty (id int)`.execute(db);
    statements.length = 0;
    await bulkInsert(db, 'bulk_empty', { id: 'int' }, []);
    expect(statements).toHaveLength(0);
  });
});

describe('seedOnce', () => {
  let calls = 0;
  /** A seed that replaces the table's contents with one row naming the generation. */
  const seedWith = (generation: string) => async (trx: Kysely<any>) => {
    calls++;
    await sql`DELETE FROM seeded`.execute(trx);
    await sql`INSERT INTO seeded (generation) VALUES (${generation})`.execute(trx);
  };
  const data = async () => (await sql<{ generation: string }>`SELECT generation FROM seeded ORDER BY generation`.execute(db)).rows.map((r) => r.generation);
  const stamp = async () => (await sql<{ value: string }>`SELECT value FROM seed_state WHERE key = 'seed'`.execute(db)).rows[0]?.value;

  beforeAll(async () => {
    await sql`CREATE TABLE seeded (generation text NOT NULL)`.execute(db);
  });

  it('runs the seed the first time and records the stamp', async () => {
    calls = 0;
    await expect(seedOnce(db, 'v1:20', {}, seedWith('first'))).resolves.toBe(true);
    expect(calls).toBe(1);
    expect(await data()).toEqual(['first']);
    expect(await stamp()).toBe('v1:20');
  });

  it('skips the seed when the stamp is already recorded', async () => {
    calls = 0;
    await expect(seedOnce(db, 'v1:20', {}, seedWith('second'))).resolves.toBe(false);
    expect(calls).toBe(0);
    expect(await data()).toEqual(['first']);
  });

  it('reseeds with force, even with the same stamp', async () => {
    calls = 0;
    await expect(seedOnce(db, 'v1:20', { force: true }, seedWith('forced'))).resolves.toBe(true);
    expect(calls).toBe(1);
    expect(await data()).toEqual(['forced']);
    expect(await stamp()).toBe('v1:20');
  });

  it('reseeds for a new stamp and records it', async () => {
    calls = 0;
    await expect(seedOnce(db, 'v1:40', {}, seedWith('bigger'))).resolves.toBe(true);
    expect(calls).toBe(1);
    expect(await data()).toEqual(['bigger']);
    expect(await stamp()).toBe('v1:40');
  });

  it('leaves the previous data and stamp in place when the seed throws', async () => {
    const failing = async (trx: Kysely<any>) => {
      await seedWith('half-done')(trx);
      throw new Error('generator crashed');
    };
    await expect(seedOnce(db, 'v2:40', {}, failing)).rejects.toThrow('generator crashed');
    expect(await data()).toEqual(['bigger']);
    expect(await stamp()).toBe('v1:40');
    // A forced reseed that fails rolls back too.
    await expect(seedOnce(db, 'v1:40', { force: true }, failing)).rejects.toThrow('generator crashed');
    expect(await data()).toEqual(['bigger']);
    expect(await stamp()).toBe('v1:40');
  });

  /**
   * Race: two processes start against the same database with the same new
   * stamp. Both read the old stamp before either has seeded, so both go on to
   * the transaction; the table lock must make the second wait, see the stamp
   * the first recorded, and skip the seed, and report that it did not seed.
   * The first seed holds the lock until the second is seen waiting for it, so
   * the two calls always overlap.
   */
  it('seeds once when two starts race with the same stamp', async () => {
    calls = 0;
    let generation = 0;
    const racingSeed = async (trx: Kysely<any>) => {
      await seedWith(`race-${++generation}`)(trx);
      if (generation === 1) await waitForLockWaiter('seed_state');
    };
    const results = await Promise.allSettled([seedOnce(db, 'v3:40', {}, racingSeed), seedOnce(db, 'v3:40', {}, racingSeed)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    const seeded = results.map((r) => (r as PromiseFulfilledResult<boolean>).value);
    expect(calls).toBe(1);
    expect(seeded.sort()).toEqual([false, true]);
    expect(await data()).toEqual(['race-1']);
    expect(await stamp()).toBe('v3:40');
  });

  /**
   * Race: two processes start against a database that was never seeded, so
   * both create the seed_state table at once. PostgreSQL's CREATE TABLE IF NOT
   * EXISTS is not safe under concurrency (the loser fails on pg_type's unique
   * index); the loser must carry on, not crash the start. Each round drops the
   * table and races again, since a single round may happen not to collide.
   */
  it('survives two first starts racing to create its bookkeeping table', async () => {
    for (let round = 0; round < 10; round++) {
      await sql`DROP TABLE IF EXISTS seed_state`.execute(db);
      calls = 0;
      const results = await Promise.allSettled([seedOnce(db, 'v4:40', {}, seedWith(`round-${round}`)), seedOnce(db, 'v4:40', {}, seedWith(`round-${round}`))]);
      expect(results.filter((r) => r.status === 'rejected'), `round ${round}`).toEqual([]);
      expect(results.map((r) => (r as PromiseFulfilledResult<boolean>).value).sort(), `round ${round}`).toEqual([false, true]);
      expect(calls, `round ${round}`).toBe(1);
      expect(await data()).toEqual([`round-${round}`]);
      expect(await stamp()).toBe('v4:40');
    }
  });
});

/** Waits until another session is blocked waiting for a lock on `table`. */
async function waitForLockWaiter(table: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { rows } = await handle.pool.query(
      `SELECT count(*) AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
       WHERE c.relname = $1 AND NOT l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [table],
    );
    if (Number(rows[0].n) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no session waited for a lock on ${table} within ${timeoutMs} ms`);
}
