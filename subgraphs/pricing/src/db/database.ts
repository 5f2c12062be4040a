import type { ColumnType, Generated } from 'kysely';
import type { RegionCode } from '@shop/platform';

export interface RegionTable {
  code: RegionCode;
  name: string;
  currency_code: string;
  tax_included: boolean;
  /** 2000 = 20.00% */
  tax_rate_bp: number;
  locale: string;
}

/**
 * A variant's price in a region's own price list, in integer minor units.
 * (region, currency_code) references region, so a price can never be in
 * another currency than its region's.
 */
export interface PriceTable {
  sku: string;
  region: RegionCode;
  product_id: string;
  currency_code: string;
  amount_minor: ColumnType<number, number, number>;
  compare_at_minor: number | null;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
  /** Grows with every change; `pricing.price.changed` events carry it. */
  version: Generated<number>;
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

export interface PricingDatabase {
  region: RegionTable;
  price: PriceTable;
  outbox: OutboxTable;
}
