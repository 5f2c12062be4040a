import { readFileSync } from 'node:fs';
import { RegionDirectory, readPage, type BffRequestInfo, type BffRuntime, type RegionInfo } from '@shop/bff';
import { MobileRegionsDocument } from './__generated__/gateway/graphql.ts';
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
  return {
    schema,
    resolvers,
    context: (req: BffRequestInfo): Context => ({
      call: (document, variables) => runtime.gateway.execute(document, variables, { authorization: req.authorization, requestId: req.requestId }),
      anonymous: !req.authorization,
      regions,
      pageCache: runtime.pageCache,
      logger: req.logger,
    }),
  };
}
