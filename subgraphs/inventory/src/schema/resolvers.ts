import type { Resolvers } from './__generated__/resolvers-types.ts';
import { listLocations } from '../stock/stock.repository.ts';
import { stockView } from '../stock/stock.rules.ts';
import { adjustStock, stockLevels } from '../stock/stock.service.ts';
import { commitReservations, releaseStock, reserveStock, reserveStockLines } from '../reservation/reservation.service.ts';

export const resolvers: Resolvers = {
  Query: {
    stockLocations: (_, { region }, { db }) => listLocations(db, region ?? undefined),
    stockLevels: (_, { skus, region }, { db }) => stockLevels(db, skus, region),
  },
  Mutation: {
    adjustStock: (_, { input }, { db }) => adjustStock(db, input),
    reserveStock: (_, { input }, { db, settings }) => reserveStock(db, input, { defaultTtlSeconds: settings.reservationTtlSeconds }),
    reserveStockLines: (_, { input }, { db, settings }) => reserveStockLines(db, input, { defaultTtlSeconds: settings.reservationTtlSeconds }),
    releaseStock: (_, { cartId, sku }, { db }) => releaseStock(db, cartId, sku),
    commitReservations: (_, { cartId }, { db }) => commitReservations(db, cartId),
  },
  Variant: {
    __resolveReference: (ref) => ({ sku: ref.sku }),
    stock: async ({ sku }, { region }, { loaders }) => {
      const level = await loaders.level.load({ sku, region });
      return level ? stockView(level.on_hand, level.reserved) : stockView(0, 0);
    },
  },
  Product: {
    __resolveReference: (ref) => ({ id: ref.id }),
    availableForSale: ({ id }, { region }, { loaders }) => loaders.availableForSale.load({ productId: id, region }),
  },
};
