import type { Generated } from 'kysely';
import type { RegionCode } from '@shop/platform';

export interface LocationTable {
  code: string;
  name: string;
  region: RegionCode;
}

/** Which product a sku belongs to, so that product-level questions need no other service. */
export interface InventoryItemTable {
  sku: string;
  product_id: string;
}

/** Units on hand per sku and warehouse. CHECK (on_hand >= 0). */
export interface LocationStockTable {
  sku: string;
  location_code: string;
  on_hand: number;
}

/**
 * The sku's level in a region: on hand summed over the region's locations and
 * units held by carts. Kept in the same transaction as location_stock so that
 * a reservation is one conditional UPDATE of one row; CHECK (reserved <= on_hand)
 * is the last guard against overselling.
 */
export interface InventoryLevelTable {
  sku: string;
  region: RegionCode;
  on_hand: number;
  reserved: Generated<number>;
  /** Grows with every change; stock events carry it. */
  version: Generated<number>;
}

export interface StockAdjustmentTable {
  id: Generated<number>;
  sku: string;
  location_code: string;
  delta: number;
  reason: string;
  created_at: Generated<Date>;
}

/** A reservation's life: HELD, then exactly one of COMMITTED (checkout), RELEASED (the cart gave it back) or EXPIRED (the sweeper did). */
export type ReservationStatus = 'HELD' | 'COMMITTED' | 'RELEASED' | 'EXPIRED';

/**
 * Units of a sku a cart holds in a region until `expires_at`. While HELD its
 * quantity is counted in `inventory_level.reserved`; at most one HELD row per
 * cart and sku (partial unique index). CHECK (quantity > 0).
 */
export interface ReservationTable {
  id: Generated<string>;
  cart_id: string;
  sku: string;
  region: RegionCode;
  quantity: number;
  status: ReservationStatus;
  expires_at: Date;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** Events written in the transaction of the change they describe (`createOutboxTable` in @shop/platform); the relay publishes them. */
export interface OutboxTable {
  seq: Generated<number>;
  id: string;
  type: string;
  source: string;
  subject: string;
  version: number;
  data: unknown;
  time: Generated<Date>;
  published_at: Date | null;
}

export interface InventoryDatabase {
  location: LocationTable;
  inventory_item: InventoryItemTable;
  location_stock: LocationStockTable;
  inventory_level: InventoryLevelTable;
  stock_adjustment: StockAdjustmentTable;
  reservation: ReservationTable;
  outbox: OutboxTable;
}
