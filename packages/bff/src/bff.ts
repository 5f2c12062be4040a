import type { IResolvers } from 'mercurius';
import { closeOnSignals, runMain, type Logger } from '@shop/platform';
import type { FastifyInstance } from 'fastify';
import { loadBffEnv } from './env.ts';
import type { GatewayResponse, PersistedDocument } from './gateway-client.ts';
import { LiveHub } from './live/hub.ts';
import type { LiveContext } from './live/subscriptions.ts';
import type { StockState } from './live/stock-feed.ts';
import type { LiveSocket, LiveViewer } from './live/ws-server.ts';
import type { PageCache } from './page-cache.ts';
import { readPage, recommendationsAt } from './pages.ts';
import { RegionDirectory, type RegionInfo } from './regions.ts';
import { createBffRuntime, type BffRuntime } from './runtime.ts';
import { startBffServer, type BffRequestInfo } from './server.ts';

/** What every resolver of a BFF gets for one request (HTTP) or one subscription (graphql-ws). */
export interface BffContext<TLiveItem> {
  /** Sends one of the BFF's persisted gateway documents, with the shopper's token and the request id. */
  call<TResult, TVariables>(document: PersistedDocument<TResult, TVariables>, variables: TVariables): Promise<GatewayResponse<TResult>>;
  /** No access token came with the request: its pages may come from the shared page cache. */
  anonymous: boolean;
  regions: RegionDirectory;
  pageCache: PageCache | undefined;
  logger: Logger;
  /** Present on the graphql-ws endpoint: the process's live hub and this socket. */
  live?: LiveContext<TLiveItem>;
}

/** A recommendation as the live documents return it. */
interface LiveRecommendation<TProduct> {
  reason: string;
  product: TProduct;
}

/**
 * One BFF: its schema and resolvers, and the few gateway documents the shared
 * runtime needs (regions, and the live snapshot, viewer and recommendations).
 */
export interface BffDefinition<TLiveItem, TProduct> {
  name: string;
  defaultPort: number;
  schema: string;
  resolvers: IResolvers;
  /** hash -> document: every operation the BFF may send to the gateway. */
  manifest: Record<string, string>;
  graphiqlDefaultQuery: string;
  documents: {
    regions: PersistedDocument<{ regions: RegionInfo[] }, Record<string, never>>;
    liveStock: PersistedDocument<{ stockLevels: StockState[] }, { skus: string[]; region: never }>;
    liveViewer: PersistedDocument<{ me?: { id: string } | null }, Record<string, never>>;
    liveRecommendations: PersistedDocument<{ me?: { recommendations?: LiveRecommendation<TProduct>[] | null } | null }, { region: never; first: number }>;
  };
  /** Shapes one pushed recommendation for this client. */
  liveItem: (product: TProduct, region: RegionInfo, reason: string) => TLiveItem;
  /** Development-only routes (a demo page). */
  devRoutes?: (app: FastifyInstance) => void;
}

/** Pure builder: the per-request context, the live hub and its socket hooks, over a runtime. */
export function buildBff<TLiveItem, TProduct>(runtime: BffRuntime, def: BffDefinition<TLiveItem, TProduct>) {
  const { gateway } = runtime;
  const regions = new RegionDirectory(async () => readPage(await gateway.execute(def.documents.regions, {})).data.regions);
  // Live updates need the bus (Redis or PostgreSQL); without one the BFF serves pages only.
  const hub = runtime.bus
    ? new LiveHub<TLiveItem>({
        bus: runtime.bus,
        logger: runtime.logger,
        snapshot: async (region, skus) => readPage(await gateway.execute(def.documents.liveStock, { skus, region: region as never })).data.stockLevels,
        fetchRecommendations: async (authorization, regionCode, first) => {
          const region = await regions.get(regionCode);
          const response = await gateway.execute(def.documents.liveRecommendations, { region: regionCode as never, first }, { authorization });
          const { data } = readPage(response, recommendationsAt('me', 'recommendations'));
          return (data.me?.recommendations ?? []).map((r) => def.liveItem(r.product, region, r.reason));
        },
      })
    : undefined;
  const context = (req: BffRequestInfo, socket?: LiveSocket): BffContext<TLiveItem> => ({
    call: (document, variables) => gateway.execute(document, variables, { authorization: req.authorization, requestId: req.requestId }),
    anonymous: !req.authorization,
    regions,
    pageCache: runtime.pageCache,
    logger: req.logger,
    live: socket && hub ? { hub, socket } : undefined,
  });
  let liveRequests = 0;
  return {
    context: (req: BffRequestInfo) => context(req),
    live: hub
      ? {
          // The gateway verifies the token, as for every other request.
          verify: async (authorization: string): Promise<LiveViewer | undefined> => {
            const id = (await gateway.execute(def.documents.liveViewer, {}, { authorization })).data?.me?.id;
            return id ? { userId: id, authorization } : undefined;
          },
          context: (socket: LiveSocket) => context({ requestId: `live-${++liveRequests}`, authorization: socket.viewer?.authorization, logger: runtime.logger }, socket),
        }
      : undefined,
    start: async () => hub?.start(),
    close: async () => hub?.close(),
  };
}

/** A BFF's process: settings -> runtime -> server, stopped by SIGTERM/SIGINT (sockets get 1001, requests drain). */
export function runBff<TLiveItem, TProduct>(def: BffDefinition<TLiveItem, TProduct>): Promise<void> {
  return runMain(async () => {
    const env = loadBffEnv(def.defaultPort);
    const runtime = await createBffRuntime(def.name, env, def.manifest);
    const bff = buildBff(runtime, def);
    await bff.start();
    const production = env.NODE_ENV === 'production';
    const server = await startBffServer({
      name: def.name,
      host: env.HOST,
      port: env.PORT,
      logger: runtime.logger,
      metrics: runtime.metrics,
      schema: def.schema,
      resolvers: def.resolvers,
      context: bff.context,
      ready: runtime.ready,
      production,
      graphiqlDefaultQuery: def.graphiqlDefaultQuery,
      maxDepth: env.MAX_QUERY_DEPTH,
      shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
      live: bff.live,
      extend: production ? undefined : def.devRoutes,
      onClose: async () => {
        await bff.close();
        await runtime.close();
      },
    });
    closeOnSignals(server.close, runtime.logger);
  });
}
