import DataLoader from 'dataloader';
import { requestScope } from './request-scope.ts';

/**
 * The one place subgraphs create their per-request DataLoaders, so that every
 * batch is observed the same way: its key count goes to
 * `shop_dataloader_batch_size{loader=name}` of the service serving the request
 * (requestScope carries its metrics). Outside a request nothing is recorded,
 * as the SQL counter's `request` scope leaves background work out.
 * Behaves exactly like `new DataLoader(batch, options)` otherwise.
 */
export function namedLoader<K, V, C = K>(name: string, batch: DataLoader.BatchLoadFn<K, V>, options?: DataLoader.Options<K, V, C>): DataLoader<K, V, C> {
  return new DataLoader<K, V, C>((keys) => {
    requestScope.getStore()?.metrics?.dataloaderBatchSize.observe({ loader: name }, keys.length);
    return batch(keys);
  }, options);
}

/** Helpers for DataLoader batch functions: rows back in the order of the keys. */

/** One row (or null) per key. */
export function byKey<K, V>(keys: readonly K[], rows: readonly V[], key: (row: V) => K): (V | null)[] {
  const map = new Map(rows.map((r) => [key(r), r]));
  return keys.map((k) => map.get(k) ?? null);
}

/** All rows per key, in the rows' order. */
export function groupBy<K, V>(keys: readonly K[], rows: readonly V[], key: (row: V) => K): V[][] {
  const map = new Map<K, V[]>();
  for (const r of rows) {
    const k = key(r);
    const list = map.get(k);
    if (list) list.push(r);
    else map.set(k, [r]);
  }
  return keys.map((k) => map.get(k) ?? []);
}
