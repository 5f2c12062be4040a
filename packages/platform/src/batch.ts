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
