import { badUserInput } from '@shop/platform';
import type { Resolvers } from './__generated__/resolvers-types.ts';
import { listProducts, search, updateProduct } from '../product/product.service.ts';

/** Thin: arguments in, services and loaders out. */
export const resolvers: Resolvers = {
  Query: {
    product: async (_, { id, slug }, { loaders }) => {
      if ((id == null) === (slug == null)) throw badUserInput(id == null ? 'id' : 'slug', 'give exactly one of "id" and "slug"');
      return id != null ? loaders.productById.load(id) : loaders.productBySlug.load(slug!);
    },
    products: (_, args, { db, loaders }) => listProducts(db, loaders, args),
    categories: async (_, __, { loaders }) => (await loaders.categories()).all,
    category: async (_, { slug }, { loaders }) => (await loaders.categories()).getBySlug(slug) ?? null,
    search: (_, args, { db, loaders }) => search(db, loaders, args),
  },
  Mutation: {
    updateProduct: (_, { input }, { db }) => updateProduct(db, input),
  },
  Product: {
    __resolveReference: (ref, { loaders }) => loaders.productById.load(ref.id),
    category: async (p, _, { loaders }) => {
      const c = (await loaders.categories()).get(p.category_id);
      if (!c) throw new Error(`product ${p.id} has unknown category ${p.category_id}`);
      return c;
    },
    images: (p, _, { loaders }) => loaders.imagesByProductId.load(p.id),
    variants: (p, _, { loaders }) => loaders.variantsByProductId.load(p.id),
    createdAt: (p) => new Date(p.created_at).toISOString(),
  },
  Variant: {
    __resolveReference: (ref, { loaders }) => loaders.variantBySku.load(ref.sku),
    product: async (v, _, { loaders }) => {
      const p = await loaders.productById.load(v.product_id);
      if (!p) throw new Error(`variant ${v.sku} has no product`);
      return p;
    },
  },
  Image: {
    altText: (img) => img.alt_text,
  },
  Category: {
    __resolveReference: async (ref, { loaders }) => (await loaders.categories()).get(ref.id) ?? null,
    parent: async (c, _, { loaders }) => (c.parent_id ? ((await loaders.categories()).get(c.parent_id) ?? null) : null),
    children: async (c, _, { loaders }) => (await loaders.categories()).childrenOf(c.id),
    ancestors: async (c, _, { loaders }) => (await loaders.categories()).ancestorsOf(c.id),
  },
};
