import { DecimalScalar } from '@shop/platform';
import type { Resolvers } from './__generated__/resolvers-types.ts';
import { priceRange, setPrice, taxRate, variantPrice } from '../price/price.service.ts';
import { quote } from '../price/quote.service.ts';

export const resolvers: Resolvers = {
  Decimal: DecimalScalar,
  Query: {
    regions: (_, __, { loaders }) => loaders.regions(),
    region: async (_, { code }, { loaders }) => (await loaders.regions()).find((r) => r.code === code) ?? null,
    quote: (_, { region, lines }, { loaders }) => quote(loaders, region, lines),
  },
  Mutation: {
    setPrice: (_, { input }, { db }) => setPrice(db, input),
  },
  Region: {
    currencyCode: (r) => r.currency_code as never,
    taxIncluded: (r) => r.tax_included,
    taxRate: (r) => taxRate(r.tax_rate_bp),
  },
  Variant: {
    __resolveReference: (ref) => ({ sku: ref.sku }),
    price: async ({ sku }, { region }, { loaders }) => {
      const row = await loaders.price.load({ sku, region });
      return row ? variantPrice(row) : null;
    },
  },
  Product: {
    __resolveReference: (ref) => ({ id: ref.id }),
    priceRange: async ({ id }, { region }, { loaders }) => {
      const row = await loaders.priceRange.load({ productId: id, region });
      return row ? priceRange(row) : null;
    },
  },
};
