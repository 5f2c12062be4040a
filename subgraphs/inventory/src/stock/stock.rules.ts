/** The one place the badge rule lives: 0 is OUT_OF_STOCK, 1 to LOW_STOCK_THRESHOLD is LOW_STOCK. */
export const LOW_STOCK_THRESHOLD = 5;

export type StockBadge = 'IN_STOCK' | 'LOW_STOCK' | 'OUT_OF_STOCK';

export function stockBadge(available: number): StockBadge {
  if (available <= 0) return 'OUT_OF_STOCK';
  if (available <= LOW_STOCK_THRESHOLD) return 'LOW_STOCK';
  return 'IN_STOCK';
}

export interface StockView {
  available: number;
  badge: StockBadge;
}

export function stockView(onHand: number, reserved: number): StockView {
  const available = Math.max(0, onHand - reserved);
  return { available, badge: stockBadge(available) };
}
