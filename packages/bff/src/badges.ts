/** Inventory's badge values, as the API schema names them. */
export type StockBadge = 'IN_STOCK' | 'LOW_STOCK' | 'OUT_OF_STOCK';
