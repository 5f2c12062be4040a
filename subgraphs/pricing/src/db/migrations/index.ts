import type { Migration } from 'kysely';
import * as createPricing from './2026_11_22_120000_create_pricing.ts';
import * as priceEvents from './2026_11_23_120000_price_events.ts';

/** Every migration of this subgraph, in order. */
export const migrations: Record<string, Migration> = {
  '2026_11_22_120000_create_pricing': createPricing,
  '2026_11_23_120000_price_events': priceEvents,
};
