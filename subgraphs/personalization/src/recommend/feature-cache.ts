import { sql, type Kysely, type Transaction } from 'kysely';
import type { PersonalizationDatabase } from '../db/database.ts';
import type { ItemInfo } from './features.ts';
import { findFeatures, toItem } from './recommend.repository.ts';

/**
 * Product features held in this process: the recommender looks up the
 * category, brand, price band and title of hundreds of candidates per list,
 * and joining them in SQL costs an index probe each. Features change only
 * with the catalogue (the seed, later `catalogue.product.changed`), so entries
 * live `ttlMs` and misses are fetched together in one statement. `warm` loads
 * the whole catalogue at start (about 20 MB for 100,000 products).
 */
export class FeatureCache {
  private readonly entries = new Map<string, { item: ItemInfo; at: number }>();

  constructor(
    /** @default 3_600_000 // 1 hour */
    private readonly ttlMs = 3_600_000,
    /** Entries kept before the cache starts over. @default 250_000 */
    private readonly maxEntries = 250_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Features of `ids` (unknown products are absent from the result); one statement at most. */
  async get(db: Kysely<PersonalizationDatabase> | Transaction<PersonalizationDatabase>, ids: Iterable<string>): Promise<Map<string, ItemInfo>> {
    const now = this.now();
    const out = new Map<string, ItemInfo>();
    const missing: string[] = [];
    for (const id of new Set(ids)) {
      const hit = this.entries.get(id);
      if (hit && now - hit.at < this.ttlMs) out.set(id, hit.item);
      else missing.push(id);
    }
    if (missing.length) {
      if (this.entries.size + missing.length > this.maxEntries) this.entries.clear();
      for (const row of await findFeatures(db, missing)) {
        const item = toItem(row);
        this.entries.set(item.id, { item, at: now });
        out.set(item.id, item);
      }
    }
    return out;
  }

  /** Forget products whose features changed. */
  invalidate(ids: Iterable<string>): void {
    for (const id of ids) this.entries.delete(id);
  }

  /** Loads every product's features, a page at a time (keyset on product_id). Returns how many. */
  async warm(db: Kysely<PersonalizationDatabase>, pageSize = 20_000): Promise<number> {
    let after = '';
    let total = 0;
    for (;;) {
      const { rows } = await sql<{ product_id: string; category_id: string; category_name: string; brand: string; price_band: number; title: string }>`
        SELECT product_id, category_id, category_name, brand, price_band, title FROM product_feature
         WHERE product_id > ${after} ORDER BY product_id LIMIT ${pageSize}`.execute(db);
      const now = this.now();
      if (this.entries.size + rows.length > this.maxEntries) return total;
      for (const row of rows) this.entries.set(row.product_id, { item: toItem(row), at: now });
      total += rows.length;
      if (rows.length < pageSize) return total;
      after = rows[rows.length - 1]!.product_id;
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
