import { EventType, type EventEnvelope, type Logger } from '@shop/platform';
import { LatestQueue } from './latest-queue.ts';

export interface RecommendationsUpdate<TItem> {
  /** `current` for the first list a subscriber gets, `refreshed` for each list personalization pushed after. */
  reason: 'current' | 'refreshed';
  items: TItem[];
}

export interface RecommendationFeedOptions<TItem> {
  /** The shopper's list through the gateway, with their own token. */
  fetch: (authorization: string, region: string, first: number) => Promise<TItem[]>;
  logger: Logger;
}

interface Listener<TItem> {
  authorization: string;
  queue: LatestQueue<RecommendationsUpdate<TItem>>;
}

/** personalization.recommendations.refreshed's data. */
interface RefreshedData {
  userId: string;
  region: string;
}

/**
 * Refreshed recommendations for one BFF process. Listeners are grouped by
 * shopper, region and list size; a refresh event costs one gateway request
 * per group, however many sockets (tabs, devices) the shopper has open here.
 * A slow socket keeps only the newest list.
 */
export class RecommendationFeed<TItem> {
  private readonly groups = new Map<string, Set<Listener<TItem>>>();

  constructor(private readonly options: RecommendationFeedOptions<TItem>) {}

  async watch(userId: string, authorization: string, region: string, first: number): Promise<LatestQueue<RecommendationsUpdate<TItem>>> {
    const k = key(userId, region, first);
    const listener: Listener<TItem> = {
      authorization,
      queue: new LatestQueue(() => {
        const group = this.groups.get(k);
        group?.delete(listener);
        if (group && !group.size) this.groups.delete(k);
      }),
    };
    let group = this.groups.get(k);
    if (!group) this.groups.set(k, (group = new Set()));
    group.add(listener);
    try {
      const items = await this.options.fetch(authorization, region, first);
      // A refresh that raced the first read already queued a newer list; keep it.
      if (!listener.queue.size) listener.queue.put('list', { reason: 'current', items });
    } catch (err) {
      listener.queue.close();
      throw err;
    }
    listener.queue.open();
    return listener.queue;
  }

  onEvent(event: EventEnvelope): void {
    if (event.type !== EventType.recommendationsRefreshed) return;
    const d = event.data as RefreshedData;
    const prefix = `${d.userId}\u0000${d.region}\u0000`;
    for (const [k, group] of this.groups) if (k.startsWith(prefix)) void this.refresh(group, Number(k.slice(prefix.length)), d.region);
  }

  /** After a lost bus connection: refresh every group once (their lists may have changed in the gap). */
  async refetchAll(): Promise<void> {
    await Promise.all([...this.groups].map(([k, group]) => this.refresh(group, Number(k.split('\u0000')[2]), k.split('\u0000')[1]!)));
  }

  get size(): { groups: number } {
    return { groups: this.groups.size };
  }

  private async refresh(group: Set<Listener<TItem>>, first: number, region: string) {
    // The newest socket's token: the one least likely to have expired.
    const listeners = [...group];
    const newest = listeners[listeners.length - 1];
    if (!newest) return;
    try {
      const items = await this.options.fetch(newest.authorization, region, first);
      for (const l of group) l.queue.put('list', { reason: 'refreshed', items });
    } catch (err) {
      this.options.logger.warn({ err, region }, 'live recommendations: refresh fetch failed');
    }
  }
}

const key = (userId: string, region: string, first: number) => `${userId}\u0000${region}\u0000${first}`;
