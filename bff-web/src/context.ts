import type { BffContext } from '@shop/bff';
import type { WebProductCard } from './schema/__generated__/resolvers-types.ts';

/** What every bff-web resolver gets (see BffContext in @shop/bff). */
export type Context = BffContext<WebProductCard>;
