import { readFileSync } from 'node:fs';
import { LiveHub, RegionDirectory, readPage, type BffRequestInfo, type BffRuntime, type LiveSocket, type LiveViewer, type RegionInfo, type StockState } from '@shop/bff';
import { WebLiveRecommendationsDocument, WebLiveStockDocument, WebLiveViewerDocument, WebRegionsDocument } from './__generated__/gateway/graphql.ts';
import type { WebProductCard } from './schema/__generated__/resolvers-types.ts';
import { toCard } from './pages/cards.ts';
import manifest from './__generated__/gateway/persisted-documents.json' with { type: 'json' };
import type { Context } from './context.ts';
import { resolvers } from './schema/resolvers.ts';

export const name = 'bff-web';
export const defaultPort = 4100;
/** hash -> document: every operation bff-web may send to the gateway. */
export const persistedDocuments: Record<string, string> = manifest;
export const schema = readFileSync(new URL('./schema/web.graphql', import.meta.url), 'utf8');

export const graphiqlDefaultQuery = `# The web product page (see ../shared/contract/bff-web)
query WebProductPage($slug: String!, $region: RegionCode!) {
  productPage(slug: $slug, region: $region) {
    product { title brand breadcrumbs { name } }
    price { formatted compareAtFormatted }
    variants { sku label price { formatted } stock { badge available } }
    recommendations { title price { formatted } badge }
  }
}
`;

/** Pure builder: bff-web's schema, resolvers and per-request context over a runtime. */
export function buildWebBff(runtime: BffRuntime) {
  const regions = new RegionDirectory(async () => {
    const { data } = readPage(await runtime.gateway.execute(WebRegionsDocument, {}));
    return data.regions as RegionInfo[];
  });
  const context = (req: BffRequestInfo, live?: LiveSocket): Context => ({
    call: (document, variables) => runtime.gateway.execute(document, variables, { authorization: req.authorization, requestId: req.requestId }),
    anonymous: !req.authorization,
    regions,
    pageCache: runtime.pageCache,
    logger: req.logger,
    live: live && hub ? { hub, socket: live } : undefined,
  });
  // Live updates need the bus (Redis or PostgreSQL); without one the BFF serves pages only.
  const hub = runtime.bus
    ? new LiveHub<WebProductCard>({
        bus: runtime.bus,
        logger: runtime.logger,
        snapshot: async (region, skus): Promise<StockState[]> => {
          const { data } = readPage(await runtime.gateway.execute(WebLiveStockDocument, { skus, region: region as never }));
          return data.stockLevels;
        },
        fetchRecommendations: async (authorization, regionCode, first) => {
          const region = await regions.get(regionCode);
          const { data } = readPage(await runtime.gateway.execute(WebLiveRecommendationsDocument, { region: regionCode as never, first }, { authorization }), [['me', 'recommendations']]);
          return (data.me?.recommendations ?? []).map((r) => toCard(r.product, region, r.reason));
        },
      })
    : undefined;
  let liveRequests = 0;
  return {
    schema,
    resolvers,
    context: (req: BffRequestInfo) => context(req),
    live: hub
      ? {
          verify: async (authorization: string): Promise<LiveViewer | undefined> => {
            const response = await runtime.gateway.execute(WebLiveViewerDocument, {}, { authorization });
            const id = response.data?.me?.id;
            return id ? { userId: id, authorization } : undefined;
          },
          context: (socket: LiveSocket) =>
            context({ requestId: `live-${++liveRequests}`, authorization: socket.viewer?.authorization, logger: runtime.logger }, socket),
        }
      : undefined,
    start: async () => hub?.start(),
    close: async () => hub?.close(),
  };
}
