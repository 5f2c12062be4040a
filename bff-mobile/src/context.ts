import type { BffContext } from '@shop/bff';
import type { MobileProductTile } from './schema/__generated__/resolvers-types.ts';

/** What every bff-mobile resolver gets (see BffContext in @shop/bff). */
export type Context = BffContext<MobileProductTile>;
