/** Pure rules of cart reservations: no I/O, unit-tested in reservation.rules.test.ts. */

/** @default 900 // 15 minutes; the service default comes from RESERVATION_TTL_SECONDS */
export const DEFAULT_RESERVATION_TTL_SECONDS = 900;
/** The longest hold a caller may ask for: 86_400 // 1 day */
export const MAX_RESERVATION_TTL_SECONDS = 86_400;
export const MAX_CART_ID_LENGTH = 200;
/** Most lines one reserveStockLines call takes: more than a cart may hold (orders allows 50). */
export const MAX_RESERVE_LINES = 100;

export interface LocationUnits {
  location_code: string;
  on_hand: number;
}
export interface LocationTake {
  locationCode: string;
  quantity: number;
}

/**
 * Which warehouses of a region ship `quantity` sold units: the location with
 * the most on hand first, spilling over to the next fullest (ties by code, so
 * the choice is deterministic). Throws when the locations hold fewer units
 * than asked: the regional level and its locations disagree, which no
 * request can fix.
 */
export function allocateFromLocations(locations: readonly LocationUnits[], quantity: number): LocationTake[] {
  const byFullest = [...locations].filter((l) => l.on_hand > 0).sort((a, b) => b.on_hand - a.on_hand || a.location_code.localeCompare(b.location_code));
  const takes: LocationTake[] = [];
  let remaining = quantity;
  for (const l of byFullest) {
    if (remaining === 0) break;
    const take = Math.min(remaining, l.on_hand);
    takes.push({ locationCode: l.location_code, quantity: take });
    remaining -= take;
  }
  if (remaining > 0) throw new Error(`Locations hold ${quantity - remaining} units, ${quantity} were sold: inventory_level and location_stock disagree`);
  return takes;
}
