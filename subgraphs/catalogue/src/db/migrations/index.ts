import type { Migration } from 'kysely';
import * as createCatalogue from './2026_11_22_120000_create_catalogue.ts';
import * as productEvents from './2026_11_23_120000_product_events.ts';

/** Every migration of this subgraph, in order. */
export const migrations: Record<string, Migration> = {
  '2026_11_22_120000_create_catalogue': createCatalogue,
  '2026_11_23_120000_product_events': productEvents,
};
