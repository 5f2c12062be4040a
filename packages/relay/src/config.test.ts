import { describe, expect, it } from 'vitest';
import { parseRelayEnv, parseSources } from './config.ts';

describe('parseSources', () => {
  it('reads name=url pairs in order, splitting only at the first =', () => {
    expect(parseSources(' inventory=postgres://u:p@db:5432/shop_inventory , orders=postgresql://db/shop_orders?sslmode=require ')).toEqual([
      { name: 'inventory', url: 'postgres://u:p@db:5432/shop_inventory' },
      { name: 'orders', url: 'postgresql://db/shop_orders?sslmode=require' },
    ]);
  });

  it.each([
    ['', 'at least one'],
    ['postgres://db/shop', 'not a source name'],
    ['=postgres://db/shop', 'not a source name'],
    ['Inventory=postgres://db/shop', 'not a source name'],
    ['inventory=redis://db', 'must be postgres://'],
    ['inventory=postgres://db/a,inventory=postgres://db/b', 'listed twice'],
  ])('refuses %j', (value, message) => {
    expect(() => parseSources(value)).toThrow(message);
  });
});

describe('parseRelayEnv', () => {
  const sources = 'inventory=postgres://db/shop_inventory';

  it('takes the PostgreSQL bus and the defaults', () => {
    expect(parseRelayEnv({ RELAY_SOURCES: sources, BUS_DATABASE_URL: 'postgres://db/shop_bus' })).toMatchObject({
      PORT: 4300,
      LOG_LEVEL: 'info',
      RELAY_BATCH_SIZE: 100,
      RELAY_POLL_INTERVAL_MS: 1_000,
      BUS_STREAM_PREFIX: 'shop:events:',
      RELAY_SOURCES: [{ name: 'inventory', url: 'postgres://db/shop_inventory' }],
    });
  });

  it('needs no bus database with Redis', () => {
    expect(parseRelayEnv({ RELAY_SOURCES: sources, REDIS_URL: 'redis://cache:6379' }).REDIS_URL).toBe('redis://cache:6379');
  });

  it('names BUS_DATABASE_URL when there is no bus at all', () => {
    expect(() => parseRelayEnv({ RELAY_SOURCES: sources })).toThrow(/BUS_DATABASE_URL: required when REDIS_URL is not set/);
  });

  it('names each bad variable', () => {
    const bad = () => parseRelayEnv({ RELAY_SOURCES: 'nope', PORT: 'x', REDIS_URL: 'redis://c' });
    expect(bad).toThrow(/^  RELAY_SOURCES: .*not a source name/m);
    expect(bad).toThrow(/^  PORT: /m);
  });
});
