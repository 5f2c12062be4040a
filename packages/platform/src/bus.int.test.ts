import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createBus, type Bus, type BusOptions, type Subscription } from './bus.ts';
import { createRedis } from './cache.ts';
import { dropDatabase, ensureDatabase, withDatabase } from './db.ts';
import { EventType, type EventEnvelope } from './events.ts';

const serverUrl = inject('pgServerUrl');
const redisUrl = inject('redisUrl');
const run = `${process.pid}_${Date.now()}`;

/** Log lines of every bus a test made, to check what was reported. */
const logLines: { level: number; msg: string }[] = [];
const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(JSON.parse(line) as { level: number; msg: string }) });

function event(type: EventType, subject: string, version: number, data: unknown = { n: version }): EventEnvelope {
  return { id: randomUUID(), type, source: 'test', time: new Date().toISOString(), subject, version, data };
}

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

const ids = (events: EventEnvelope[]) => events.map((e) => e.id);

interface Adapter {
  /** A bus as a separate process would have it: its own connections. */
  make(options?: Partial<BusOptions>): Bus;
  /** Writes undecodable entries for `type` straight onto the wire, bypassing publish(). */
  injectMalformed(type: EventType): Promise<void>;
  /** PostgreSQL orders across types too; Redis only within a type (one stream per type). */
  totalOrder: boolean;
}

/** The promises of the Bus interface, run against each adapter. */
function busConformance(adapter: () => Adapter) {
  let n = 0;
  const group = (role: string) => `g_${run}_${role}_${++n}`;
  /** Buses and subscriptions a test opened, closed after it whatever happened. */
  const opened: { close(): Promise<void> }[] = [];
  const make = (options?: Partial<BusOptions>) => {
    const bus = adapter().make(options);
    opened.push(bus);
    return bus;
  };
  const track = (sub: Subscription) => (opened.push(sub), sub);

  afterEach(async () => {
    for (const x of opened.splice(0).reverse()) await x.close();
  });

  it('delivers every event of the subscribed types and none of the others, in publish order', async () => {
    const bus = make();
    const received: EventEnvelope[] = [];
    track(await bus.subscribe({ group: group('types'), types: [EventType.stockChanged, EventType.priceChanged], handler: async (e) => void received.push(e) }));

    const cycle = [EventType.stockChanged, EventType.priceChanged, EventType.productChanged];
    const published = Array.from({ length: 30 }, (_, i) => event(cycle[i % 3]!, `s${i % 3}`, i));
    for (const e of published) await bus.publish(e);
    // Published last: once it is in, anything of the unsubscribed type would have been delivered too.
    const last = event(EventType.stockChanged, 's0', 99);
    await bus.publish(last);
    await until(() => received.some((e) => e.id === last.id), 'the last event');

    const expected = [...published.filter((e) => e.type !== EventType.productChanged), last];
    expect(received.filter((e) => e.type === EventType.productChanged)).toEqual([]);
    for (const type of [EventType.stockChanged, EventType.priceChanged]) {
      expect(ids(received.filter((e) => e.type === type)), type).toEqual(ids(expected.filter((e) => e.type === type)));
    }
    if (adapter().totalOrder) expect(ids(received)).toEqual(ids(expected));
    expect(received.find((e) => e.id === last.id)).toEqual(last);
  });

  it('gives each of two groups every event', async () => {
    const bus = make();
    const a: EventEnvelope[] = [];
    const b: EventEnvelope[] = [];
    track(await bus.subscribe({ group: group('a'), types: [EventType.stockChanged], handler: async (e) => void a.push(e) }));
    track(await bus.subscribe({ group: group('b'), types: [EventType.stockChanged], handler: async (e) => void b.push(e) }));
    const published = Array.from({ length: 20 }, (_, i) => event(EventType.stockChanged, 'sku', i));
    for (const e of published) await bus.publish(e);
    await until(() => a.length >= 20 && b.length >= 20, 'both groups');
    await sleep(200);
    expect(ids(a)).toEqual(ids(published));
    expect(ids(b)).toEqual(ids(published));
  });

  /**
   * Race: two processes of one group are both waiting when a burst of events
   * arrives, and each handler is slow enough that the other is asked for work
   * meanwhile. The group must hand each event to exactly one of them: none to
   * both (a double side effect) and none to neither (a lost event).
   */
  it('splits one group between two subscribers: no event to both, none lost', async () => {
    const publisher = make();
    const g = group('split');
    const got = { one: [] as string[], two: [] as string[] };
    for (const member of ['one', 'two'] as const) {
      const bus = make();
      track(await bus.subscribe({ group: g, types: [EventType.stockChanged], handler: async (e) => (await sleep(5), void got[member].push(e.id)) }));
    }
    const published = Array.from({ length: 40 }, (_, i) => event(EventType.stockChanged, `sku${i % 4}`, i));
    await Promise.allSettled(published.map((e) => publisher.publish(e)));
    await until(() => new Set([...got.one, ...got.two]).size === 40, 'all 40 events');
    await sleep(300); // a double delivery would show up here

    expect(got.one.filter((id) => got.two.includes(id))).toEqual([]);
    expect([...got.one, ...got.two].sort()).toEqual(ids(published).sort());
    expect(got.one.length, 'first member did some of the work').toBeGreaterThan(0);
    expect(got.two.length, 'second member did some of the work').toBeGreaterThan(0);
  });

  /**
   * Race: several processes publish at once while a group and a listener
   * read. Publisher A may draw its position (a sequence number) before B but
   * commit after it; a reader that has already moved past B's position must
   * still get A's event. Every event must reach both readers.
   */
  it('loses nothing when several processes publish at once', async () => {
    const reader = make();
    const subscribed = new Set<string>();
    const heard = new Set<string>();
    track(await reader.subscribe({ group: group('racing'), types: [EventType.stockChanged], handler: async (e) => void subscribed.add(e.id) }));
    track(await reader.listen({ types: [EventType.stockChanged], handler: (e) => void heard.add(e.id) }));
    const publishers = Array.from({ length: 4 }, () => make());
    const published = publishers.map((_, p) => Array.from({ length: 150 }, (__, i) => event(EventType.stockChanged, `sku-${p}`, i)));
    await Promise.all(publishers.map(async (bus, p) => Promise.all(published[p]!.map((e) => bus.publish(e)))));
    const all = published.flat().map((e) => e.id);
    await until(() => subscribed.size >= all.length && heard.size >= all.length, 'every event', 20_000).catch(() => {});
    expect(all.filter((id) => !subscribed.has(id)), 'missed by the group').toEqual([]);
    expect(all.filter((id) => !heard.has(id)), 'missed by the listener').toEqual([]);
  });

  it('delivers an event again after its handler throws, after retryDelayMs and before later events', async () => {
    const bus = make();
    const [first, failing, later] = [event(EventType.stockChanged, 'sku', 1), event(EventType.stockChanged, 'sku', 2), event(EventType.stockChanged, 'sku', 3)];
    const attempts: { id: string; at: number }[] = [];
    const done: string[] = [];
    track(
      await bus.subscribe({
        group: group('retry'),
        types: [EventType.stockChanged],
        retryDelayMs: 300,
        handler: async (e) => {
          attempts.push({ id: e.id, at: Date.now() });
          if (e.id === failing.id && attempts.filter((a) => a.id === failing.id).length === 1) throw new Error('handler failed once');
          done.push(e.id);
        },
      }),
    );
    for (const e of [first, failing, later]) await bus.publish(e);
    await until(() => done.includes(later.id), 'the later event');
    await sleep(200);

    expect(done).toEqual([first.id, failing.id, later.id]);
    const tries = attempts.filter((a) => a.id === failing.id);
    expect(tries).toHaveLength(2);
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(290);
    expect(logLines.some((l) => l.msg === 'event handler failed; will retry')).toBe(true);
  });

  it('keeps what was published while a group was away, and a new group starts at now', async () => {
    const publisher = make();
    const g = group('durable');
    const before = event(EventType.stockChanged, 'sku', 1);
    const firstRun: string[] = [];
    const firstProcess = make();
    const sub = await firstProcess.subscribe({ group: g, types: [EventType.stockChanged], handler: async (e) => void firstRun.push(e.id) });
    await publisher.publish(before);
    await until(() => firstRun.includes(before.id), 'the first event');
    await sub.close();
    await firstProcess.close();

    const meanwhile = [event(EventType.stockChanged, 'sku', 2), event(EventType.stockChanged, 'sku', 3)];
    for (const e of meanwhile) await publisher.publish(e);

    const secondRun: string[] = [];
    const newcomer: string[] = [];
    const secondProcess = make();
    track(await secondProcess.subscribe({ group: g, types: [EventType.stockChanged], handler: async (e) => void secondRun.push(e.id) }));
    track(await secondProcess.subscribe({ group: group('newcomer'), types: [EventType.stockChanged], handler: async (e) => void newcomer.push(e.id) }));
    const after = event(EventType.stockChanged, 'sku', 4);
    await publisher.publish(after);
    await until(() => secondRun.includes(after.id) && newcomer.includes(after.id), 'the event after');
    await sleep(200);

    expect(firstRun).toEqual([before.id]);
    expect(secondRun).toEqual([...ids(meanwhile), after.id]);
    expect(newcomer).toEqual([after.id]);
  });

  it('close waits for the handler in flight, and that event is not delivered again', async () => {
    const publisher = make();
    const g = group('closing');
    const slow = event(EventType.orderPlaced, 'order', 1);
    let entered = false;
    let finished = false;
    const firstProcess = make();
    const sub = await firstProcess.subscribe({
      group: g,
      types: [EventType.orderPlaced],
      handler: async () => {
        entered = true;
        await sleep(300);
        finished = true;
      },
    });
    await publisher.publish(slow);
    await until(() => entered, 'the handler to start');
    await sub.close();
    expect(finished, 'the handler had finished when close resolved').toBe(true);
    await firstProcess.close();

    const later: string[] = [];
    const secondProcess = make();
    track(await secondProcess.subscribe({ group: g, types: [EventType.orderPlaced], handler: async (e) => void later.push(e.id) }));
    const next = event(EventType.orderPlaced, 'order', 2);
    await publisher.publish(next);
    await until(() => later.includes(next.id), 'the next event');
    await sleep(200);
    expect(later).toEqual([next.id]);
  });

  it('listen: two listeners each get every event published after they started, in order', async () => {
    const publisher = make();
    const earlier = event(EventType.stockChanged, 'sku', 0);
    await publisher.publish(earlier);
    const heard = [[], []] as EventEnvelope[][];
    for (const list of heard) {
      const bus = make();
      track(await bus.listen({ types: [EventType.stockChanged], handler: (e) => void list.push(e) }));
    }
    const published = Array.from({ length: 10 }, (_, i) => event(EventType.stockChanged, `sku${i % 2}`, i + 1));
    const other = event(EventType.priceChanged, 'price', 1);
    for (const e of published.slice(0, 5)) await publisher.publish(e);
    await publisher.publish(other);
    for (const e of published.slice(5)) await publisher.publish(e);
    await until(() => heard.every((list) => list.length >= 10), 'both listeners');
    await sleep(200);
    for (const list of heard) expect(ids(list)).toEqual(ids(published));
  });

  it('skips malformed data on the wire, logging it, and keeps delivering', async () => {
    const bus = make();
    const subscribed: string[] = [];
    const heard: string[] = [];
    track(await bus.subscribe({ group: group('malformed'), types: [EventType.stockChanged], handler: async (e) => void subscribed.push(e.id) }));
    track(await bus.listen({ types: [EventType.stockChanged], handler: (e) => void heard.push(e.id) }));
    const warningsBefore = logLines.filter((l) => l.msg === 'skipping a malformed event').length;

    const good = [event(EventType.stockChanged, 'sku', 1), event(EventType.stockChanged, 'sku', 2), event(EventType.stockChanged, 'sku', 3)];
    await bus.publish(good[0]!);
    await adapter().injectMalformed(EventType.stockChanged);
    await bus.publish(good[1]!);
    await until(() => subscribed.includes(good[1]!.id) && heard.includes(good[1]!.id), 'the event after the malformed ones');
    await bus.publish(good[2]!);
    await until(() => subscribed.includes(good[2]!.id) && heard.includes(good[2]!.id), 'a later event');

    expect(subscribed).toEqual(ids(good));
    expect(heard).toEqual(ids(good));
    // Each malformed entry is reported once by the subscriber and once by the listener.
    expect(logLines.filter((l) => l.msg === 'skipping a malformed event').length - warningsBefore).toBe(2 * MALFORMED_ENTRIES);
  });

  it('refuses to publish an invalid envelope', async () => {
    const bus = make();
    const heard: string[] = [];
    track(await bus.listen({ types: [EventType.stockChanged], handler: (e) => void heard.push(e.id) }));
    await expect(bus.publish({ ...event(EventType.stockChanged, 'sku', 1), version: -1 })).rejects.toThrow('event.version');
    await expect(bus.publish({ ...event(EventType.stockChanged, 'sku', 1), type: 'nope' as EventType })).rejects.toThrow('event.type');
    const valid = event(EventType.stockChanged, 'sku', 2);
    await bus.publish(valid);
    await until(() => heard.length > 0, 'the valid event');
    expect(heard).toEqual([valid.id]);
  });

  it('refuses a subscription to an unknown type or with a bad group name', async () => {
    const bus = make();
    await expect(bus.subscribe({ group: group('bad'), types: ['nope' as EventType], handler: async () => {} })).rejects.toThrow('unknown event type');
    await expect(bus.subscribe({ group: 'has space', types: [EventType.stockChanged], handler: async () => {} })).rejects.toThrow('group');
    await expect(bus.listen({ types: [], handler: () => {} })).rejects.toThrow('at least one');
  });

  it('answers ping', async () => {
    await expect(make().ping()).resolves.toBeUndefined();
  });
}

/** How many undecodable entries injectMalformed writes. */
const MALFORMED_ENTRIES = 3;

describe('PostgreSQL bus', () => {
  const database = `t_bus_${run}`;
  const databaseUrl = withDatabase(serverUrl, database);
  let admin: pg.Pool;

  beforeAll(async () => {
    await ensureDatabase(serverUrl, database);
    admin = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    // The tables exist once any bus has been used.
    const bus = createBus({ databaseUrl, logger });
    await bus.ping();
    await bus.close();
  });
  afterAll(async () => {
    await admin?.end();
    await dropDatabase(serverUrl, database);
  });

  busConformance(() => ({
    totalOrder: true,
    make: (options) => createBus({ databaseUrl, logger, ...options }),
    async injectMalformed(type) {
      const wrongType = { ...event(EventType.priceChanged, 'x', 1) };
      await admin.query(`INSERT INTO bus_event (type, envelope) VALUES ($1, '{"id": 42}'), ($1, '"just a string"'), ($1, $2::jsonb)`, [type, JSON.stringify(wrongType)]);
    },
  }));

  it('fails with a clear error when given neither Redis nor PostgreSQL', () => {
    expect(() => createBus({ logger })).toThrow('set redisUrl (Redis Streams) or databaseUrl');
  });

  /**
   * Race: a replica of a group dies in the middle of a handler (its
   * connection is cut, as when the process is killed). Its transaction rolls
   * back, so the offset row lock it held is released without the offset
   * moving, and the other replica, queued on that lock, delivers the event.
   */
  it('hands the event of a replica that died mid-handler to the other replica', async () => {
    const g = `g_${run}_died`;
    const dying = createBus({ databaseUrl, logger });
    const surviving = createBus({ databaseUrl, logger });
    const publisher = createBus({ databaseUrl, logger });
    try {
      let entered!: () => void;
      const inHandler = new Promise<void>((resolve) => (entered = resolve));
      let release!: () => void;
      const stuck = new Promise<void>((resolve) => (release = resolve));
      await dying.subscribe({ group: g, types: [EventType.orderPlaced], handler: async () => (entered(), await stuck) });
      const e = event(EventType.orderPlaced, 'order-1', 1);
      await publisher.publish(e);
      await inHandler;
      const got: string[] = [];
      await surviving.subscribe({ group: g, types: [EventType.orderPlaced], handler: async (x) => void got.push(x.id) });
      // The session holding the group's offset row lock, idle in its transaction while the handler runs.
      const killed = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction' AND query LIKE 'SELECT e.seq%'`,
      );
      expect(killed.rowCount).toBe(1);
      await until(() => got.length > 0, 'redelivery to the surviving replica');
      expect(got).toEqual([e.id]);
      release();
    } finally {
      await Promise.allSettled([dying.close(), surviving.close(), publisher.close()]);
    }
  });

  it('calls onReconnect after its LISTEN connection is cut, and keeps delivering', async () => {
    const bus = createBus({ databaseUrl, logger });
    try {
      let reconnects = 0;
      const heard: string[] = [];
      await bus.listen({ types: [EventType.stockChanged], handler: (e) => void heard.push(e.id), onReconnect: () => void reconnects++ });
      const cut = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN bus_event' AND pid <> pg_backend_pid()`);
      expect(cut.rowCount).toBe(1);
      await until(() => reconnects === 1, 'onReconnect');
      const e = event(EventType.stockChanged, 'sku', 1);
      await bus.publish(e);
      await until(() => heard.includes(e.id), 'an event after the reconnect', 2_000);
    } finally {
      await bus.close();
    }
  });
});

describe.skipIf(!redisUrl)('Redis bus', () => {
  const prefix = `test:bus:${run}:`;

  busConformance(() => ({
    totalOrder: false,
    make: (options) => createBus({ redisUrl, streamPrefix: prefix, logger, ...options }),
    async injectMalformed(type) {
      const redis = createRedis(redisUrl!);
      try {
        await redis.xadd(`${prefix}${type}`, '*', 'envelope', 'not json {');
        await redis.xadd(`${prefix}${type}`, '*', 'envelope', JSON.stringify({ id: 42 }));
        await redis.xadd(`${prefix}${type}`, '*', 'something', 'else');
      } finally {
        await redis.quit();
      }
    },
  }));

  it('writes one stream per type, trimmed to about maxLen entries', async () => {
    const bus = createBus({ redisUrl, streamPrefix: `${prefix}trim:`, maxLen: 10, logger });
    const redis = createRedis(redisUrl!);
    try {
      for (let i = 0; i < 500; i++) await bus.publish(event(EventType.priceChanged, 'p', i));
      const length = await redis.xlen(`${prefix}trim:${EventType.priceChanged}`);
      // Approximate trimming removes whole macro nodes (100 entries by default), never below maxLen.
      expect(length).toBeGreaterThanOrEqual(10);
      expect(length).toBeLessThan(500);
      expect(await redis.exists(`${prefix}trim:${EventType.stockChanged}`)).toBe(0);
    } finally {
      await bus.close();
      await redis.quit();
    }
  });

  /**
   * Race: a member of a group takes an event and then hangs (a stuck or dead
   * process that never acknowledges it). Another member must claim it once it
   * has been pending longer than claimIdleMs, rather than the group losing it.
   */
  it('claims an event another member has held longer than claimIdleMs', async () => {
    const g = `g_${run}_claim`;
    const stuckBus = createBus({ redisUrl, streamPrefix: prefix, logger, claimIdleMs: 400 });
    const helper = createBus({ redisUrl, streamPrefix: prefix, logger, claimIdleMs: 400 });
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    try {
      let took = 0;
      await stuckBus.subscribe({ group: g, types: [EventType.orderPlaced], handler: async () => (took++, await stuck) });
      const e = event(EventType.orderPlaced, 'order-1', 1);
      await helper.publish(e);
      await until(() => took === 1, 'the stuck member to take it');
      const got: string[] = [];
      const started = Date.now();
      await helper.subscribe({ group: g, types: [EventType.orderPlaced], handler: async (x) => void got.push(x.id) });
      await until(() => got.length > 0, 'the helper to claim it', 5_000);
      expect(got).toEqual([e.id]);
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      release();
      await Promise.allSettled([stuckBus.close(), helper.close()]);
    }
  });

  it('keeps consuming after its connections are cut: the group gets every event, the listener catches up and is told', async () => {
    const bus = createBus({ redisUrl, streamPrefix: prefix, logger });
    const admin = createRedis(redisUrl!);
    try {
      const subscribed: string[] = [];
      const heard: string[] = [];
      let reconnects = 0;
      await bus.subscribe({ group: `g_${run}_cut`, types: [EventType.stockChanged], handler: async (e) => void subscribed.push(e.id) });
      await bus.listen({ types: [EventType.stockChanged], handler: (e) => void heard.push(e.id), onReconnect: () => void reconnects++ });
      const before = event(EventType.stockChanged, 'sku', 1);
      await bus.publish(before);
      await until(() => subscribed.length === 1 && heard.length === 1, 'the first event');

      // This process's blocking readers (not the publishing connection): a network cut as they see it.
      const clients = ((await admin.call('CLIENT', ['LIST'])) as string).split('\n').filter((line) => /name=shop-bus:(group|listen)\S*:/.test(line) && line.includes(`:${process.pid} `));
      expect(clients).toHaveLength(2);
      for (const line of clients) await admin.call('CLIENT', ['KILL', 'ID', /\bid=(\d+)/.exec(line)![1]!]);
      const during = event(EventType.stockChanged, 'sku', 2);
      await bus.publish(during);
      const after = event(EventType.stockChanged, 'sku', 3);
      await until(() => reconnects > 0, 'onReconnect');
      await bus.publish(after);
      await until(() => subscribed.length >= 3 && heard.length >= 3, 'the events during and after the cut');
      await sleep(200);

      expect(subscribed).toEqual([before.id, during.id, after.id]);
      expect(heard).toEqual([before.id, during.id, after.id]);
      expect(reconnects).toBe(1);
    } finally {
      await bus.close();
      await admin.quit();
    }
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
