import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createBus, type Bus, type BusOptions } from './bus.ts';
import { createRedis } from './cache.ts';
import { createDb, dropDatabase, ensureDatabase, withDatabase } from './db.ts';
import { EventType, type EventEnvelope } from './events.ts';
import { createLogger } from './logger.ts';
import { appendToOutbox, createOutboxTable } from './outbox.ts';
import { startRelay } from './relay.ts';

const serverUrl = inject('pgServerUrl');
const redisUrl = inject('redisUrl');
const run = `${process.pid}_${Date.now()}`;
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const logger = createLogger('relay-test', 'silent');

/** Each subject always has the same type, as in the domain (a sku's stock, an order). */
const TYPES = [EventType.stockChanged, EventType.priceChanged, EventType.orderPlaced, EventType.productChanged];

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** Cleanups of the running test, run after it in reverse order whatever happened. */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let databases = 0;
/** A fresh database with an outbox table, dropped after the test. */
async function freshSource(): Promise<{ url: string; db: Kysely<any> }> {
  const database = `t_relay_${run}_${++databases}`;
  await ensureDatabase(serverUrl, database);
  const url = withDatabase(serverUrl, database);
  const handle = createDb<any>({ url, logger });
  cleanups.push(async () => {
    await handle.close();
    await dropDatabase(serverUrl, database);
  });
  await createOutboxTable(handle.db);
  return { url, db: handle.db };
}

/**
 * Appends `count` events in transactions of `perTxn`, round-robin over
 * `subjects` subjects, each subject's version growing by one per event.
 */
async function appendEvents(
  db: Kysely<any>,
  count: number,
  options: { perTxn?: number; subjects?: number; prefix?: string; /** continue an earlier call's round-robin and versions */ firstIndex?: number } = {},
): Promise<EventEnvelope[]> {
  const perTxn = options.perTxn ?? 10;
  const first = options.firstIndex ?? 0;
  const subjects = options.subjects ?? 5;
  const appended: EventEnvelope[] = [];
  for (let i = first; i < first + count; i += perTxn) {
    const chunk = await db.transaction().execute(async (trx) => {
      const out: EventEnvelope[] = [];
      for (let j = i; j < Math.min(i + perTxn, first + count); j++) {
        const s = j % subjects;
        out.push(
          await appendToOutbox(trx, {
            type: TYPES[s % TYPES.length]!,
            source: 'test',
            subject: `${options.prefix ?? 'subject'}-${s}`,
            version: Math.floor(j / subjects) + 1,
            data: { j },
          }),
        );
      }
      return out;
    });
    appended.push(...chunk);
  }
  return appended;
}

async function outboxRows(db: Kysely<any>) {
  const { rows } = await sql<{ id: string; subject: string; seq: number; published: boolean }>`
    SELECT id::text, subject, seq, published_at IS NOT NULL AS published FROM outbox ORDER BY seq`.execute(db);
  return rows;
}

/** Arrival order of each subject's event ids. */
function bySubject(events: { id: string; subject: string }[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of events) (out[e.subject] ??= []).push(e.id);
  return out;
}

interface BusAdapter {
  options(): BusOptions;
  /** Environment for a relay child process using the same bus. */
  env(): Record<string, string>;
}

function relayBehaviour(adapter: BusAdapter) {
  let groups = 0;
  const bus = (): Bus => {
    const b = createBus(adapter.options());
    cleanups.push(() => b.close());
    return b;
  };
  /** A durable subscriber that records every delivery, duplicates included. */
  async function subscriber(b: Bus) {
    const received: EventEnvelope[] = [];
    const at = new Map<string, number>();
    await b.subscribe({
      group: `relay_${run}_${++groups}`,
      types: TYPES,
      handler: async (e) => {
        received.push(e);
        if (!at.has(e.id)) at.set(e.id, Date.now());
      },
    });
    return { received, at, unique: () => new Set(received.map((e) => e.id)) };
  }
  async function relay(url: string, b: Bus, options: { batchSize?: number; pollIntervalMs?: number; source?: string } = {}) {
    const r = await startRelay({ source: options.source ?? 'test', databaseUrl: url, bus: b, logger, ...options });
    cleanups.push(() => r.stop());
    return r;
  }

  it('publishes 500 events: every one arrives, each subject in seq order, every row stamped', async () => {
    const { url, db } = await freshSource();
    const b = bus();
    const sub = await subscriber(b);
    const appended = await appendEvents(db, 500, { perTxn: 10, subjects: 7 });

    const r = await relay(url, b);
    await r.drained();
    await until(() => sub.received.length >= 500, '500 events');
    await sleep(200);

    const rows = await outboxRows(db);
    expect(rows.filter((row) => !row.published)).toEqual([]);
    expect(sub.received).toHaveLength(500);
    expect(bySubject(sub.received)).toEqual(bySubject(rows));
    // The envelope arrives as appended, field for field.
    const sent = new Map(appended.map((e) => [e.id, e]));
    for (const e of sub.received) expect(e).toEqual(sent.get(e.id));
  });

  it('publishes an event appended while running within 250 ms of its commit (LISTEN wake-up, not the poll)', async ({ annotate }) => {
    const { url, db } = await freshSource();
    const b = bus();
    const sub = await subscriber(b);
    // A poll a minute apart: only the NOTIFY at commit can make it this quick.
    const r = await relay(url, b, { pollIntervalMs: 60_000 });
    await r.drained();
    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const [e] = await appendEvents(db, 1, { prefix: `live${i}` });
      const committed = Date.now();
      await until(() => sub.at.has(e!.id), `event ${i}`, 5_000);
      latencies.push(sub.at.get(e!.id)! - committed);
      await sleep(30);
    }
    await annotate(`commit → delivery latencies (ms): ${latencies.join(', ')}`);
    expect(Math.max(...latencies)).toBeLessThan(250);
  });

  it('keeps what it published when the bus fails, retries with backoff and skips nothing', async () => {
    const { url, db } = await freshSource();
    const b = bus();
    let down = false;
    const refusedAt: number[] = [];
    const delivered: string[] = [];
    const flaky: Bus = {
      publish: async (e) => {
        if (down) {
          refusedAt.push(Date.now());
          throw new Error('bus unavailable');
        }
        await b.publish(e);
        delivered.push(e.id);
        if (delivered.length === 10) down = true; // the bus goes away in the middle of a batch
      },
      subscribe: (o) => b.subscribe(o),
      listen: (o) => b.listen(o),
      ping: () => b.ping(),
      close: async () => {},
    };
    await appendEvents(db, 30);
    const r = await relay(url, flaky);
    await until(() => refusedAt.length >= 4, 'four refused attempts');
    // The ten that got out are stamped while the bus is still down; nothing after them is.
    const during = await outboxRows(db);
    expect(during.filter((row) => row.published).map((row) => row.id)).toEqual(delivered.slice(0, 10));
    // Backoff: the waits between attempts grow.
    const gaps = refusedAt.slice(1).map((at, i) => at - refusedAt[i]!);
    expect(gaps[2]!).toBeGreaterThan(gaps[0]!);

    down = false;
    await r.drained();
    expect(delivered).toEqual((await outboxRows(db)).map((row) => row.id));
  });

  it('never publishes the event of a rolled-back transaction', async () => {
    const { url, db } = await freshSource();
    const b = bus();
    const sub = await subscriber(b);
    await relay(url, b);
    let rolledBack: EventEnvelope | undefined;
    await expect(
      db.transaction().execute(async (trx) => {
        rolledBack = await appendToOutbox(trx, { type: EventType.stockChanged, source: 'test', subject: 'sku', version: 1, data: {} });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const [marker] = await appendEvents(db, 1);
    await until(() => sub.at.has(marker!.id), 'the committed event after it');
    await sleep(300);

    expect(rolledBack).toBeDefined();
    expect(sub.received.map((e) => e.id)).toEqual([marker!.id]);
    expect((await outboxRows(db)).map((row) => row.id)).toEqual([marker!.id]);
  });

  /**
   * Race: two relay processes on one source are woken by the same NOTIFY and
   * both select the oldest unpublished rows. Without the batch lock both would
   * publish the same batch, or one would take rows 11-20 (SKIP LOCKED) while
   * the other is still publishing rows 1-10, so consumers would see seq order
   * broken. Each publish is slowed a little so that a batch is still in flight
   * when the other relay wakes; the test checks that this collision happened
   * (a relay found the other holding the lock) as well as the order.
   */
  it('two relays on one source publish every event once, in seq order', async () => {
    const { url, db } = await freshSource();
    const b = bus();
    const published: { relay: string; id: string }[] = [];
    const recording = (name: string): Bus => ({
      publish: async (e) => {
        await sleep(1);
        await b.publish(e);
        published.push({ relay: name, id: e.id });
      },
      subscribe: (o) => b.subscribe(o),
      listen: (o) => b.listen(o),
      ping: () => b.ping(),
      close: async () => {},
    });
    const refusals = { one: 0, two: 0 };
    const relays = await Promise.all(
      (['one', 'two'] as const).map((name) =>
        startRelay({
          source: name,
          databaseUrl: url,
          bus: recording(name),
          batchSize: 10,
          logger: pino({ level: 'debug' }, { write: (line: string) => void (line.includes('another relay is publishing this outbox') && refusals[name]++) }),
        }),
      ),
    );
    cleanups.push(async () => void (await Promise.all(relays.map((r) => r.stop()))));
    await appendEvents(db, 50, { prefix: 'before' });
    for (let i = 0; i < 25; i++) {
      await appendEvents(db, 10, { prefix: `while${i}` });
      await sleep(3);
    }
    await Promise.all(relays.map((r) => r.drained()));

    const rows = await outboxRows(db);
    expect(rows).toHaveLength(300);
    expect(published.map((p) => p.id)).toEqual(rows.map((row) => row.id));
    expect(refusals.one + refusals.two, 'a relay found the other one publishing').toBeGreaterThan(0);
  });

  it('loses nothing when the relay process is killed mid-stream and restarted', { timeout: 180_000 }, async ({ annotate }) => {
    const TOTAL = 2_000;
    const { url, db } = await freshSource();
    const b = bus();
    const sub = await subscriber(b);
    const env = { ...adapter.env(), RELAY_SOURCES: `crash=${url}`, RELAY_BATCH_SIZE: '50' };
    // Half the events wait in the outbox before the relay starts, half are appended while it runs.
    const backlog = await appendEvents(db, TOTAL / 2, { perTxn: 10, subjects: 8 });

    const first = startRelayProcess(env);
    cleanups.push(() => first.kill());
    await first.ready;
    const health = await fetch(`${await first.url}/ready`);
    expect(health.status).toBe(200);
    const appending = appendEvents(db, TOTAL / 2, { perTxn: 10, subjects: 8, firstIndex: TOTAL / 2 });

    // Kill once 300 arrived, at a moment when a batch holds the relay lock: published, not yet stamped.
    await until(() => sub.received.length >= 300, 'the first 300 events', 60_000);
    const stamped = async () => Number((await sql<{ n: number }>`SELECT count(*) AS n FROM outbox WHERE published_at IS NOT NULL`.execute(db)).rows[0]!.n);
    const batchInFlight = async () =>
      Number((await sql<{ n: number }>`SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`.execute(db)).rows[0]!.n) > 0;
    const lockDeadline = Date.now() + 2_000;
    let midBatch = false;
    while (!(midBatch = await batchInFlight()) && Date.now() < lockDeadline) await sleep(1);
    first.child.kill('SIGKILL');
    const firstExit = await first.exited;
    expect(firstExit.signal).toBe('SIGKILL');
    const receivedAtKill = sub.unique().size;
    const stampedAtKill = await stamped();
    expect(receivedAtKill, 'some events were published before the kill').toBeGreaterThan(0);
    expect(stampedAtKill, 'not every event was published before the kill').toBeLessThan(TOTAL);

    const second = startRelayProcess(env);
    cleanups.push(() => second.kill());
    await second.ready;
    const appended = [...backlog, ...(await appending)];
    await until(() => sub.unique().size >= TOTAL, `all ${TOTAL} events`, 120_000);
    await sleep(500);

    second.child.kill('SIGTERM');
    const secondExit = await second.exited;
    expect(secondExit, 'a clean stop on SIGTERM').toEqual({ code: 0, signal: null });

    const received = sub.received;
    const duplicates = received.length - sub.unique().size;
    const report = `appended ${TOTAL}; received ${received.length} (${duplicates} duplicates); at the kill ${receivedAtKill} received, ${stampedAtKill} stamped${midBatch ? ', killed inside a batch' : ''}`;
    console.info(`[relay crash test, ${adapter.options().redisUrl ? 'Redis' : 'PostgreSQL'} bus] ${report}`);
    await annotate(report);

    expect([...sub.unique()].sort()).toEqual(appended.map((e) => e.id).sort());
    expect((await outboxRows(db)).filter((row) => !row.published)).toEqual([]);
    // After deduplication (first arrival counts), each subject's versions never go back.
    const seen = new Set<string>();
    const lastVersion = new Map<string, number>();
    const regressions: string[] = [];
    for (const e of received) {
      if (seen.has(e.id)) continue;
      seen.add(e.id);
      const last = lastVersion.get(e.subject) ?? 0;
      if (e.version < last) regressions.push(`${e.subject}: ${e.version} after ${last}`);
      lastVersion.set(e.subject, e.version);
    }
    expect(regressions).toEqual([]);
  });
}

interface RelayProcess {
  child: ChildProcess;
  /** Resolves when it logged "relay ready". */
  ready: Promise<void>;
  url: Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): Promise<void>;
}

/** `node --import tsx packages/relay/src/index.ts`, as the stack runs it, with an IPC channel so it dies with us. */
function startRelayProcess(env: Record<string, string>): RelayProcess {
  const base = { ...process.env };
  for (const name of ['REDIS_URL', 'BUS_DATABASE_URL', 'BUS_STREAM_PREFIX', 'RELAY_SOURCES', 'PORT']) delete base[name];
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/relay/src/index.ts'], {
    cwd: ROOT,
    env: { ...base, LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const lines: string[] = [];
  let resolveUrl!: (url: string) => void;
  const url = new Promise<string>((resolve) => (resolveUrl = resolve));
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      if (line.includes('"msg":"relay ready"')) resolveUrl((JSON.parse(line) as { url: string }).url);
    });
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const ready = Promise.race([
    url.then(() => undefined),
    exited.then((e) => Promise.reject(new Error(`relay exited during start (${JSON.stringify(e)}):\n${lines.join('\n')}`))),
    sleep(30_000).then(() => Promise.reject(new Error(`relay not ready within 30 s:\n${lines.join('\n')}`))),
  ]);
  return {
    child,
    ready,
    url,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

describe('outbox relay, PostgreSQL bus', () => {
  const database = `t_relay_bus_${run}`;
  const databaseUrl = withDatabase(serverUrl, database);
  beforeAll(() => ensureDatabase(serverUrl, database));
  afterAll(() => dropDatabase(serverUrl, database));
  relayBehaviour({
    options: () => ({ databaseUrl, logger, retryDelayMs: 100 }),
    env: () => ({ BUS_DATABASE_URL: databaseUrl }),
  });
});

describe.skipIf(!redisUrl)('outbox relay, Redis bus', () => {
  const prefix = `test:relay:${run}:`;
  relayBehaviour({
    options: () => ({ redisUrl, streamPrefix: prefix, logger, retryDelayMs: 100 }),
    env: () => ({ REDIS_URL: redisUrl!, BUS_STREAM_PREFIX: prefix }),
  });
  afterAll(async () => {
    const redis = createRedis(redisUrl!);
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        if (keys.length) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      await redis.quit();
    }
  });
});
