import { randomUUID } from 'node:crypto';
import { badUserInput, unauthenticated, type EventEnvelope } from '@shop/platform';
import type { InteractionType } from '../db/database.ts';
import { appendEvents, interactionRecorded, uuidFromName, validateOrderPlaced } from '../events/events.ts';
import { BLEND } from '../recommend/blend.ts';
import { beginUserRefresh, publishLists, refreshUser, type RefreshOutcome, type Recommender } from '../recommend/recommend.service.ts';
import { productsOfSkus, recordInteractionRows } from './interaction.repository.ts';

export interface NewInteraction {
  /** Idempotency key: an event id recorded before records nothing. */
  eventId: string;
  productId: string;
  type: InteractionType;
  occurredAt: Date;
}

export interface RecordResult {
  /** Interactions newly recorded (0 for a replay). */
  recorded: number;
  refresh: RefreshOutcome;
}

/**
 * Records a shopper's interactions and brings everything that depends on them
 * up to date in one transaction: the interactions (idempotent by event id),
 * the shopper's affinities, the products' popularity, the shopper's candidates
 * and their lists in every region they have one in, and the outbox
 * (`interaction.recorded` per interaction, then `recommendations.refreshed`
 * per list that changed). After commit the cache gets the new lists.
 * Products personalization does not know are skipped.
 */
export async function recordInteractions(rec: Recommender, userId: string, interactions: NewInteraction[]): Promise<RecordResult> {
  const result = await rec.db.transaction().execute(async (trx): Promise<RecordResult> => {
    await beginUserRefresh(trx, userId);
    const known = await rec.features.get(trx, interactions.map((i) => i.productId));
    const inserted = await recordInteractionRows(
      trx,
      userId,
      interactions.filter((i) => known.has(i.productId)).map((i) => ({ ...i, weight: BLEND.interaction[i.type] })),
      BLEND.halfLifeDays,
    );
    if (inserted.length === 0) return { recorded: 0, refresh: { lists: [], events: [] } };
    const refresh = await refreshUser(rec, trx, userId);
    await appendEvents(trx, [...inserted.map(interactionRecorded), ...refresh.events]);
    return { recorded: inserted.length, refresh };
  });
  await publishLists(rec, result.refresh);
  return result;
}

/**
 * `trackEvent`: the signed-in shopper's interaction, now. UNAUTHENTICATED
 * when anonymous; BAD_USER_INPUT naming `productId` for a product
 * personalization does not know (and nothing is recorded).
 */
export async function trackEvent(rec: Recommender, userId: string | undefined, input: { type: InteractionType; productId: string }, eventId: string = randomUUID()): Promise<{ accepted: boolean }> {
  if (!userId) throw unauthenticated();
  if (typeof input.productId !== 'string' || input.productId.length === 0 || input.productId.length > 100) throw badUserInput('productId', 'must be a product id');
  if (!(await rec.features.get(rec.db, [input.productId])).has(input.productId)) throw badUserInput('productId', `no product "${input.productId}"`);
  await recordInteractions(rec, userId, [{ eventId, productId: input.productId, type: input.type, occurredAt: new Date(rec.now()) }]);
  return { accepted: true };
}

/**
 * `orders.order.placed`: a PURCHASE per product of the order, each with an
 * event id derived from the order event's id and the product, so a
 * redelivered event records nothing twice. Lines without a product id are
 * resolved through sku_stock.
 */
export async function recordOrderPlaced(rec: Recommender, event: EventEnvelope): Promise<RecordResult> {
  const order = validateOrderPlaced(event.data);
  const missing = order.lines.filter((l) => !l.productId).map((l) => l.sku);
  const bySku = await productsOfSkus(rec.db, missing);
  const productIds = new Set(order.lines.map((l) => l.productId ?? bySku.get(l.sku)).filter((id): id is string => !!id));
  const at = new Date(event.time);
  return recordInteractions(
    rec,
    order.userId,
    [...productIds].map((productId) => ({ eventId: uuidFromName(`${event.id}:${productId}`), productId, type: 'PURCHASE' as const, occurredAt: Number.isNaN(at.getTime()) ? new Date(rec.now()) : at })),
  );
}
