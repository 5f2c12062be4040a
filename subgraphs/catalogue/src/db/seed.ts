import type { Kysely } from 'kysely';
import { bulkInsert, seedOnce } from '@shop/platform';
import { SEED_VERSION, categories, products } from '@shop/seed';
import type { CatalogueDatabase } from './database.ts';

/** Seeds categories, products, variants and images for `count` products, once per size. */
export async function seedCatalogue(db: Kysely<CatalogueDatabase>, count: number, force = false): Promise<boolean> {
  return seedOnce(db, `${SEED_VERSION}:${count}`, { force }, async (trx) => {
    await trx.deleteFrom('product_image').execute();
    await trx.deleteFrom('variant').execute();
    await trx.deleteFrom('product').execute();
    await trx.deleteFrom('category').execute();
    const cats = categories();
    await bulkInsert(trx, 'category', { id: 'text', slug: 'text', name: 'text', parent_id: 'text', position: 'int' },
      cats.map((c) => ({ id: c.id, slug: c.slug, name: c.name, parent_id: c.parentId, position: c.position })));
    const BATCH = 5_000;
    let productRows: Record<string, unknown>[] = [];
    let variantRows: Record<string, unknown>[] = [];
    let imageRows: Record<string, unknown>[] = [];
    const flush = async () => {
      await bulkInsert(trx, 'product', { id: 'text', slug: 'text', title: 'text', description: 'text', brand: 'text', category_id: 'text', tags: 'text[]', created_at: 'timestamptz' }, productRows);
      await bulkInsert(trx, 'variant', { sku: 'text', product_id: 'text', title: 'text', options: 'jsonb', position: 'int' }, variantRows);
      await bulkInsert(trx, 'product_image', { product_id: 'text', position: 'int', url: 'text', alt_text: 'text' }, imageRows);
      productRows = [];
      variantRows = [];
      imageRows = [];
    };
    for (const p of products(count)) {
      productRows.push({ id: p.id, slug: p.slug, title: p.title, description: p.description, brand: p.brand, category_id: p.categoryId, tags: p.tags, created_at: p.createdAt.toISOString() });
      for (const v of p.variants) variantRows.push({ sku: v.sku, product_id: p.id, title: v.title, options: v.options, position: v.position });
      for (const img of p.images) imageRows.push({ product_id: p.id, position: img.position, url: img.url, alt_text: img.altText });
      if (productRows.length >= BATCH) await flush();
    }
    await flush();
  });
}
