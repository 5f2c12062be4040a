import { describe, expect, it } from 'vitest';
import { namedLoader } from './batch.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { requestScope } from './request-scope.ts';

/** A sample of the histogram as /metrics serves it (`count`, `sum`, or `bucket` with its `le`); 0 when absent. */
async function sample(metrics: Metrics, loader: string, suffix: 'count' | 'sum' | 'bucket', le?: string): Promise<number> {
  const text = await metrics.registry.metrics();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`shop_dataloader_batch_size_${suffix}{`) && l.includes(`loader="${loader}"`) && (le === undefined || l.includes(`le="${le}"`)));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** Batches and keys one loader has recorded. */
async function batches(metrics: Metrics, loader: string): Promise<{ count: number; sum: number }> {
  return { count: await sample(metrics, loader, 'count'), sum: await sample(metrics, loader, 'sum') };
}

describe('namedLoader', () => {
  it('records one observation per batch, with the batch key count, under the loader name, in the serving service metrics', async () => {
    const metrics = createMetrics('test');
    const seen: (readonly number[])[] = [];
    await requestScope.run({ requestId: 'r1', metrics }, async () => {
      const loader = namedLoader<number, number>('double', async (keys) => {
        seen.push(keys);
        return keys.map((k) => k * 2);
      });
      // Three loads in one tick are one batch of three keys; a later load is a second batch of one.
      expect(await Promise.all([loader.load(1), loader.load(2), loader.load(3)])).toEqual([2, 4, 6]);
      expect(await loader.load(4)).toBe(8);
      // A cached key starts no batch.
      expect(await loader.load(1)).toBe(2);
    });
    expect(seen).toEqual([[1, 2, 3], [4]]);
    expect(await batches(metrics, 'double')).toEqual({ count: 2, sum: 4 });
    // Bucket le="2" holds only the one-key batch, le="5" both.
    expect(await sample(metrics, 'double', 'bucket', '2')).toBe(1);
    expect(await sample(metrics, 'double', 'bucket', '5')).toBe(2);
  });

  it('keeps DataLoader options (cacheKeyFn) and records nothing outside a request', async () => {
    const metrics = createMetrics('test');
    const loader = namedLoader<{ id: number }, number, number>('byObject', async (keys) => keys.map((k) => k.id), { cacheKeyFn: (k) => k.id });
    expect(await Promise.all([loader.load({ id: 7 }), loader.load({ id: 7 })])).toEqual([7, 7]);
    expect(await batches(metrics, 'byObject')).toEqual({ count: 0, sum: 0 });
    await requestScope.run({ requestId: 'r2', metrics }, () => loader.load({ id: 8 }));
    expect(await batches(metrics, 'byObject')).toEqual({ count: 1, sum: 1 });
  });
});
