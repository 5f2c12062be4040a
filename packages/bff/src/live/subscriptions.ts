import { BffError, BffErrorCode, invalidArgument } from '../errors.ts';
import type { LatestQueue } from './latest-queue.ts';
import type { LiveHub } from './hub.ts';
import { CloseCode, LiveLimits } from './protocol.ts';
import type { RecommendationsUpdate } from './recommendation-feed.ts';
import { UnknownSkusError, type StockState } from './stock-feed.ts';
import type { LiveSocket } from './ws-server.ts';

/** What a BFF's Subscription resolvers get in their context. */
export interface LiveContext<TItem> {
  hub: LiveHub<TItem>;
  socket: LiveSocket;
}

function requireLive<TItem>(live: LiveContext<TItem> | undefined): LiveContext<TItem> {
  if (!live) throw new BffError(BffErrorCode.BAD_USER_INPUT, 'Subscriptions run over the graphql-ws endpoint (graphql-transport-ws) at /graphql');
  return live;
}

/** `stockBadges(skus, region)`: validated, then the current state of each sku and every change after. */
export async function watchStockBadges<TItem>(live: LiveContext<TItem> | undefined, skus: string[], region: string): Promise<LatestQueue<StockState>> {
  const { hub } = requireLive(live);
  if (skus.length === 0) throw invalidArgument('skus', 'must name at least one sku');
  if (skus.length > LiveLimits.maxSkusPerSubscription) throw invalidArgument('skus', `at most ${LiveLimits.maxSkusPerSubscription} per subscription`);
  if (skus.some((s) => s.length === 0 || s.length > 100)) throw invalidArgument('skus', 'each sku is 1 to 100 characters');
  try {
    return await hub.stock.watch(region, skus);
  } catch (err) {
    if (err instanceof UnknownSkusError) throw invalidArgument('skus', err.message);
    throw err;
  }
}

/**
 * `recommendationsRefreshed(region, first)`: needs the token in connection_init;
 * without one the socket is closed with 4403, as the contract says.
 */
export async function watchRecommendations<TItem>(live: LiveContext<TItem> | undefined, region: string, first: number): Promise<LatestQueue<RecommendationsUpdate<TItem>>> {
  const { hub, socket } = requireLive(live);
  if (!socket.viewer) {
    socket.close(CloseCode.Forbidden, 'Forbidden: recommendations need an access token in connection_init');
    throw new BffError(BffErrorCode.UNAUTHENTICATED);
  }
  if (!Number.isInteger(first) || first < 1 || first > LiveLimits.maxRecommendations) throw invalidArgument('first', `must be 1 to ${LiveLimits.maxRecommendations}`);
  return hub.recommendations.watch(socket.viewer.userId, socket.viewer.authorization, region, first);
}
