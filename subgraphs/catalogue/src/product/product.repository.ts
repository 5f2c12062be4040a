import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { CatalogueDatabase, ProductImageTable, ProductTable, VariantTable } from '../db/database.ts';

/** What the Product resolvers get; the version is only read where a change is made. */
export type ProductRow = Omit<Selectable<ProductTable>, 'search' | 'version'>;
/** A product row as a change locks and writes it, with the version its events carry. */
export type VersionedProductRow = ProductRow & { version: number };
export type VariantRow = Selectable<VariantTable>;
export type ImageRow = Selectable<ProductImageTable>;
type Db = Kysely<CatalogueDatabase>;

const productColumns = ['id', 'slug', 'title', 'description', 'brand', 'category_id', 'tags', 'created_at'] as const;

/** SELECT … FROM product WHERE id = ANY($1) */
export function findProductsByIds(db: Db, ids: readonly string[]): Promise<ProductRow[]> {
  return db.selectFrom('product').select(productColumns).where('id', '=', sql<string>`ANY(${ids})`).execute();
}

/** SELECT … FROM product WHERE slug = ANY($1) */
export function findProductsBySlugs(db: Db, slugs: readonly string[]): Promise<ProductRow[]> {
  return db.selectFrom('product').select(productColumns).where('slug', '=', sql<string>`ANY(${slugs})`).execute();
}

/** SELECT … FROM variant WHERE product_id = ANY($1) ORDER BY product_id, position */
export function findVariantsByProductIds(db: Db, productIds: readonly string[]): Promise<VariantRow[]> {
  return db.selectFrom('variant').selectAll().where('product_id', '=', sql<string>`ANY(${productIds})`).orderBy('product_id').orderBy('position').execute();
}

/** SELECT … FROM variant WHERE sku = ANY($1) */
export function findVariantsBySkus(db: Db, skus: readonly string[]): Promise<VariantRow[]> {
  return db.selectFrom('variant').selectAll().where('sku', '=', sql<string>`ANY(${skus})`).execute();
}

/** SELECT … FROM product_image WHERE product_id = ANY($1) ORDER BY product_id, position */
export function findImagesByProductIds(db: Db, productIds: readonly string[]): Promise<ImageRow[]> {
  return db.selectFrom('product_image').selectAll().where('product_id', '=', sql<string>`ANY(${productIds})`).orderBy('product_id').orderBy('position').execute();
}

export interface ProductListFilter {
  categoryIds?: readonly string[];
  brand?: string;
  tag?: string;
}

function filtered(db: Db, filter: ProductListFilter) {
  let q = db.selectFrom('product');
  if (filter.categoryIds) q = q.where('category_id', '=', sql<string>`ANY(${filter.categoryIds})`);
  if (filter.brand !== undefined) q = q.where('brand', '=', filter.brand);
  if (filter.tag !== undefined) q = q.where(sql<boolean>`tags @> ARRAY[${filter.tag}]::text[]`);
  return q;
}

/** SELECT … FROM product WHERE <filter> AND id > $after ORDER BY id LIMIT $limit (keyset paging) */
export function pageProducts(db: Db, filter: ProductListFilter, afterId: string | undefined, limit: number): Promise<ProductRow[]> {
  let q = filtered(db, filter).select(productColumns);
  if (afterId !== undefined) q = q.where('id', '>', afterId);
  return q.orderBy('id').limit(limit).execute();
}

/** SELECT count(*) FROM product WHERE <filter> */
export async function countProducts(db: Db, filter: ProductListFilter): Promise<number> {
  const row = await filtered(db, filter).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Full-text search with typo tolerance:
 *   WHERE search @@ websearch_to_tsquery('english', $q) OR $q <% title
 *   ORDER BY (lower(title) = lower($q)) DESC, ts_rank_cd(search, tsq) DESC, word_similarity($q, title) DESC, id
 * An exact title always comes first; then lexical rank; then trigram closeness.
 */
export function searchProducts(db: Db, query: string, offset: number, limit: number): Promise<ProductRow[]> {
  return db
    .selectFrom('product')
    .select(productColumns)
    .where(sql<boolean>`search @@ websearch_to_tsquery('english', ${query}) OR ${query} <% title`)
    .orderBy(sql`lower(title) = lower(${query})`, 'desc')
    .orderBy(sql`ts_rank_cd(search, websearch_to_tsquery('english', ${query}))`, 'desc')
    .orderBy(sql`word_similarity(${query}, title)`, 'desc')
    .orderBy('id')
    .offset(offset)
    .limit(limit)
    .execute();
}

/** SELECT count(*) FROM product WHERE search @@ websearch_to_tsquery('english', $q) OR $q <% title */
export async function countSearch(db: Db, query: string): Promise<number> {
  const row = await db
    .selectFrom('product')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where(sql<boolean>`search @@ websearch_to_tsquery('english', ${query}) OR ${query} <% title`)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** SELECT id, slug, title, description, brand, category_id, tags, created_at, version FROM product WHERE id = $1 FOR UPDATE: the lock every change of a product takes first. */
export function lockProduct(trx: Transaction<CatalogueDatabase>, id: string): Promise<VersionedProductRow | undefined> {
  return trx.selectFrom('product').select([...productColumns, 'version']).where('id', '=', id).forUpdate().executeTakeFirst();
}

/**
 * UPDATE product SET title = $2, description = $3, version = version + 1 WHERE id = $1
 * RETURNING id, slug, title, description, brand, category_id, tags, created_at, version
 * (the generated `search` column follows title and description by itself).
 */
export function updateProductContent(trx: Transaction<CatalogueDatabase>, id: string, content: { title: string; description: string }): Promise<VersionedProductRow> {
  return trx
    .updateTable('product')
    .set({ title: content.title, description: content.description, version: sql`version + 1` })
    .where('id', '=', id)
    .returning([...productColumns, 'version'])
    .executeTakeFirstOrThrow();
}
