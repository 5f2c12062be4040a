import type { Migration } from 'kysely';
import * as createOrders from './2026_11_22_140000_create_orders.ts';

/** Every migration of this subgraph, in order. */
export const migrations: Record<string, Migration> = {
  '2026_11_22_140000_create_orders': createOrders,
};
