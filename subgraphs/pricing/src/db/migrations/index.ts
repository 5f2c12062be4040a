import type { Migration } from 'kysely';
import * as createPricing from './2026_11_22_120000_create_pricing.ts';

/** Every migration of this subgraph, in order. */
export const migrations: Record<string, Migration> = {
  '2026_11_22_120000_create_pricing': createPricing,
};
