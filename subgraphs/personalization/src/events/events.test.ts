import { describe, expect, it } from 'vitest';
import { uuidFromName, validateOrderPlaced, validateStockChanged } from './events.ts';

describe('incoming event data', () => {
  it('accepts a stock change and names the first bad field otherwise', () => {
    expect(validateStockChanged({ sku: 'SKU-1', region: 'EU', available: 0, badge: 'OUT_OF_STOCK' })).toEqual({ sku: 'SKU-1', region: 'EU', available: 0 });
    expect(() => validateStockChanged({ region: 'EU', available: 1 })).toThrow('data.sku');
    expect(() => validateStockChanged({ sku: 'S', region: 'XX', available: 1 })).toThrow('data.region');
    expect(() => validateStockChanged({ sku: 'S', region: 'EU', available: -1 })).toThrow('data.available');
    expect(() => validateStockChanged(null)).toThrow('data.sku');
  });

  it('accepts an order and names the first bad field otherwise', () => {
    expect(validateOrderPlaced({ orderId: 'o', userId: 'u', region: 'US', lines: [{ sku: 'S', productId: 'p', quantity: 1 }, { sku: 'T', productId: null }] })).toEqual({
      orderId: 'o',
      userId: 'u',
      region: 'US',
      lines: [
        { sku: 'S', productId: 'p' },
        { sku: 'T', productId: null },
      ],
    });
    expect(() => validateOrderPlaced({ orderId: 'o', lines: [] })).toThrow('data.userId');
    expect(() => validateOrderPlaced({ orderId: 'o', userId: 'u', lines: [{}] })).toThrow('data.lines[0].sku');
  });
});

describe('uuidFromName', () => {
  it('is stable, uuid-shaped and different per name', () => {
    const a = uuidFromName('event-1:prod_000001');
    expect(a).toBe(uuidFromName('event-1:prod_000001'));
    expect(a).not.toBe(uuidFromName('event-1:prod_000002'));
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
