import type { Transaction } from 'kysely';
import { appendToOutbox, EventType, minorToDecimal, type EventEnvelope, type PriceChangedData } from '@shop/platform';
import type { PricingDatabase } from '../db/database.ts';
import type { VersionedPriceRow } from './price.repository.ts';

/** The producer name on every event this subgraph writes. */
export const EVENT_SOURCE = 'pricing';

/** The subject of a sku's price events in a region, e.g. `SKU-000001-1:EU`. */
export const priceSubject = (sku: string, region: string) => `${sku}:${region}`;

/**
 * Appends `pricing.price.changed` for a price row the caller has just changed
 * in `trx` (pass the row its UPDATE … RETURNING gave back): the event carries
 * that row's version, so it exists exactly when the change commits and its
 * version grows with every change of the sku's price in the region.
 */
export function appendPriceChanged(trx: Transaction<PricingDatabase>, row: Omit<VersionedPriceRow, 'tax_included'>): Promise<EventEnvelope<PriceChangedData>> {
  return appendToOutbox<PriceChangedData>(trx, {
    type: EventType.priceChanged,
    source: EVENT_SOURCE,
    subject: priceSubject(row.sku, row.region),
    version: row.version,
    data: {
      sku: row.sku,
      productId: row.product_id,
      region: row.region,
      amount: minorToDecimal(row.amount_minor, row.currency_code),
      compareAt: row.compare_at_minor === null ? null : minorToDecimal(row.compare_at_minor, row.currency_code),
      currencyCode: row.currency_code,
    },
  });
}
