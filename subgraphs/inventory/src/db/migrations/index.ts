import type { Migration } from 'kysely';
import * as createInventory from './2026_11_22_120000_create_inventory.ts';
import * as createReservation from './2026_11_22_130000_create_reservation.ts';

/** Every migration of this subgraph, in order. */
export const migrations: Record<string, Migration> = {
  '2026_11_22_120000_create_inventory': createInventory,
  '2026_11_22_130000_create_reservation': createReservation,
};
