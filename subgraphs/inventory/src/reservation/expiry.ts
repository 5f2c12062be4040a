import type { Kysely } from 'kysely';
import type { Logger, RegionCode } from '@shop/platform';
import type { InventoryDatabase } from '../db/database.ts';
import { StockChangeReason } from '../stock/stock.events.ts';
import { finishHeld, lockExpiredHeld } from './reservation.repository.ts';
import { giveBack } from './reservation.service.ts';

export interface SweptReservation {
  id: string;
  cartId: string;
  sku: string;
  region: RegionCode;
  quantity: number;
}

/**
 * Gives back up to `limit` HELD reservations whose expiry has passed, oldest
 * first, in one transaction: locks them (SKIP LOCKED, so concurrent sweepers
 * share the work and a cart being committed or released is left to that
 * call), marks them EXPIRED and returns their units to `reserved`, one
 * `inventory.stock.changed` (reason `expiry`) per sku and region. Units are
 * given back only for the rows this call moved out of HELD, so a hold that a
 * commit or another sweeper finished first is never given back twice.
 *
 * @returns the reservations this call expired
 */
export async function sweepExpired(db: Kysely<InventoryDatabase>, limit: number): Promise<SweptReservation[]> {
  return db.transaction().execute(async (trx) => {
    const locked = await lockExpiredHeld(trx, limit);
    const expired = await finishHeld(trx, locked.map((r) => r.id), 'EXPIRED');
    // Summed per level row and taken in (sku, region) order: the lock order every write follows.
    const perLevel = new Map<string, { sku: string; region: RegionCode; quantity: number }>();
    for (const r of expired) {
      const key = `${r.sku}\u0000${r.region}`;
      const total = perLevel.get(key);
      if (total) total.quantity += r.quantity;
      else perLevel.set(key, { sku: r.sku, region: r.region, quantity: r.quantity });
    }
    for (const key of [...perLevel.keys()].sort()) await giveBack(trx, perLevel.get(key)!, StockChangeReason.expiry);
    return expired.map((r) => ({ id: r.id, cartId: r.cart_id, sku: r.sku, region: r.region, quantity: r.quantity }));
  });
}

export interface ExpirySweeperOptions {
  /** Pause between sweeps. @default 1_000 // 1 second (RESERVATION_SWEEP_INTERVAL_MS) */
  intervalMs?: number;
  /** Reservations per transaction; a full batch is followed by another at once. @default 500 */
  batchSize?: number;
  logger: Logger;
}

export interface ExpirySweeper {
  /** Stops the timer and waits for a sweep in progress, so the pool can close after it. */
  stop(): Promise<void>;
}

/**
 * Sweeps expired reservations every `intervalMs` until stopped. Sweeps never
 * overlap within one process (the next is scheduled when one ends); several
 * processes may sweep at once. A failed sweep is logged and the next one
 * tries again.
 */
export function startExpirySweeper(db: Kysely<InventoryDatabase>, options: ExpirySweeperOptions): ExpirySweeper {
  const intervalMs = options.intervalMs ?? 1_000;
  const batchSize = options.batchSize ?? 500;
  const { logger } = options;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const sweep = async () => {
    try {
      for (;;) {
        const swept = await sweepExpired(db, batchSize);
        if (swept.length > 0) logger.info({ count: swept.length }, 'expired reservations given back');
        if (swept.length < batchSize || stopped) break;
      }
    } catch (err) {
      logger.error({ err }, 'expiry sweep failed');
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = sweep().finally(schedule);
    }, intervalMs);
    // The HTTP server keeps the process alive, not this timer.
    timer.unref();
  };
  schedule();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
