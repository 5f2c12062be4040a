import { createHash } from 'node:crypto';
import type { Transaction } from 'kysely';
import { appendManyToOutbox, EventType, isRegionCode, type EventEnvelope, type NewEvent, type RegionCode } from '@shop/platform';
import type { InteractionType, PersonalizationDatabase } from '../db/database.ts';

/** The producer name on every event this subgraph writes. */
export const EVENT_SOURCE = 'personalization';

/** `personalization.interaction.recorded`: subject the shopper, version the interaction's id (grows per shopper). */
export interface InteractionRecordedData {
  userId: string;
  productId: string;
  type: InteractionType;
  occurredAt: string;
}

/** `personalization.recommendations.refreshed`: subject `<userId>:<region>`, version the list's version. */
export interface RecommendationsRefreshedData {
  userId: string;
  region: RegionCode;
}

export const listSubject = (userId: string, region: string) => `${userId}:${region}`;

export function interactionRecorded(row: { id: number; user_id: string; product_id: string; type: InteractionType; occurred_at: Date }): NewEvent<InteractionRecordedData> {
  return {
    type: EventType.interactionRecorded,
    source: EVENT_SOURCE,
    subject: row.user_id,
    version: Number(row.id),
    data: { userId: row.user_id, productId: row.product_id, type: row.type, occurredAt: new Date(row.occurred_at).toISOString() },
  };
}

export function recommendationsRefreshed(list: { user_id: string; region: RegionCode; version: number }): NewEvent<RecommendationsRefreshedData> {
  return {
    type: EventType.recommendationsRefreshed,
    source: EVENT_SOURCE,
    subject: listSubject(list.user_id, list.region),
    version: Number(list.version),
    data: { userId: list.user_id, region: list.region },
  };
}

/** Appends the events of one change in its transaction (one statement, one relay wake-up). */
export function appendEvents(trx: Transaction<PersonalizationDatabase>, events: NewEvent<unknown>[]): Promise<EventEnvelope<unknown>[]> {
  return appendManyToOutbox(trx, events);
}

/**
 * A name-based uuid (RFC 4122 version 5 layout over SHA-1): the same order
 * event and product always give the same interaction event id, so a replayed
 * `orders.order.placed` finds its rows.
 */
export function uuidFromName(name: string): string {
  const h = createHash('sha1').update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

// ── Incoming events: checked at the door, so a malformed one is logged and skipped, never retried forever ──

export interface StockChange {
  sku: string;
  region: RegionCode;
  available: number;
}

/** `inventory.stock.changed` data; throws naming the first bad field. */
export function validateStockChanged(data: unknown): StockChange {
  const d = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  if (typeof d.sku !== 'string' || !d.sku) throw new TypeError('data.sku: must be a non-empty string');
  if (!isRegionCode(d.region)) throw new TypeError(`data.region: must be a region code, got "${String(d.region)}"`);
  if (typeof d.available !== 'number' || !Number.isInteger(d.available) || d.available < 0) throw new TypeError('data.available: must be a non-negative integer');
  return { sku: d.sku, region: d.region, available: d.available };
}

export interface OrderPlaced {
  orderId: string;
  userId: string;
  region: RegionCode | undefined;
  lines: { sku: string; productId: string | null }[];
}

/** `orders.order.placed` data; throws naming the first bad field. */
export function validateOrderPlaced(data: unknown): OrderPlaced {
  const d = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  if (typeof d.orderId !== 'string' || !d.orderId) throw new TypeError('data.orderId: must be a non-empty string');
  if (typeof d.userId !== 'string' || !d.userId) throw new TypeError('data.userId: must be a non-empty string');
  if (!Array.isArray(d.lines)) throw new TypeError('data.lines: must be an array');
  const lines = d.lines.map((l: unknown, i) => {
    const line = (typeof l === 'object' && l !== null ? l : {}) as Record<string, unknown>;
    if (typeof line.sku !== 'string' || !line.sku) throw new TypeError(`data.lines[${i}].sku: must be a non-empty string`);
    if (line.productId != null && typeof line.productId !== 'string') throw new TypeError(`data.lines[${i}].productId: must be a string or null`);
    return { sku: line.sku, productId: (line.productId as string | null | undefined) ?? null };
  });
  return { orderId: d.orderId, userId: d.userId, region: isRegionCode(d.region) ? d.region : undefined, lines };
}
