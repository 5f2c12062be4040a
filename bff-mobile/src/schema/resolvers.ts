import { checkSlug, watchRecommendations, watchStockBadges } from '@shop/bff';
import type { MobileProductTile, Resolvers } from './__generated__/resolvers-types.ts';
import { productDetail } from '../screens/product-detail.ts';
import { categoryScreen, searchScreen } from '../screens/browse.ts';
import { cart, cartAddLine, cartCreate, cartRemoveLine, checkout } from '../screens/cart.ts';
import { account, trackEvent } from '../screens/account.ts';

/** Thin: each field is one screen function. */
export const resolvers: Resolvers = {
  Query: {
    productDetail: (_, { slug, region }, ctx) => (checkSlug(slug), productDetail(ctx, slug, region)),
    categoryScreen: (_, { slug, region, first, after }, ctx) => categoryScreen(ctx, slug, region, first ?? 20, after),
    searchScreen: (_, { query, region, first, after }, ctx) => searchScreen(ctx, query, region, first ?? 20, after),
    cart: (_, { cartId }, ctx) => cart(ctx, cartId),
    account: (_, { region }, ctx) => account(ctx, region),
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
      resolve: (update: { reason: string; items: MobileProductTile[] }) => update,
    },
  },
};
