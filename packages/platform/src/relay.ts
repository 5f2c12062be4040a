import pg from 'pg';
import type { Bus } from './bus.ts';
import { validateEnvelope, type EventEnvelope } from './events.ts';
import type { Logger } from './logger.ts';
import { checkout, PgListener } from './pg-listen.ts';
import { backoffMs, delay, Waker } from './wake.ts';

export interface RelayOptions {
  /** The producing subgraph, e.g. `inventory`; names the relay in logs. */
  source: string;
  /** The producing subgraph's database, which holds its `outbox` table (outbox.ts). */
  databaseUrl: string;
  bus: Bus;
  logger: Logger;
  /** Rows published per transaction. @default 100 */
  batchSize?: number;
  /** Poll fallback when no NOTIFY arrives. @default 1_000 // 1 second */
  pollIntervalMs?: number;
  /** A publish that takes longer counts as failed and is retried. @default 10_000 // 10 seconds */
  publishTimeoutMs?: number;
}

export interface Relay {
  stop(): Promise<void>;
  /** Resolves when no unpublished row is left (tests). Rejects if the relay is stopped first. */
  drained(): Promise<void>;
  /** Throws when the source database is unusable (for /ready). */
  ping(): Promise<void>;
}

/**
 * Key of the transaction-scoped advisory lock a batch holds in the source
 * database: one relay per source publishes at a time, so two relay processes
 * never interleave (and so reorder) batches.
 */
const RELAY_LOCK_KEY = '7164958120563301002';

interface OutboxRow {
  seq: string | number;
  id: string;
  type: string;
  source: string;
  subject: string;
  version: string | number;
  data: unknown;
  time: Date;
}

/**
 * The outbox relay: publishes a subgraph's outbox rows to the bus in `seq`
 * order, at least once, and stamps `published_at`. Woken by the NOTIFY that
 * appendToOutbox sends at commit, with a poll as fallback.
 *
 * Each batch is one transaction: `pg_try_advisory_xact_lock` (another relay
 * holds it: skip this round), `SELECT … FOR UPDATE` the oldest unpublished
 * rows, publish them one by one, stamp them, commit. A crash before the commit
 * republishes the batch (consumers deduplicate by id). When the bus fails, the
 * rows published so far are stamped and the rest are retried with backoff,
 * never skipped.
 *
 * Order: rows go out in `seq` order. A subject's rows are in `seq` order as
 * long as its producer serialises changes of one subject (it must lock the
 * aggregate anyway to give each event the next version); rows of different
 * subjects whose transactions commit out of `seq` order may go out in commit order.
 */
export async function startRelay(options: RelayOptions): Promise<Relay> {
  const { source, bus } = options;
  const logger = options.logger.child({ relay: source });
  const batchSize = options.batchSize ?? 100;
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const publishTimeoutMs = options.publishTimeoutMs ?? 10_000;

  // A batch's transaction stays open while it publishes; keepalive notices a dead server meanwhile.
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 2, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 30_000, statement_timeout: 30_000, keepAlive: true });
  pool.on('error', (err) => logger.warn({ err }, 'idle PostgreSQL client error'));
  const waker = new Waker();
  const stopping = new AbortController();
  /** Resolved after each round of the loop; drained() rechecks then. */
  let roundWaiters: (() => void)[] = [];
  const roundDone = () => {
    const waiters = roundWaiters;
    roundWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const listener = new PgListener({
    url: options.databaseUrl,
    channel: 'outbox',
    logger,
    onNotify: () => waker.wake(),
    onReconnect: () => waker.wake(),
  });
  await listener.start();

  /** One batch; `more` when it was full, so another should follow at once; `failure` when the bus refused a row. */
  async function publishBatch(): Promise<{ published: number; more: boolean; failure?: unknown }> {
    const { client, release } = await checkout(pool, logger);
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const lock = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1::bigint) AS locked', [RELAY_LOCK_KEY]);
      if (!lock.rows[0]?.locked) {
        await client.query('COMMIT');
        logger.debug('another relay is publishing this outbox');
        return { published: 0, more: false };
      }
      const { rows } = await client.query<OutboxRow>(
        `SELECT seq, id, type, source, subject, version, data, time FROM outbox
          WHERE published_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE`,
        [batchSize],
      );
      const done: string[] = [];
      let failure: unknown;
      for (const row of rows) {
        let envelope: EventEnvelope;
        try {
          envelope = toEnvelope(row);
        } catch (err) {
          // It can never become valid; retrying would block every row after it.
          logger.error({ err, seq: String(row.seq), id: row.id }, 'outbox row is not a valid event; stamping it without publishing');
          done.push(String(row.seq));
          continue;
        }
        try {
          await withTimeout(bus.publish(envelope), publishTimeoutMs);
        } catch (err) {
          failure = err;
          break;
        }
        done.push(String(row.seq));
      }
      if (done.length) await client.query('UPDATE outbox SET published_at = now() WHERE seq = ANY($1::bigint[])', [done]);
      await client.query('COMMIT');
      if (done.length) logger.debug({ published: done.length }, 'published outbox rows');
      return failure === undefined ? { published: done.length, more: rows.length === batchSize } : { published: done.length, more: false, failure };
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackErr: Error) => (broken = rollbackErr));
      throw err;
    } finally {
      release(broken);
    }
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (!stopping.signal.aborted) {
      waker.clear();
      let more = false;
      try {
        const batch = await publishBatch();
        if (batch.failure !== undefined) throw batch.failure;
        more = batch.more;
        failures = 0;
      } catch (err) {
        failures++;
        const wait = backoffMs(failures, 100, 10_000);
        logger.error({ err, attempt: failures, retryInMs: wait }, 'publishing the outbox failed; retrying');
        roundDone();
        await delay(wait, stopping.signal);
        continue;
      }
      roundDone();
      if (!more) await waker.wait(pollIntervalMs, stopping.signal);
    }
  }

  const loop = run();
  logger.info('relay started');

  let stopped: Promise<void> | undefined;
  return {
    stop: () =>
      (stopped ??= (async () => {
        stopping.abort();
        await loop;
        roundDone();
        await listener.close();
        await pool.end();
        logger.info('relay stopped');
      })()),
    async drained() {
      for (;;) {
        if (stopping.signal.aborted) throw new Error(`relay ${source} stopped before its outbox drained`);
        const round = new Promise<void>((resolve) => roundWaiters.push(resolve));
        const { rows } = await pool.query<{ pending: boolean }>('SELECT EXISTS (SELECT 1 FROM outbox WHERE published_at IS NULL) AS pending');
        if (!rows[0]?.pending) return;
        await round;
      }
    },
    async ping() {
      await pool.query('SELECT 1');
    },
  };
}

function toEnvelope(row: OutboxRow): EventEnvelope {
  return validateEnvelope({
    id: row.id,
    type: row.type,
    source: row.source,
    time: row.time instanceof Date ? row.time.toISOString() : String(row.time),
    subject: row.subject,
    version: Number(row.version),
    data: row.data,
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bus publish timed out after ${ms} ms`)), ms);
    promise.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });
}
