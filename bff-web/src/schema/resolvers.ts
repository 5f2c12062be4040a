import type { WebProductCard, Resolvers } from './__generated__/resolvers-types.ts';
import { productPage } from '../pages/product-page.ts';
import { categoryPage, searchPage } from '../pages/listing.ts';
import { cartAddLine, cartCreate, cartPage, cartRemoveLine, checkout } from '../pages/cart.ts';
import { accountPage, trackEvent } from '../pages/account.ts';
import { checkSlug, watchRecommendations, watchStockBadges } from '@shop/bff';

/** Thin: each field is one page function. */
export const resolvers: Resolvers = {
  Query: {
    productPage: (_, { slug, region }, ctx) => (checkSlug(slug), productPage(ctx, slug, region)),
    categoryPage: (_, { slug, region, first, after }, ctx) => categoryPage(ctx, slug, region, first ?? 24, after),
    searchPage: (_, { query, region, first, after }, ctx) => searchPage(ctx, query, region, first ?? 24, after),
    cartPage: (_, { cartId }, ctx) => cartPage(ctx, cartId),
    accountPage: (_, { region }, ctx) => accountPage(ctx, region),
    regions: async (_, __, ctx) => ctx.regions.list(),
  },
  Mutation: {
    cartCreate: (_, { region }, ctx) => cartCreate(ctx, region),
    cartAddLine: (_, { cartId, sku, quantity }, ctx) => cartAddLine(ctx, cartId, sku, quantity),
    cartRemoveLine: (_, { cartId, sku }, ctx) => cartRemoveLine(ctx, cartId, sku),
    checkout: (_, { cartId, idempotencyKey, paymentToken }, ctx) => checkout(ctx, cartId, idempotencyKey, paymentToken),
    trackEvent: (_, { type, productId }, ctx) => trackEvent(ctx, type, productId),
  },
  Subscription: {
    stockBadges: {
      subscribe: (_, { skus, region }, ctx) => watchStockBadges(ctx.live, skus, region),
      resolve: (state: { sku: string; badge: 'IN_STOCK' | 'LOW_STOCK' | 'OUT_OF_STOCK'; available: number }) => state,
    },
    recommendationsRefreshed: {
      subscribe: (_, { region, first }, ctx) => watchRecommendations(ctx.live, region, first ?? 8),
      resolve: (update: { reason: string; items: WebProductCard[] }) => update,
    },
  },
};
