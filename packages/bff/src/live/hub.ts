import { EventType, type Bus, type Logger, type Subscription } from '@shop/platform';
import { StockFeed, type StockState } from './stock-feed.ts';
import { RecommendationFeed } from './recommendation-feed.ts';

export interface LiveHubOptions<TItem> {
  bus: Bus;
  logger: Logger;
  snapshot: (region: string, skus: string[]) => Promise<StockState[]>;
  fetchRecommendations: (authorization: string, region: string, first: number) => Promise<TItem[]>;
}

/**
 * The process's live state: one bus listener per event type (never one per
 * socket) feeding the stock and recommendation feeds. A lost bus connection
 * is followed by a fresh snapshot for every open subscription.
 */
export class LiveHub<TItem> {
  readonly stock: StockFeed;
  readonly recommendations: RecommendationFeed<TItem>;
  private readonly listeners: Subscription[] = [];

  constructor(private readonly options: LiveHubOptions<TItem>) {
    this.stock = new StockFeed({ snapshot: options.snapshot, logger: options.logger });
    this.recommendations = new RecommendationFeed<TItem>({ fetch: options.fetchRecommendations, logger: options.logger });
  }

  async start(): Promise<void> {
    const { bus, logger } = this.options;
    this.listeners.push(
      await bus.listen({
        types: [EventType.stockChanged],
        handler: (event) => this.stock.onEvent(event),
        onReconnect: () => {
          logger.warn('live: bus reconnected, sending every stock subscription a fresh snapshot');
          void this.stock.resnapshot();
        },
      }),
      await bus.listen({
        types: [EventType.recommendationsRefreshed],
        handler: (event) => this.recommendations.onEvent(event),
        onReconnect: () => void this.recommendations.refetchAll(),
      }),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.listeners.map((l) => l.close()));
  }
}
