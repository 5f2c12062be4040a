import type { Kysely } from 'kysely';
import { byKey, groupBy, namedLoader } from '@shop/platform';
import type { CatalogueDatabase } from '../db/database.ts';
import { listCategories } from '../category/category.repository.ts';
import { CategoryTree } from '../category/category.service.ts';
import {
  findImagesByProductIds, findProductsByIds, findProductsBySlugs, findVariantsByProductIds, findVariantsBySkus,
  type ImageRow, type ProductRow, type VariantRow,
} from './product.repository.ts';

/** One set per request: every lookup a resolver makes is batched into one statement per kind. */
export function createLoaders(db: Kysely<CatalogueDatabase>) {
  let tree: Promise<CategoryTree> | undefined;
  const productById = namedLoader<string, ProductRow | null>('productById', async (ids) => byKey(ids, await findProductsByIds(db, ids), (r) => r.id));
  const productBySlug = namedLoader<string, ProductRow | null>('productBySlug', async (slugs) => {
    const rows = await findProductsBySlugs(db, slugs);
    for (const r of rows) productById.prime(r.id, r);
    return byKey(slugs, rows, (r) => r.slug);
  });
  return {
    productById,
    productBySlug,
    variantsByProductId: namedLoader<string, VariantRow[]>('variantsByProductId', async (ids) => groupBy(ids, await findVariantsByProductIds(db, ids), (r) => r.product_id)),
    variantBySku: namedLoader<string, VariantRow | null>('variantBySku', async (skus) => byKey(skus, await findVariantsBySkus(db, skus), (r) => r.sku)),
    imagesByProductId: namedLoader<string, ImageRow[]>('imagesByProductId', async (ids) => groupBy(ids, await findImagesByProductIds(db, ids), (r) => r.product_id)),
    /** The whole category tree, read at most once per request. */
    categories: () => (tree ??= listCategories(db).then((rows) => new CategoryTree(rows))),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;
