import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRedis } from '@shop/platform';
import { bearer, CART_ADD_LINE, CART_REMOVE_LINE, createCart, gql, setAvailable, startExtra, stackUrls, type ExtraService } from '../harness/index.ts';
import {
  adjustStock,
  closeAllSockets,
  dbAvailable,
  delay,
  gatewayStock,
  LiveConnection,
  msSinceCommit,
  pickSkus,
  pidListeningOn,
  portOf,
  sql,
  updates,
  watchStock,
  type Feed,
  type StockBadgeUpdate,
} from './live-harness.ts';
import type { ExecutionResult } from 'graphql-ws';

/**
 * Live updates across BFF processes, on the bus the stack runs with (CI runs
 * the e2e suite twice: PostgreSQL bus, and REDIS_URL set). Two extra bff-web
 * processes each deliver every stock event to their own sockets; and when a
 * process's bus connection really drops (its backend terminated, or its Redis
 * connection killed), its open subscriptions get a fresh snapshot of every sku
 * once it is back, and changes committed after that still arrive.
 */
const redisUrl = inject('redisUrl');
const REGION = 'EU';
const BOUND_MS = 2_000;
const notes: string[] = [];
const extras: ExtraService[] = [];
afterAll(async () => {
  await closeAllSockets();
  await Promise.all(extras.map((e) => e.stop()));
  if (notes.length) console.log(`cross-process live updates (${redisUrl ? 'Redis' : 'PostgreSQL'} bus)\n  ${notes.join('\n  ')}`);
});

type StockFeed = Feed<ExecutionResult<{ stockBadges: StockBadgeUpdate }>>;

interface BusUnderTest {
  name: string;
  /** Environment of the n-th extra bff-web process. */
  env(n: number): Record<string, string>;
  /** Ids of the bus connections the n-th process's broadcast listeners read from. */
  listeners(process: ExtraService, n: number): Promise<string[]>;
  /** Drops those connections for real; resolves to the ids cut. */
  cut(process: ExtraService, n: number): Promise<string[]>;
}

const redisBus: BusUnderTest = {
  name: 'Redis',
  env: () => ({ GATEWAY_URL: stackUrls().gateway, REDIS_URL: redisUrl! }),
  async listeners(process) {
    // The bus names its connections `shop-bus:<role>:<pid>`; broadcast listeners have the role `listen`.
    const pid = pidListeningOn(portOf(process.url));
    const redis = createRedis(redisUrl!);
    try {
      const list = String(await redis.call('CLIENT', 'LIST'));
      return list.split('\n').filter((l) => l.includes(` name=shop-bus:listen:${pid} `)).map((l) => /(?:^|\s)id=(\d+)/.exec(l)![1]!);
    } finally {
      redis.disconnect();
    }
  },
  async cut(process, n) {
    const ids = await this.listeners(process, n);
    const redis = createRedis(redisUrl!);
    try {
      for (const id of ids) await redis.call('CLIENT', 'KILL', 'ID', id);
      return ids;
    } finally {
      redis.disconnect();
    }
  },
};

const appName = (n: number) => `live-e2e-bff-${n}-${process.pid}`;
const postgresBus: BusUnderTest = {
  name: 'PostgreSQL',
  env: (n) => {
    // Tagged with an application name, so that its LISTEN backend can be told from every other service's.
    const url = new URL(inject('stackDatabases').bus!);
    url.searchParams.set('application_name', appName(n));
    return { GATEWAY_URL: stackUrls().gateway, BUS_DATABASE_URL: url.toString() };
  },
  async listeners(_process, n) {
    const rows = await sql<{ pid: number }>('bus', `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query ILIKE 'LISTEN%'`, [appName(n)]);
    return rows.map((r) => String(r.pid));
  },
  async cut(_process, n) {
    const rows = await sql<{ pid: number; terminated: boolean }>('bus', `SELECT pid, pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE application_name = $1 AND query ILIKE 'LISTEN%'`, [appName(n)]);
    return rows.filter((r) => r.terminated).map((r) => String(r.pid));
  },
};

for (const bus of [redisBus, postgresBus]) {
  const runs = bus === redisBus ? !!redisUrl : !redisUrl;
  const why = bus === redisBus ? 'runs when the stack uses Redis (REDIS_URL set); skipped on the PostgreSQL-bus run' : 'runs when REDIS_URL is unset (the stack’s bus is PostgreSQL); skipped on the Redis run';

  describe.skipIf(!runs)(`two bff-web processes on the ${bus.name} bus (${why})`, () => {
    let bffs: ExtraService[];
    let skus: string[];

    beforeAll(async () => {
      bffs = await Promise.all([1, 2].map(async (n) => startExtra('bff-web', bus.env(n))));
      extras.push(...bffs);
      skus = await pickSkus(REGION, 4, 100);
      for (const sku of skus) await setAvailable(sku, REGION, 20);
    });

    it('both deliver every stock event to every one of their own sockets', async () => {
      const [a, b] = skus as [string, string];
      const feeds = bffs.flatMap((bff, p) => [0, 1].map((s) => ({ label: `process ${p + 1} socket ${s + 1}`, p, feed: watchStock(new LiveConnection(bff.url), 'bff-web', [a, b], REGION) })));
      await Promise.all(feeds.map(({ feed, label }) => feed.until(() => updates(feed).length === 2, 10_000, `${label}: the snapshot`)));

      const headers = await bearer('live_fanout');
      const cartId = await createCart(REGION, headers);
      const changes: [string, StockBadgeUpdate, () => Promise<unknown>][] = [
        ['reservation', { sku: a, badge: 'IN_STOCK', available: 18 }, () => gql(stackUrls().gateway, CART_ADD_LINE, { cartId, sku: a, quantity: 2 }, headers)],
        ['restock', { sku: b, badge: 'IN_STOCK', available: 23 }, () => adjustStock(b, REGION, 3)],
        ['release', { sku: a, badge: 'IN_STOCK', available: 20 }, () => gql(stackUrls().gateway, CART_REMOVE_LINE, { cartId, sku: a }, headers)],
      ];
      const latency: Record<number, number[]> = { 0: [], 1: [] };
      for (const [kind, expected, change] of changes) {
        const from = feeds.map(({ feed }) => updates(feed).length);
        await change();
        await Promise.all(feeds.map(({ feed, label }, i) => feed.until(() => updates(feed, 0).length > from[i]!, BOUND_MS * 2, `${label}: the ${kind} message`)));
        for (const [i, { feed, p }] of feeds.entries()) {
          const u = updates(feed)[from[i]!]!;
          expect(u.value, kind).toEqual(expected);
          latency[p]!.push(await msSinceCommit(expected.sku, REGION, u.at));
        }
        expect(await dbAvailable(expected.sku, REGION)).toBe(expected.available);
      }
      await delay(200);
      // Every socket: the snapshot, then each change once, in commit order, and nothing else.
      for (const { feed, label } of feeds) expect(updates(feed).slice(2).map((u) => u.value), label).toEqual(changes.map((c) => c[1]));
      for (const p of [0, 1]) notes.push(`fan-out, process ${p + 1}: ${latency[p]!.join(', ')} ms after each commit`);
      expect(Math.max(...latency[0]!, ...latency[1]!)).toBeLessThan(BOUND_MS);
    });

    it('after its bus connection drops and comes back, a process sends every open subscription a fresh snapshot, then later changes', async () => {
      const [c, d] = skus.slice(2) as [string, string];
      const feed: StockFeed = watchStock(new LiveConnection(bffs[0]!.url), 'bff-web', [c, d], REGION);
      await feed.until(() => updates(feed).length === 2, 10_000, 'the snapshot');
      // Changed while the socket listens, so that the snapshot after the reconnect is not the first one's.
      await adjustStock(c, REGION, 1);
      await feed.until(() => updates(feed).length === 3, BOUND_MS * 2, 'the change before the cut');

      const cutAt = Date.now();
      const cut = await bus.cut(bffs[0]!, 1);
      expect(cut.length).toBeGreaterThan(0);
      await feed.until(() => [c, d].every((sku) => updates(feed).some((u) => u.at >= cutAt && u.value.sku === sku)), 10_000, 'a fresh snapshot of both skus after the reconnect');
      // It came back over new connections.
      const now = await bus.listeners(bffs[0]!, 1);
      expect(now.length).toBeGreaterThan(0);
      expect(now.filter((id) => cut.includes(id))).toEqual([]);
      const gateway = await gatewayStock([c, d], REGION);
      const fresh = updates(feed).filter((u) => u.at >= cutAt);
      for (const sku of [c, d]) {
        const u = fresh.find((f) => f.value.sku === sku)!;
        expect(u.value).toEqual({ sku, badge: gateway.get(sku)!.badge, available: gateway.get(sku)!.available });
      }
      notes.push(`reconnect: snapshot of both skus ${Math.max(...[c, d].map((sku) => fresh.find((f) => f.value.sku === sku)!.at)) - cutAt} ms after the cut`);

      const from = updates(feed).length;
      await adjustStock(d, REGION, 2);
      await feed.until(() => updates(feed, from).some((u) => u.value.sku === d), BOUND_MS * 2, 'a change committed after the reconnect');
      const after = updates(feed, from).find((u) => u.value.sku === d)!;
      expect(after.value.available).toBe(await dbAvailable(d, REGION));
      expect(after.value.available).toBe(22);
      notes.push(`reconnect: the next change ${await msSinceCommit(d, REGION, after.at)} ms after its commit`);
      expect(feed.errors).toEqual([]);
    });
  });
}
