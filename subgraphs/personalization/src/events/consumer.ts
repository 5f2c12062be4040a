import { EventType, type Bus, type EventEnvelope, type Subscription } from '@shop/platform';
import { recordOrderPlaced } from '../interaction/interaction.service.ts';
import type { Recommender } from '../recommend/recommend.service.ts';
import { handleStockChanged } from '../stock/stock.service.ts';

/** The durable consumer group of this service on the bus: replicas share its events. */
export const CONSUMER_GROUP = 'personalization';
export const CONSUMED_TYPES = [EventType.orderPlaced, EventType.stockChanged];

/**
 * Handles one event from the bus. A malformed event (its data fails
 * validation) is logged and dropped, since retrying cannot fix it; anything
 * else that throws (the database) leaves it undelivered, to be retried.
 * Both handlers are idempotent: by derived event id (orders) and by version (stock).
 */
export function createEventHandler(rec: Recommender): (event: EventEnvelope) => Promise<void> {
  return async (event) => {
    try {
      if (event.type === EventType.orderPlaced) {
        const result = await recordOrderPlaced(rec, event);
        rec.logger.debug({ eventId: event.id, recorded: result.recorded, refreshed: result.refresh.events.length }, 'order placed');
      } else if (event.type === EventType.stockChanged) {
        await handleStockChanged(rec, event);
      }
    } catch (err) {
      if (err instanceof TypeError && /^data\./.test(err.message)) {
        rec.logger.warn({ eventId: event.id, type: event.type, err: err.message }, 'dropping a malformed event');
        return;
      }
      throw err;
    }
  };
}

export function startConsumer(bus: Bus, rec: Recommender): Promise<Subscription> {
  return bus.subscribe({ group: CONSUMER_GROUP, types: CONSUMED_TYPES, handler: createEventHandler(rec) });
}
