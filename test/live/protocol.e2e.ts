import { afterAll, describe, expect, it } from 'vitest';
import { bffEnvForStack, startExtra, stackUrls, type ExtraService } from '../harness/index.ts';
import {
  closeAllSockets,
  delay,
  graphqlErrors,
  LiveConnection,
  pickSkus,
  RawSocket,
  sql,
  STOCK_BADGES,
  updates,
  watchStock,
  type BffName,
} from './live-harness.ts';

/**
 * The live endpoint speaks graphql-transport-ws as graphql-ws defines it
 * (packages/bff/src/live/protocol.ts): each misbehaviour ends the socket with
 * its close code, keep-alive pings are answered, shutdown says 1001, and the
 * BFF's own limits (100 skus, 20 subscriptions per socket, known skus,
 * subscriptions only) come back as GraphQL errors on the socket. What a
 * well-behaved client never sends goes over a raw `ws` socket.
 */
const extras: ExtraService[] = [];
afterAll(async () => {
  await closeAllSockets();
  await Promise.all(extras.map((e) => e.stop()));
});

const subscribeMessage = (id: string, bff: BffName, skus: string[]) => ({ id, type: 'subscribe', payload: { query: STOCK_BADGES[bff], variables: { skus, region: 'EU' } } });

describe.each<BffName>(['bff-web', 'bff-mobile'])('%s live endpoint: close codes', (bff) => {
  const url = () => stackUrls()[bff];

  it('4400 for a message that is not JSON', async () => {
    const raw = new RawSocket(url());
    await raw.init();
    raw.send('{"type": "subscribe", ');
    expect(await raw.closedWithin(3_000)).toMatchObject({ code: 4400 });
  });

  it('4400 for a message of an unknown type', async () => {
    const raw = new RawSocket(url());
    await raw.init();
    raw.send({ type: 'start', id: '1', payload: { query: '{ __typename }' } });
    expect(await raw.closedWithin(3_000)).toMatchObject({ code: 4400 });
  });

  it('4401 for a subscribe before connection_ack', async () => {
    const raw = new RawSocket(url());
    await raw.opened;
    raw.send(subscribeMessage('1', bff, ['x']));
    expect(await raw.closedWithin(3_000)).toMatchObject({ code: 4401 });
    expect(raw.messages).toEqual([]);
  });

  it('4403 for connection_init with a token that does not verify', async () => {
    const raw = new RawSocket(url());
    await raw.opened;
    raw.send({ type: 'connection_init', payload: { authorization: 'Bearer not.a.token' } });
    expect(await raw.closedWithin(5_000)).toMatchObject({ code: 4403 });
    expect(raw.messages.map((m) => m.value.type)).not.toContain('connection_ack');
  });

  it('4406 for a handshake without graphql-transport-ws: another subprotocol, or none', async () => {
    // The legacy subscriptions-transport-ws protocol. (Passed as a header: the `ws` client would itself refuse the
    // server's answer, which names no subprotocol, before the close frame arrives.)
    const legacy = new RawSocket(url(), { protocols: [], headers: { 'Sec-WebSocket-Protocol': 'graphql-ws' } });
    await legacy.opened;
    expect(legacy.protocol).toBe('');
    expect(await legacy.closedWithin(3_000)).toMatchObject({ code: 4406 });
    const none = new RawSocket(url(), { protocols: [] });
    expect(await none.closedWithin(3_000)).toMatchObject({ code: 4406 });
  });

  it('4408 when connection_init does not come within 3 seconds', async () => {
    const raw = new RawSocket(url());
    await raw.opened;
    const opened = Date.now();
    const close = await raw.closedWithin(6_000);
    const waited = Date.now() - opened;
    expect(close.code).toBe(4408);
    expect(waited).toBeGreaterThanOrEqual(2_900);
    expect(waited).toBeLessThan(4_500);
  });

  it('4409 for a second subscribe with an id still in use', async () => {
    const [sku] = await pickSkus('EU', 1, 50);
    const raw = new RawSocket(url());
    await raw.init();
    raw.send(subscribeMessage('same', bff, [sku!]));
    await raw.message((m) => m.type === 'next' && m.id === 'same', 5_000);
    raw.send(subscribeMessage('same', bff, [sku!]));
    expect(await raw.closedWithin(3_000)).toMatchObject({ code: 4409 });
  });

  it('4429 for a second connection_init', async () => {
    const raw = new RawSocket(url());
    await raw.init();
    raw.send({ type: 'connection_init' });
    expect(await raw.closedWithin(3_000)).toMatchObject({ code: 4429 });
  });

  it('answers a ping with a pong (with its payload), before and after connection_init, and stays open', async () => {
    const raw = new RawSocket(url());
    await raw.opened;
    raw.send({ type: 'ping' });
    await raw.message((m) => m.type === 'pong', 2_000);
    await raw.init();
    raw.send({ type: 'ping', payload: { n: 7 } });
    expect(await raw.message((m) => m.type === 'pong' && (m.payload as { n?: number } | undefined)?.n === 7, 2_000)).toEqual({ type: 'pong', payload: { n: 7 } });
    await delay(100);
    expect(raw.ws.readyState).toBe(raw.ws.OPEN);
  });
});

describe.each<BffName>(['bff-web', 'bff-mobile'])('%s live endpoint: limits and refusals', (bff) => {
  const url = () => stackUrls()[bff];

  it('accepts 100 skus in one subscription and refuses 101 with BAD_USER_INPUT', async () => {
    const skus = (await sql<{ sku: string }>('inventory', `SELECT sku FROM inventory_level WHERE region = 'EU' ORDER BY sku LIMIT 101`)).map((r) => r.sku);
    expect(skus).toHaveLength(101);
    const conn = new LiveConnection(url());
    const hundred = watchStock(conn, bff, skus.slice(0, 100), 'EU');
    await hundred.until(() => updates(hundred).length === 100, 10_000, '100 snapshot messages');
    expect(new Set(updates(hundred).map((u) => u.value.sku)).size).toBe(100);
    const tooMany = watchStock(conn, bff, skus, 'EU');
    await tooMany.until(() => graphqlErrors(tooMany).length > 0, 5_000, 'an error');
    expect(graphqlErrors(tooMany)[0]!.extensions?.code).toBe('BAD_USER_INPUT');
    expect(graphqlErrors(tooMany)[0]!.message).toMatch(/skus/);
    expect(updates(tooMany)).toEqual([]);
  });

  it('runs 20 subscriptions on one socket and refuses a 21st with an error, leaving the socket and the others open', async () => {
    const skus = await pickSkus('EU', 21, 60, 1);
    const conn = new LiveConnection(url(), undefined, { lazy: false });
    const feeds = skus.slice(0, 20).map((sku) => watchStock(conn, bff, [sku], 'EU'));
    await Promise.all(feeds.map((f, i) => f.until(() => updates(f).length === 1 || graphqlErrors(f).length > 0, 10_000, `subscription ${i + 1}`)));
    expect(feeds.map((f, i) => ({ n: i + 1, errors: graphqlErrors(f).map((e) => e.message) }))).toEqual(feeds.map((_, i) => ({ n: i + 1, errors: [] })));
    const extra = watchStock(conn, bff, [skus[20]!], 'EU');
    await extra.until(() => graphqlErrors(extra).length > 0 || updates(extra).length > 0, 5_000, 'the 21st subscription’s answer');
    expect(updates(extra)).toEqual([]);
    expect(graphqlErrors(extra)[0]!.extensions?.code).toBe('BAD_USER_INPUT');
    expect(conn.closes).toEqual([]);
    // One ends: there is room for another.
    feeds[0]!.unsubscribe();
    await delay(100);
    const again = watchStock(conn, bff, [skus[20]!], 'EU');
    await again.until(() => updates(again).length === 1 || graphqlErrors(again).length > 0, 5_000, 'a subscription after one ended');
    expect(graphqlErrors(again)).toEqual([]);
    await conn.dispose();
  });

  it('refuses an unknown sku (alone or among known ones) with BAD_USER_INPUT naming it, and sends no snapshot', async () => {
    const [known] = await pickSkus('EU', 1, 51);
    // Not lazy: the library's client would otherwise close an idle socket itself (1000) once nothing runs on it.
    const conn = new LiveConnection(url(), undefined, { lazy: false });
    for (const skus of [['NO-SUCH-SKU-1'], [known!, 'NO-SUCH-SKU-2']]) {
      const feed = watchStock(conn, bff, skus, 'EU');
      await feed.until(() => graphqlErrors(feed).length > 0 || updates(feed).length > 0, 5_000, 'an answer');
      expect(graphqlErrors(feed)[0]!.extensions?.code).toBe('BAD_USER_INPUT');
      expect(graphqlErrors(feed)[0]!.message).toContain(skus.at(-1));
      await delay(100);
      expect(updates(feed)).toEqual([]);
    }
    expect(conn.closes).toEqual([]);
    await conn.dispose();
  });

  it('refuses queries and mutations over the socket (they belong to HTTP) and runs nothing', async () => {
    const carts = async () => (await sql<{ n: number }>('orders', 'SELECT count(*)::int AS n FROM cart'))[0]!.n;
    const cartsBefore = await carts();
    const conn = new LiveConnection(url(), undefined, { lazy: false });
    const query = conn.subscribe('query Typename { __typename }', {});
    const mutation = conn.subscribe('mutation Create { cartCreate(region: EU) { cart { id } userErrors { code } } }', {});
    for (const feed of [query, mutation]) {
      await feed.until(() => graphqlErrors(feed).length > 0 || feed.items.length > 0, 5_000, 'an answer');
      expect(feed.items.filter((i) => i.value.data)).toEqual([]);
      expect(graphqlErrors(feed)[0]!.message).toMatch(/only subscriptions/i);
    }
    expect(await carts()).toBe(cartsBefore);
    expect(conn.closes).toEqual([]);
    await conn.dispose();
  });
});

describe('bff-web shutdown', () => {
  it('closes open sockets with 1001 when the BFF stops', async () => {
    const bff = await startExtra('bff-web', bffEnvForStack(stackUrls().gateway));
    extras.push(bff);
    const [sku] = await pickSkus('EU', 1, 52);
    const conn = new LiveConnection(bff.url);
    const feed = watchStock(conn, 'bff-web', [sku!], 'EU');
    await feed.until(() => updates(feed).length === 1, 10_000, 'the snapshot');
    const raw = new RawSocket(bff.url);
    await raw.init();
    await bff.stop();
    expect(await conn.closed(5_000)).toMatchObject({ code: 1001 });
    expect(await raw.closedWithin(1_000)).toMatchObject({ code: 1001 });
  });
});
