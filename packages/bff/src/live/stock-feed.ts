import { EventType, type EventEnvelope, type Logger, type StockChangedData } from '@shop/platform';
import type { StockBadge } from '../badges.ts';
import { LatestQueue } from './latest-queue.ts';

export interface StockState {
  sku: string;
  badge: StockBadge;
  available: number;
  /** Inventory's version of the sku in the region; grows with every change. */
  version: number;
}

export interface StockFeedOptions {
  /** The current state of `skus` in `region` (inventory's stockLevels through the gateway). */
  snapshot: (region: string, skus: string[]) => Promise<StockState[]>;
  logger: Logger;
  /** @default 200 // skus per snapshot request */
  snapshotBatch?: number;
  /** @default 5 // attempts per snapshot batch after a reconnect, 1, 2, 3… seconds apart */
  snapshotRetries?: number;
}

interface Watcher {
  region: string;
  skus: string[];
  queue: LatestQueue<StockState>;
  /** sku -> the newest version queued or sent, so that a replayed or older event is never shown after a newer state. */
  versions: Map<string, number>;
}

/**
 * Live stock badges for one BFF process. Sockets do not subscribe to the bus:
 * the process hears every `inventory.stock.changed` once and routes it
 * through an index by sku and region to the watchers of that pair. A new
 * watcher is indexed before its snapshot is read, so a change that commits
 * while the snapshot is in flight is never missed; versions order the two.
 */
export class StockFeed {
  private readonly index = new Map<string, Set<Watcher>>();
  private watchers = 0;

  constructor(private readonly options: StockFeedOptions) {}

  /** Every requested sku's current state first, then one state per committed change of them in `region`. */
  async watch(region: string, skus: string[]): Promise<LatestQueue<StockState>> {
    const unique = [...new Set(skus)];
    const watcher: Watcher = {
      region,
      skus: unique,
      versions: new Map(),
      queue: new LatestQueue<StockState>(() => this.unindex(watcher)),
    };
    for (const sku of unique) this.indexOf(sku, region).add(watcher);
    this.watchers++;
    try {
      const states = await this.options.snapshot(region, unique);
      const known = new Set(states.map((s) => s.sku));
      const unknown = unique.filter((s) => !known.has(s));
      if (unknown.length) throw new UnknownSkusError(unknown);
      // In the order asked for, so a page's badges fill in left to right.
      const order = new Map(unique.map((sku, i) => [sku, i]));
      for (const state of [...states].sort((a, b) => order.get(a.sku)! - order.get(b.sku)!)) this.offer(watcher, state, false);
    } catch (err) {
      watcher.queue.close();
      throw err;
    }
    watcher.queue.open();
    return watcher.queue;
  }

  /** The bus handler: one call per event, whatever the number of sockets. */
  onEvent(event: EventEnvelope): void {
    if (event.type !== EventType.stockChanged) return;
    const d = event.data as StockChangedData;
    const watchers = this.index.get(key(d.sku, d.region));
    if (!watchers) return;
    const state: StockState = { sku: d.sku, badge: d.badge, available: d.available, version: event.version };
    for (const w of watchers) this.offer(w, state, false);
  }

  /**
   * After a lost bus connection: events in the gap are gone, so every watcher
   * gets every sku's state again (sent even when unchanged, so the client
   * knows it is current), read in batches per region.
   */
  async resnapshot(): Promise<void> {
    const byRegion = new Map<string, Set<string>>();
    for (const k of this.index.keys()) {
      const [sku, region] = split(k);
      let skus = byRegion.get(region);
      if (!skus) byRegion.set(region, (skus = new Set()));
      skus.add(sku);
    }
    const batch = this.options.snapshotBatch ?? 200;
    for (const [region, skus] of byRegion) {
      const all = [...skus];
      for (let i = 0; i < all.length; i += batch) {
        const skusOfBatch = all.slice(i, i + batch);
        // The gateway may be as briefly unreachable as the bus was: retry, so no subscription stays stale.
        for (let attempt = 1; ; attempt++) {
          try {
            const states = await this.options.snapshot(region, skusOfBatch);
            for (const state of states) for (const w of this.index.get(key(state.sku, region)) ?? []) this.offer(w, state, true);
            break;
          } catch (err) {
            this.options.logger.warn({ err, region, attempt }, 'live stock: snapshot after reconnect failed');
            if (attempt >= (this.options.snapshotRetries ?? 5)) break;
            await new Promise((r) => setTimeout(r, attempt * 1_000));
          }
        }
      }
    }
  }

  get size(): { watchers: number; keys: number } {
    return { watchers: this.watchers, keys: this.index.size };
  }

  private offer(w: Watcher, state: StockState, force: boolean) {
    const seen = w.versions.get(state.sku) ?? -1;
    if (state.version < seen || (state.version === seen && !force)) return;
    w.versions.set(state.sku, state.version);
    w.queue.put(state.sku, state);
  }

  private indexOf(sku: string, region: string): Set<Watcher> {
    const k = key(sku, region);
    let set = this.index.get(k);
    if (!set) this.index.set(k, (set = new Set()));
    return set;
  }

  private unindex(w: Watcher) {
    this.watchers--;
    for (const sku of w.skus) {
      const k = key(sku, w.region);
      const set = this.index.get(k);
      if (!set) continue;
      set.delete(w);
      if (!set.size) this.index.delete(k);
    }
  }
}

export class UnknownSkusError extends Error {
  constructor(readonly skus: string[]) {
    super(`unknown sku${skus.length > 1 ? 's' : ''}: ${skus.slice(0, 5).join(', ')}${skus.length > 5 ? ', …' : ''}`);
  }
}

const key = (sku: string, region: string) => `${sku}\u0000${region}`;
const split = (k: string) => k.split('\u0000') as [string, string];
