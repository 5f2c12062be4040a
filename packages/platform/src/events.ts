/**
 * The one list of event types, and the envelope every event travels in
 * (ARCHITECTURE.md, "Writes, sagas and events"). Producers write envelopes to
 * their outbox in the same transaction as the change; the relay publishes them
 * to the bus at least once; consumers are idempotent by `id`.
 */
export const EventType = {
  stockChanged: 'inventory.stock.changed',
  priceChanged: 'pricing.price.changed',
  productChanged: 'catalogue.product.changed',
  orderPlaced: 'orders.order.placed',
  interactionRecorded: 'personalization.interaction.recorded',
  recommendationsRefreshed: 'personalization.recommendations.refreshed',
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];
const EVENT_TYPES = new Set<string>(Object.values(EventType));

export interface EventEnvelope<T = unknown> {
  /** Unique per event (uuid); consumers deduplicate by it. */
  id: string;
  type: EventType;
  /** The producing service, e.g. `inventory`. */
  source: string;
  /** ISO 8601 time of the change. */
  time: string;
  /** The aggregate the event is about, e.g. `SKU-000001-1:EU` or an order id. */
  subject: string;
  /** Grows with every change of the subject; a consumer ignores a version it has passed. */
  version: number;
  data: T;
}

export interface StockChangedData {
  sku: string;
  region: string;
  available: number;
  badge: 'IN_STOCK' | 'LOW_STOCK' | 'OUT_OF_STOCK';
  /** What changed it: reservation, release, expiry, commit, adjustment. */
  reason: string;
}

/**
 * `pricing.price.changed`: a sku's price in a region, after the change. Amounts
 * are decimal strings in the region's currency, as `Money.amount` ("19.90");
 * `compareAt` is null when the sku is not on sale.
 */
export interface PriceChangedData { sku: string; productId: string; region: string; amount: string; compareAt: string | null; currencyCode: string }

/** `catalogue.product.changed`: a product was created or its content (title, description) changed. */
export interface ProductChangedData { productId: string; slug: string; categoryId: string; change: 'created' | 'updated' }

export interface OrderPlacedData {
  orderId: string;
  userId: string;
  region: string;
  lines: { sku: string; productId: string | null; quantity: number }[];
  totalMinor: number;
  currencyCode: string;
}

/** Checks an envelope from the wire; throws naming the first bad field. */
export function validateEnvelope(value: unknown): EventEnvelope {
  if (typeof value !== 'object' || value === null) throw new TypeError('event: must be an object');
  const v = value as Record<string, unknown>;
  for (const field of ['id', 'type', 'source', 'time', 'subject'] as const) {
    if (typeof v[field] !== 'string' || (v[field] as string).length === 0) throw new TypeError(`event.${field}: must be a non-empty string`);
  }
  if (!EVENT_TYPES.has(v.type as string)) throw new TypeError(`event.type: unknown type "${String(v.type)}"`);
  if (typeof v.version !== 'number' || !Number.isSafeInteger(v.version) || v.version < 0) throw new TypeError('event.version: must be a non-negative integer');
  if (!('data' in v)) throw new TypeError('event.data: missing');
  return v as unknown as EventEnvelope;
}
