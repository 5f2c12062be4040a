import type { Transaction } from 'kysely';
import { appendToOutbox, EventType, type EventEnvelope, type ProductChangedData } from '@shop/platform';
import type { CatalogueDatabase } from '../db/database.ts';
import type { VersionedProductRow } from './product.repository.ts';

/** The producer name on every event this subgraph writes. */
export const EVENT_SOURCE = 'catalogue';

/** What happened to the product: `data.change` of `catalogue.product.changed`. */
export const ProductChange = {
  created: 'created',
  updated: 'updated',
} as const satisfies Record<string, ProductChangedData['change']>;
export type ProductChange = (typeof ProductChange)[keyof typeof ProductChange];

/**
 * Appends `catalogue.product.changed` (subject: the product id) for a product
 * row the caller has just written in `trx` (pass the row its INSERT or UPDATE …
 * RETURNING gave back): the event carries that row's version, so it exists
 * exactly when the change commits and its version grows with every change.
 */
export function appendProductChanged(trx: Transaction<CatalogueDatabase>, product: VersionedProductRow, change: ProductChange): Promise<EventEnvelope<ProductChangedData>> {
  return appendToOutbox<ProductChangedData>(trx, {
    type: EventType.productChanged,
    source: EVENT_SOURCE,
    subject: product.id,
    version: product.version,
    data: { productId: product.id, slug: product.slug, categoryId: product.category_id, change },
  });
}
