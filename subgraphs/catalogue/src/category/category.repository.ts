import type { Kysely, Selectable } from 'kysely';
import type { CatalogueDatabase, CategoryTable } from '../db/database.ts';

export type CategoryRow = Selectable<CategoryTable>;

/** SELECT * FROM category ORDER BY parent_id NULLS FIRST, position — the whole tree is small. */
export function listCategories(db: Kysely<CatalogueDatabase>): Promise<CategoryRow[]> {
  return db.selectFrom('category').selectAll().orderBy('parent_id', (o) => o.nullsFirst()).orderBy('position').execute();
}
