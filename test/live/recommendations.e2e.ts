import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_JWT } from '@shop/platform';
import {
  bffEnvForStack,
  contractOperation,
  gatewayEnvForStack,
  gql,
  graphqlRequests,
  setAvailable,
  startExtra,
  stackUrls,
  tokenFor,
  type ExtraService,
} from '../harness/index.ts';
import { closeAllSockets, delay, LiveConnection, RECOMMENDATIONS_REFRESHED, sql, type BffName, type Feed, type RecommendationsUpdate } from './live-harness.ts';
import type { ExecutionResult } from 'graphql-ws';

/**
 * The contract's RecommendationsRefreshed on both BFFs: refused without a
 * token (4403, also for a token that does not verify); with one, the current
 * list first, a new list within a second of the shopper's own activity, and a
 * new list without a recommended product once it sells out in the region.
 * And the BFF fetches a refreshed list once per refresh event however many
 * sockets the shopper has open in that process (counted at a gateway of its own).
 */
const TRACK = contractOperation('gateway/Me.graphql', 'TrackEvent');
const ME_LIST = 'query LiveTestMe($region: RegionCode!) { me { recommendations(region: $region, first: 8) { product { id } } } }';
const timings: string[] = [];
const extras: ExtraService[] = [];
afterAll(async () => {
  await closeAllSockets();
  await Promise.all(extras.map((e) => e.stop()));
  if (timings.length) console.log(`recommendationsRefreshed\n  ${timings.join('\n  ')}`);
});

type RecsFeed = Feed<ExecutionResult<{ recommendationsRefreshed: RecommendationsUpdate }>>;
const lists = (feed: RecsFeed) => feed.items.flatMap((i) => (i.value.data?.recommendationsRefreshed ? [{ at: i.at, value: i.value.data.recommendationsRefreshed }] : []));
const ids = (update: RecommendationsUpdate) => update.items.map((i) => i.id);

async function gatewayList(userId: string, region: string): Promise<string[]> {
  const res = await gql(stackUrls().gateway, ME_LIST, { region }, { authorization: `Bearer ${await tokenFor(userId)}` });
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data.me.recommendations.map((r: { product: { id: string } }) => r.product.id);
}

/** Recommendations refresh events personalization committed for the shopper's list in a region, oldest first. */
async function refreshEvents(userId: string, region: string): Promise<{ time: Date; published: boolean }[]> {
  return sql<{ time: Date; published: boolean }>(
    'personalization',
    `SELECT time, published_at IS NOT NULL AS published FROM outbox WHERE type = 'personalization.recommendations.refreshed' AND subject = $1 ORDER BY seq`,
    [`${userId}:${region}`],
  );
}

/** Products of a category with at least `count` of them (not the one the personalization suite views). */
async function categoryProducts(count: number, skip: number): Promise<string[]> {
  const [row] = await sql<{ category_id: string }>('catalogue', 'SELECT category_id FROM product GROUP BY category_id HAVING count(*) >= $1 ORDER BY category_id OFFSET $2 LIMIT 1', [count, skip]);
  return (await sql<{ id: string }>('catalogue', 'SELECT id FROM product WHERE category_id = $1 ORDER BY id LIMIT $2', [row!.category_id, count])).map((r) => r.id);
}

async function view(userId: string, productIds: string[]): Promise<number[]> {
  const headers = { authorization: `Bearer ${await tokenFor(userId)}` };
  const sentAt: number[] = [];
  for (const productId of productIds) {
    sentAt.push(Date.now());
    const res = await gql(stackUrls().gateway, TRACK, { type: 'VIEW', productId }, headers);
    expect(res.data.trackEvent.accepted).toBe(true);
  }
  return sentAt;
}

function subscribe(bff: BffName, url: string, token: string, region: string): { conn: LiveConnection; feed: RecsFeed } {
  const conn = new LiveConnection(url, { authorization: `Bearer ${token}` });
  return { conn, feed: conn.subscribe<{ recommendationsRefreshed: RecommendationsUpdate }>(RECOMMENDATIONS_REFRESHED[bff], { region }) };
}

describe.each<[BffName, number]>([
  ['bff-web', 0],
  ['bff-mobile', 1],
])('%s recommendationsRefreshed (contract)', (bff, n) => {
  const url = () => stackUrls()[bff];

  it('closes the socket with 4403 when the subscription comes without a token in connection_init, and sends no list', async () => {
    const conn = new LiveConnection(url());
    const feed = conn.subscribe<{ recommendationsRefreshed: RecommendationsUpdate }>(RECOMMENDATIONS_REFRESHED[bff], { region: 'US' });
    expect(await conn.closed(5_000)).toMatchObject({ code: 4403 });
    expect(lists(feed)).toEqual([]);
  });

  it('refuses connection_init with 4403 for a token that does not verify: garbage, another signer, expired', async () => {
    const otherSigner = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('intruder').setIssuer(DEV_JWT.issuer).setAudience(DEV_JWT.audience).setExpirationTime('1h').sign(new TextEncoder().encode('not-the-shop-secret-not-the-shop-secret'));
    const expired = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('late').setIssuer(DEV_JWT.issuer).setAudience(DEV_JWT.audience).setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(new TextEncoder().encode(DEV_JWT.secret));
    for (const authorization of ['Bearer garbage', `Bearer ${otherSigner}`, `Bearer ${expired}`]) {
      const conn = new LiveConnection(url(), { authorization }, { lazy: false });
      expect(await conn.closed(5_000), authorization).toMatchObject({ code: 4403 });
      expect(conn.connected).toBe(false);
    }
  });

  it('sends the current list first, then a new list within a second of the shopper’s own views of one category', async () => {
    const user = `live_rec_views_${bff}_${Date.now()}`;
    const { conn, feed } = subscribe(bff, url(), await tokenFor(user), 'GB');
    await feed.until(() => lists(feed).length === 1, 5_000, 'the current list');
    const current = lists(feed)[0]!.value;
    expect(current.reason).toBe('current');
    expect(current.items.length).toBeGreaterThan(0);
    expect(ids(current)).toEqual(await gatewayList(user, 'GB'));

    const sentAt = await view(user, await categoryProducts(10, 2 + n));
    await feed.until(() => lists(feed).length >= 2, 3_000, 'a refreshed list');
    const refreshed = lists(feed)[1]!;
    expect(refreshed.value.reason).toBe('refreshed');
    const [first] = await refreshEvents(user, 'GB');
    expect(first).toBeDefined();
    const afterEvent = refreshed.at - first!.time.getTime();
    const afterView = refreshed.at - sentAt.filter((t) => t <= first!.time.getTime()).at(-1)!;
    timings.push(`${bff} views: first refreshed list ${afterEvent} ms after personalization committed the refresh, ${afterView} ms after the view that caused it was sent`);
    expect(afterEvent).toBeLessThan(1_000);
    expect(afterView).toBeLessThan(1_000);
    // Once the views have settled, the last list pushed is a new one, and the one the gateway gives.
    await delay(500);
    const last = lists(feed).at(-1)!.value;
    expect(ids(last)).not.toEqual(ids(current));
    expect(ids(last)).toEqual(await gatewayList(user, 'GB'));
    expect(feed.errors).toEqual([]);
    await conn.dispose();
  });

  it('sends a new list without a recommended product once it sells out in the region', async () => {
    const region = 'US';
    const user = `live_rec_sellout_${bff}_${Date.now()}`;
    const { conn, feed } = subscribe(bff, url(), await tokenFor(user), region);
    await feed.until(() => lists(feed).length === 1, 5_000, 'the current list');
    const current = lists(feed)[0]!.value;
    // Not the first: the personalization suite sells out first places; any recommended product will do.
    const victim = current.items[Math.min(1 + n, current.items.length - 1)]!.id;
    const variants = await sql<{ sku: string; available: number }>(
      'inventory',
      'SELECT i.sku, l.on_hand - l.reserved AS available FROM inventory_item i JOIN inventory_level l USING (sku) WHERE i.product_id = $1 AND l.region = $2 ORDER BY i.sku',
      [victim, region],
    );
    expect(variants.some((v) => v.available > 0)).toBe(true);
    try {
      for (const v of variants) await setAvailable(v.sku, region, 0);
      const soldOutAt = Date.now();
      await feed.until(() => lists(feed).some((l, i) => i > 0 && !ids(l.value).includes(victim)), 3_000, `a list without ${victim}`).catch(async (err: Error) => {
        // What personalization made of it, for whoever reads the failure.
        const seen = await sql('personalization', 'SELECT sku, available, version FROM sku_stock WHERE product_id = $1 AND region = $2 ORDER BY sku', [victim, region]);
        const flag = await sql('personalization', 'SELECT in_stock FROM product_region_stock WHERE product_id = $1 AND region = $2', [victim, region]);
        const stored = await sql('personalization', 'SELECT product_ids, version FROM user_recommendation WHERE user_id = $1 AND region = $2', [user, region]);
        throw new Error(`${err.message}\npersonalization sku_stock ${JSON.stringify(seen)}, in_stock ${JSON.stringify(flag)}, stored list ${JSON.stringify(stored)}, refresh events ${JSON.stringify(await refreshEvents(user, region))}`);
      });
      const update = lists(feed).find((l, i) => i > 0 && !ids(l.value).includes(victim))!;
      timings.push(`${bff} sell-out: new list ${update.at - soldOutAt} ms after the last variant’s stock reached 0`);
      expect(update.value.reason).toBe('refreshed');
      expect(update.at - soldOutAt).toBeLessThan(2_000);
      expect(ids(lists(feed).at(-1)!.value)).not.toContain(victim);
      expect(feed.errors).toEqual([]);
    } finally {
      for (const v of variants) await setAvailable(v.sku, region, v.available);
    }
    await conn.dispose();
  });
});

describe('bff-web recommendationsRefreshed: one gateway fetch per refresh event', () => {
  let gateway: ExtraService;
  let bff: ExtraService;
  beforeAll(async () => {
    // A gateway of its own, so that its request count is this BFF process's alone.
    gateway = await startExtra('gateway', gatewayEnvForStack());
    extras.push(gateway);
    bff = await startExtra('bff-web', bffEnvForStack(gateway.url));
    extras.push(bff);
  });

  it('fetches each refreshed list once for two sockets of the same shopper, and pushes it to both', async () => {
    const region = 'BR';
    const user = `live_rec_shared_${Date.now()}`;
    const token = await tokenFor(user);
    const a = subscribe('bff-web', bff.url, token, region);
    const b = subscribe('bff-web', bff.url, token, region);
    await Promise.all([a, b].map(({ feed }) => feed.until(() => lists(feed).length === 1, 5_000, 'the current list')));
    expect(ids(lists(a.feed)[0]!.value)).toEqual(ids(lists(b.feed)[0]!.value));
    await delay(200);
    const before = await graphqlRequests(gateway.url);
    expect(await refreshEvents(user, region)).toEqual([]);

    await view(user, await categoryProducts(10, 5));
    await Promise.all([a, b].map(({ feed }) => feed.until(() => lists(feed).length >= 2, 3_000, 'a refreshed list')));
    // Every refresh event published and heard; then the gateway has answered exactly one request per event.
    await expect.poll(async () => (await refreshEvents(user, region)).every((e) => e.published), { timeout: 5_000, interval: 50 }).toBe(true);
    const events = (await refreshEvents(user, region)).length;
    await expect.poll(async () => (await graphqlRequests(gateway.url)) - before, { timeout: 3_000, interval: 50 }).toBeGreaterThanOrEqual(events);
    await delay(500);
    const fetches = (await graphqlRequests(gateway.url)) - before;
    timings.push(`two sockets, one shopper: ${events} refresh events, ${fetches} gateway requests`);
    expect(events).toBeGreaterThan(0);
    expect(fetches).toBe(events);
    // Both sockets end on the same list, the gateway's.
    await delay(200);
    const expected = await gatewayList(user, region);
    expect(ids(lists(a.feed).at(-1)!.value)).toEqual(expected);
    expect(ids(lists(b.feed).at(-1)!.value)).toEqual(expected);
  });
});
