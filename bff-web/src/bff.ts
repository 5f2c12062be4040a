import type { BffDefinition } from '@shop/bff';
import { readGraphQLFile } from '@shop/platform';
import { WebLiveRecommendationsDocument, WebLiveStockDocument, WebLiveViewerDocument, WebRegionsDocument, type WebProductCardFragment } from './__generated__/gateway/graphql.ts';
import manifest from './__generated__/gateway/persisted-documents.json' with { type: 'json' };
import type { WebProductCard } from './schema/__generated__/resolvers-types.ts';
import { resolvers } from './schema/resolvers.ts';
import { toCard } from './pages/cards.ts';
import { registerLiveDemo } from './demo/live-page.ts';

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

/** bff-web: its schema, resolvers and gateway documents; the shared runtime (@shop/bff) does the rest. */
export const definition: BffDefinition<WebProductCard, WebProductCardFragment> = {
  name: 'bff-web',
  defaultPort: 4100,
  schema: readGraphQLFile(new URL('./schema/web.graphql', import.meta.url)),
  resolvers: resolvers as never,
  manifest,
  graphiqlDefaultQuery,
  documents: {
    regions: WebRegionsDocument,
    liveStock: WebLiveStockDocument,
    liveViewer: WebLiveViewerDocument,
    liveRecommendations: WebLiveRecommendationsDocument,
  },
  liveItem: (product, region, reason) => toCard(product, region, reason),
  devRoutes: registerLiveDemo,
};
