import type { SubgraphBaseContext } from '@shop/platform';
import type { Loaders } from './recommend/recommend.loaders.ts';
import type { Recommender } from './recommend/recommend.service.ts';

export interface Context extends SubgraphBaseContext {
  /** The process-wide recommender: database, cache and settings. */
  recommender: Recommender;
  loaders: Loaders;
}
