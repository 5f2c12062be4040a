import { readFileSync } from 'node:fs';
import { LiveHub, RegionDirectory, readPage, type BffRequestInfo, type BffRuntime, type LiveSocket, type LiveViewer, type RegionInfo, type StockState } from '@shop/bff';
import { MobileLiveRecommendationsDocument, MobileLiveStockDocument, MobileLiveViewerDocument, MobileRegionsDocument } from './__generated__/gateway/graphql.ts';
import type { MobileProductTile } from './schema/__generated__/resolvers-types.ts';
import { toTile } from './screens/format.ts';
import manifest from './__generated__/gateway/persisted-documents.json' with { type: 'json' };
import type { Context } from './context.ts';
import { resolvers } from './schema/resolvers.ts';

export const name = 'bff-mobile';
export const defaultPort = 4200;
/** hash -> document: every operation bff-mobile may send to the gateway. */
export const persistedDocuments: Record<string, string> = manifest;
export const schema = readFileSync(new URL('./schema/mobile.graphql', import.meta.url), 'utf8');

export const graphiqlDefaultQuery = `# The app's product screen (see ../shared/contract/bff-mobile)
query MobileProductDetail($slug: String!, $region: RegionCode!) {
  productDetail(slug: $slug, region: $region) {
    id title currencyCode priceMinor badge
    images { url }
    variants { sku label priceMinor badge }
  }
}
`;

/** Pure builder: bff-mobile's schema, resolvers and per-request context over a runtime. */
export function buildMobileBff(runtime: BffRuntime) {
  const regions = new RegionDirectory(async () => {
    const { data } = readPage(await runtime.gateway.execute(MobileRegionsDocument, {}));
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
    ? new LiveHub<MobileProductTile>({
        bus: runtime.bus,
        logger: runtime.logger,
        snapshot: async (region, skus): Promise<StockState[]> => {
          const { data } = readPage(await runtime.gateway.execute(MobileLiveStockDocument, { skus, region: region as never }));
          return data.stockLevels;
        },
        fetchRecommendations: async (authorization, regionCode, first) => {
          const { data } = readPage(await runtime.gateway.execute(MobileLiveRecommendationsDocument, { region: regionCode as never, first }, { authorization }), [['me', 'recommendations']]);
          return (data.me?.recommendations ?? []).map((r) => toTile(r.product, r.reason));
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
            const response = await runtime.gateway.execute(MobileLiveViewerDocument, {}, { authorization });
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
