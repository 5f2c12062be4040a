import { validateFirst } from '@shop/platform';
import type { Resolvers } from './__generated__/resolvers-types.ts';
import { trackEvent } from '../interaction/interaction.service.ts';
import { BLEND } from '../recommend/blend.ts';

export const resolvers: Resolvers = {
  Mutation: {
    trackEvent: (_, { input }, ctx) => trackEvent(ctx.recommender, ctx.userId, input),
  },
  Product: {
    __resolveReference: (ref) => ({ id: ref.id }),
    recommendations: async ({ id }, { region, first }, ctx) => {
      const limit = validateFirst(first, BLEND.limits.served);
      return (await ctx.loaders.productRecommendations.load({ productId: id, region })).slice(0, limit);
    },
  },
  User: {
    __resolveReference: (ref) => ({ id: ref.id }),
    recommendations: async ({ id }, { region, first }, ctx) => {
      const limit = validateFirst(first, BLEND.limits.served);
      // A shopper's recommendations are theirs alone.
      if (!ctx.userId || id !== ctx.userId) return null;
      return (await ctx.loaders.userRecommendations.load({ userId: id, region })).slice(0, limit);
    },
  },
  Recommendation: {
    product: (r) => ({ id: r.productId }),
  },
};
