import type { BffDefinition } from '@shop/bff';
import { readGraphQLFile } from '@shop/platform';
import { MobileLiveRecommendationsDocument, MobileLiveStockDocument, MobileLiveViewerDocument, MobileRegionsDocument, type MobileProductTileFragment } from './__generated__/gateway/graphql.ts';
import manifest from './__generated__/gateway/persisted-documents.json' with { type: 'json' };
import type { MobileProductTile } from './schema/__generated__/resolvers-types.ts';
import { resolvers } from './schema/resolvers.ts';
import { toTile } from './screens/format.ts';

export const graphiqlDefaultQuery = `# The app's product screen (see ../shared/contract/bff-mobile)
query MobileProductDetail($slug: String!, $region: RegionCode!) {
  productDetail(slug: $slug, region: $region) {
    id title currencyCode priceMinor badge
    images { url }
    variants { sku label priceMinor badge }
  }
}
`;

/** bff-mobile: its schema, resolvers and gateway documents; the shared runtime (@shop/bff) does the rest. */
export const definition: BffDefinition<MobileProductTile, MobileProductTileFragment> = {
  name: 'bff-mobile',
  defaultPort: 4200,
  schema: readGraphQLFile(new URL('./schema/mobile.graphql', import.meta.url)),
  resolvers: resolvers as never,
  manifest,
  graphiqlDefaultQuery,
  documents: {
    regions: MobileRegionsDocument,
    liveStock: MobileLiveStockDocument,
    liveViewer: MobileLiveViewerDocument,
    liveRecommendations: MobileLiveRecommendationsDocument,
  },
  liveItem: (product, _region, reason) => toTile(product, reason),
};
