import { describe, expect, it } from 'vitest';
import { EventType, type EventEnvelope, type StockChangedData } from '@shop/platform';
import { StockFeed, UnknownSkusError, type StockState } from './stock-feed.ts';
import { createLogger } from '@shop/platform';

const logger = createLogger('test', 'silent');

function event(sku: string, region: string, version: number, available: number): EventEnvelope<StockChangedData> {
  return { id: `${sku}-${version}`, type: EventType.stockChanged, source: 'inventory', time: new Date().toISOString(), subject: `${sku}:${region}`, version, data: { sku, region, available, badge: available === 0 ? 'OUT_OF_STOCK' : available <= 5 ? 'LOW_STOCK' : 'IN_STOCK', reason: 'reservation' } };
}

async function take<T>(it: AsyncIterator<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push((await it.next()).value as T);
  return out;
}

describe('StockFeed', () => {
  it('sends each sku’s snapshot first, in the order asked for, then only changes of those skus in that region', async () => {
    const feed = new StockFeed({ logger, snapshot: async (_r, skus) => skus.slice().reverse().map((sku) => ({ sku, badge: 'IN_STOCK', available: 10, version: 3 })) });
    const q = await feed.watch('US', ['A', 'B']);
    expect((await take(q, 2)).map((s) => s.sku)).toEqual(['A', 'B']);
    feed.onEvent(event('A', 'EU', 9, 1)); // other region
    feed.onEvent(event('C', 'US', 9, 1)); // other sku
    feed.onEvent(event('B', 'US', 4, 9));
    expect(await take(q, 1)).toEqual([{ sku: 'B', badge: 'IN_STOCK', available: 9, version: 4 }]);
    expect(q.size).toBe(0);
    q.close();
    expect(feed.size).toEqual({ watchers: 0, keys: 0 });
  });

  it('orders the snapshot and events that race it by version: an older event never follows a newer state', async () => {
    let release!: (s: StockState[]) => void;
    const feed = new StockFeed({ logger, snapshot: () => new Promise((r) => (release = r)) });
    const watching = feed.watch('US', ['A']);
    await new Promise((r) => setImmediate(r));
    feed.onEvent(event('A', 'US', 7, 4)); // committed while the snapshot was read
    release([{ sku: 'A', badge: 'IN_STOCK', available: 6, version: 5 }]); // the snapshot read an older version
    const q = await watching;
    expect(await take(q, 1)).toEqual([{ sku: 'A', badge: 'LOW_STOCK', available: 4, version: 7 }]);
    feed.onEvent(event('A', 'US', 6, 5)); // a late replay of an older change
    feed.onEvent(event('A', 'US', 7, 4)); // a duplicate
    expect(q.size).toBe(0);
  });

  it('keeps only the latest state per sku for a consumer that does not read', async () => {
    const feed = new StockFeed({ logger, snapshot: async (_r, skus) => skus.map((sku) => ({ sku, badge: 'IN_STOCK', available: 100, version: 1 })) });
    const q = await feed.watch('US', ['A', 'B']);
    for (let v = 2; v < 1000; v++) feed.onEvent(event(v % 2 ? 'A' : 'B', 'US', v, v % 50));
    expect(q.size).toBe(2);
    const [a, b] = await take(q, 2);
    expect([a!.sku, a!.version, b!.sku, b!.version]).toEqual(['A', 999, 'B', 998]);
  });

  it('refuses unknown skus and leaves nothing indexed', async () => {
    const feed = new StockFeed({ logger, snapshot: async () => [{ sku: 'A', badge: 'IN_STOCK', available: 1, version: 1 }] });
    await expect(feed.watch('US', ['A', 'NOPE'])).rejects.toBeInstanceOf(UnknownSkusError);
    expect(feed.size).toEqual({ watchers: 0, keys: 0 });
  });

  it('after a reconnect sends every watcher a fresh snapshot, even when unchanged', async () => {
    let version = 1;
    const feed = new StockFeed({ logger, snapshot: async (_r, skus) => skus.map((sku) => ({ sku, badge: 'IN_STOCK', available: 10, version })) });
    const q = await feed.watch('GB', ['A', 'B']);
    await take(q, 2);
    await feed.resnapshot();
    expect((await take(q, 2)).map((s) => s.sku)).toEqual(['A', 'B']);
    version = 0; // an older read than what was sent is still never shown
    await feed.resnapshot();
    expect(q.size).toBe(0);
  });
});

describe('StockFeed after a reconnect, when the snapshot read fails at first', () => {
  it('retries until it can send the fresh snapshot', async () => {
    let failures = 1;
    const feed = new StockFeed({
      logger,
      snapshot: async (_r, skus) => {
        if (feed.size.watchers && failures-- > 0 && resnapshotting) throw new Error('gateway unreachable');
        return skus.map((sku) => ({ sku, badge: 'IN_STOCK', available: 3, version: 2 }));
      },
    });
    let resnapshotting = false;
    const q = await feed.watch('US', ['A']);
    await take(q, 1);
    resnapshotting = true;
    await feed.resnapshot();
    expect(q.size).toBe(1);
    expect(failures).toBe(-1);
  });
});
