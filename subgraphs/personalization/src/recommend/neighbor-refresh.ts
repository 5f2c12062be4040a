import { sql, type Kysely, type Transaction } from 'kysely';
import { bulkInsert, type Logger } from '@shop/platform';
import type { InteractionType, PersonalizationDatabase } from '../db/database.ts';
import { collaborativeNeighbors, type InteractionLite, type NeighborRow } from './neighbors.ts';
import { NEIGHBOR_REFRESH_LOCK } from './recommend.repository.ts';
import { HISTORY_DAYS } from './recommend.service.ts';

const JOB = 'collaborative_neighbors';
const DAY_MS = 86_400_000;

/**
 * Inserts rows from an iterable in chunks, keeping one chunk's INSERT in
 * flight while the next is built, so generating rows (e.g. computing
 * neighbours) overlaps the database's work without holding every row.
 */
export async function streamInsert<T>(
  trx: Transaction<PersonalizationDatabase>,
  table: string,
  columns: Record<string, string>,
  rows: Iterable<T>,
  toRow: (row: T) => Record<string, unknown>,
  chunk = 20_000,
): Promise<number> {
  let inFlight: Promise<void> = Promise.resolve();
  let batch: Record<string, unknown>[] = [];
  let total = 0;
  const send = async () => {
    const rowsToSend = batch;
    batch = [];
    total += rowsToSend.length;
    await inFlight;
    inFlight = bulkInsert(trx, table, columns, rowsToSend);
    // Awaited before the next chunk or at the end; this only keeps a failure from counting as unhandled meanwhile.
    inFlight.catch(() => undefined);
  };
  for (const r of rows) {
    batch.push(toRow(r));
    if (batch.length >= chunk) await send();
  }
  await send();
  await inFlight;
  return total;
}

/** Writes neighbour rows as they are computed. */
export function insertNeighbors(trx: Transaction<PersonalizationDatabase>, rows: Iterable<NeighborRow>): Promise<number> {
  return streamInsert(trx, 'item_neighbor', { product_id: 'text', neighbor_id: 'text', kind: 'text', score: 'float4' }, rows, (r) => ({
    product_id: r.productId,
    neighbor_id: r.neighborId,
    kind: r.kind,
    score: r.score,
  }));
}

/** INSERT INTO job_state … ON CONFLICT (name) DO UPDATE: the last interaction a job has seen. */
export async function markJob(trx: Transaction<PersonalizationDatabase>, lastInteractionId: number): Promise<void> {
  await trx
    .insertInto('job_state')
    .values({ name: JOB, last_interaction_id: lastInteractionId, updated_at: new Date() })
    .onConflict((oc) => oc.column('name').doUpdateSet({ last_interaction_id: lastInteractionId, updated_at: new Date() }))
    .execute();
}

/**
 * Recomputes the collaborative neighbours from the last HISTORY_DAYS of
 * interactions and replaces them in one transaction (readers keep the old
 * ones until it commits). Skips when another replica is at it or when no
 * interaction arrived since the last run (unless `force`). Content
 * neighbours change only with the catalogue and are left alone.
 */
export async function refreshCollaborativeNeighbors(db: Kysely<PersonalizationDatabase>, options: { now?: number; force?: boolean } = {}): Promise<{ refreshed: boolean; rows: number }> {
  const now = options.now ?? Date.now();
  return db.transaction().execute(async (trx) => {
    // A whole-catalogue rewrite runs longer than a request's statement timeout.
    await sql`SET LOCAL statement_timeout = 0`.execute(trx);
    const { rows: lock } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_xact_lock(${NEIGHBOR_REFRESH_LOCK[0]}, ${NEIGHBOR_REFRESH_LOCK[1]}) AS locked`.execute(trx);
    if (!lock[0]?.locked) return { refreshed: false, rows: 0 };
    const { rows: latest } = await sql<{ id: number | null }>`SELECT max(id) AS id FROM interaction`.execute(trx);
    const last = await trx.selectFrom('job_state').select('last_interaction_id').where('name', '=', JOB).executeTakeFirst();
    const head = Number(latest[0]?.id ?? 0);
    if (!options.force && last && Number(last.last_interaction_id) >= head) return { refreshed: false, rows: 0 };
    const { rows } = await sql<{ user_id: string; product_id: string; type: InteractionType; at: number }>`
      SELECT user_id, product_id, type, (extract(epoch FROM occurred_at) * 1000)::float8 AS at FROM interaction
       WHERE occurred_at > ${new Date(now - HISTORY_DAYS * DAY_MS)}`.execute(trx);
    const lite: InteractionLite[] = rows.map((r) => ({ userId: r.user_id, productId: r.product_id, type: r.type, at: Number(r.at) }));
    await trx.deleteFrom('item_neighbor').where('kind', '=', 'collaborative').execute();
    const written = await insertNeighbors(trx, collaborativeNeighbors(lite, now));
    await markJob(trx, head);
    return { refreshed: true, rows: written };
  });
}

/**
 * Runs the refresh every `intervalMs` (every replica tries; the advisory lock
 * lets one work). Lists pick up the new neighbours as they are recomputed
 * (a shopper's next event, or their list's max age).
 */
export function startNeighborRefresher(db: Kysely<PersonalizationDatabase>, options: { intervalMs: number; logger: Logger }): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(async () => {
      const started = Date.now();
      try {
        const result = await refreshCollaborativeNeighbors(db);
        if (result.refreshed) options.logger.info({ rows: result.rows, ms: Date.now() - started }, 'collaborative neighbours refreshed');
      } catch (err) {
        options.logger.error({ err }, 'collaborative neighbour refresh failed');
      }
    });
  }, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
