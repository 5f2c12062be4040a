import { categories, type SeedProduct } from '@shop/seed';
import { priceBand, type ItemInfo } from './features.ts';

/** Leaf category id -> display name, from the seed's category tree. */
export function seedCategoryNames(): Map<string, string> {
  return new Map(categories().map((c) => [c.id, c.name]));
}

/** A seeded product as personalization sees it: the fields product_feature stores. */
export function itemInfoOf(p: SeedProduct, categoryNames: Map<string, string>): ItemInfo {
  return { id: p.id, categoryId: p.categoryId, categoryName: categoryNames.get(p.categoryId) ?? p.categoryId, brand: p.brand, priceBand: priceBand(p.basePriceCents), title: p.title, tags: p.tags };
}
