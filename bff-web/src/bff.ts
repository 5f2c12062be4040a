import { readFileSync } from 'node:fs';
import { RegionDirectory, readPage, type BffRequestInfo, type BffRuntime, type RegionInfo } from '@shop/bff';
import { WebRegionsDocument } from './__generated__/gateway/graphql.ts';
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
