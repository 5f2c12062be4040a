import { namedLoader, type RegionCode } from '@shop/platform';
import type { StoredRecommendation } from '../db/database.ts';
import { productRecommendations, userRecommendations, type Recommender } from './recommend.service.ts';

/** Per request: every product page list of an operation in one batch (at most three statements), cached shopper lists by key. */
export function createLoaders(rec: Recommender) {
  return {
    userRecommendations: namedLoader<{ userId: string; region: RegionCode }, StoredRecommendation[], string>(
      'userRecommendations',
      (keys) => Promise.all(keys.map((k) => userRecommendations(rec, k.userId, k.region))),
      { cacheKeyFn: (k) => `${k.userId}|${k.region}` },
    ),
    productRecommendations: namedLoader<{ productId: string; region: RegionCode }, StoredRecommendation[], string>('productRecommendations', (keys) => productRecommendations(rec, keys), {
      cacheKeyFn: (k) => `${k.productId}|${k.region}`,
    }),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;
