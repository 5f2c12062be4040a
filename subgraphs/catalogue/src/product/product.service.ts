import type { Kysely } from 'kysely';
import { badUserInput, decodeCursor, encodeCursor, ErrorCode, validateFirst } from '@shop/platform';
import type { CatalogueDatabase } from '../db/database.ts';
import type { Loaders } from './product.loaders.ts';
import { appendProductChanged, ProductChange } from './product.events.ts';
import { countProducts, countSearch, lockProduct, pageProducts, searchProducts, updateProductContent, type ProductListFilter, type ProductRow } from './product.repository.ts';

/** Search queries longer than this are refused: they are never a shopper typing. */
export const SEARCH_QUERY_MAX_LENGTH = 200;
/** Deepest result a search pages to. */
const SEARCH_MAX_OFFSET = 10_000;

export interface ProductConnectionModel {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: { cursor: string; node: ProductRow }[];
}

export interface ProductsArgs {
  first: number;
  after?: string | null;
  filter?: { categorySlug?: string | null; brand?: string | null; tag?: string | null } | null;
}

/** A page of products in id order: three statements at most (tree, page, count) whatever `first` is. */
export async function listProducts(db: Kysely<CatalogueDatabase>, loaders: Loaders, args: ProductsArgs): Promise<ProductConnectionModel> {
  const first = validateFirst(args.first);
  const afterId = args.after == null ? undefined : decodeCursor('product', args.after);
  const filter: ProductListFilter = {};
  if (args.filter?.categorySlug != null) {
    const tree = await loaders.categories();
    const category = tree.getBySlug(args.filter.categorySlug);
    filter.categoryIds = category ? tree.subtreeIds(category.id) : [];
  }
  if (args.filter?.brand != null) filter.brand = args.filter.brand;
  if (args.filter?.tag != null) filter.tag = args.filter.tag;
  const [rows, totalCount] = await Promise.all([pageProducts(db, filter, afterId, first + 1), countProducts(db, filter)]);
  return toConnection(rows, first, totalCount, (r) => encodeCursor('product', r.id), loaders);
}

export function validateSearchQuery(query: unknown): string {
  const q = typeof query === 'string' ? query.trim() : '';
  if (q.length === 0) throw badUserInput('query', 'must not be empty');
  if (q.length > SEARCH_QUERY_MAX_LENGTH) throw badUserInput('query', `must be at most ${SEARCH_QUERY_MAX_LENGTH} characters, got ${q.length}`);
  return q;
}

export async function search(db: Kysely<CatalogueDatabase>, loaders: Loaders, args: { query: string; first: number; after?: string | null }): Promise<ProductConnectionModel> {
  const query = validateSearchQuery(args.query);
  const first = validateFirst(args.first);
  let offset = 0;
  if (args.after != null) {
    offset = Number(decodeCursor('search', args.after)) + 1;
    if (!Number.isInteger(offset) || offset < 1 || offset > SEARCH_MAX_OFFSET) throw badUserInput('after', 'is not a valid cursor for this list');
  }
  const [rows, totalCount] = await Promise.all([searchProducts(db, query, offset, first + 1), countSearch(db, query)]);
  return toConnection(rows, first, totalCount, (_r, i) => encodeCursor('search', offset + i), loaders);
}

function toConnection(rows: ProductRow[], first: number, totalCount: number, cursor: (row: ProductRow, index: number) => string, loaders: Loaders): ProductConnectionModel {
  const page = rows.slice(0, first);
  const edges = page.map((node, i) => {
    loaders.productById.prime(node.id, node);
    return { cursor: cursor(node, i), node };
  });
  return { totalCount, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null }, edges };
}

/** Longest product title updateProduct accepts, in characters. */
export const PRODUCT_TITLE_MAX_LENGTH = 200;
/** Longest product description updateProduct accepts, in characters. */
export const PRODUCT_DESCRIPTION_MAX_LENGTH = 10_000;

export interface UserError {
  code: string;
  field: string[] | null;
  message: string;
}

export interface UpdateProductInput {
  id: string;
  title?: string | null;
  description?: string | null;
}

export type UpdateProductResult = { product: ProductRow | null; userErrors: UserError[] };

const fail = (code: string, field: string, message: string): UpdateProductResult => ({ product: null, userErrors: [{ code, field: ['input', field], message }] });

/**
 * Changes a product's title and/or description (at least one; null counts as
 * absent; both are trimmed). Locks the product row first, so concurrent
 * changes serialise and each gets the next version. A change bumps the
 * version and appends `catalogue.product.changed` (change `updated`) in the
 * same transaction; the full-text `search` column is generated from title and
 * description, so it follows in the same statement. Giving the values the
 * product already has changes nothing and appends nothing. Refusals
 * (BAD_USER_INPUT, NOT_FOUND) come back as userErrors and change nothing.
 */
export async function updateProduct(db: Kysely<CatalogueDatabase>, input: UpdateProductInput): Promise<UpdateProductResult> {
  const title = input.title?.trim();
  const description = input.description?.trim();
  if (title === undefined && description === undefined) return fail(ErrorCode.BAD_USER_INPUT, 'title', 'Give at least one of "title" and "description"');
  if (title !== undefined && (title.length === 0 || title.length > PRODUCT_TITLE_MAX_LENGTH)) {
    return fail(ErrorCode.BAD_USER_INPUT, 'title', `"title" must be 1 to ${PRODUCT_TITLE_MAX_LENGTH} characters (after trimming), got ${title.length}`);
  }
  if (description !== undefined && description.length > PRODUCT_DESCRIPTION_MAX_LENGTH) {
    return fail(ErrorCode.BAD_USER_INPUT, 'description', `"description" must be at most ${PRODUCT_DESCRIPTION_MAX_LENGTH} characters, got ${description.length}`);
  }

  return db.transaction().execute(async (trx) => {
    const current = await lockProduct(trx, input.id);
    if (!current) return fail(ErrorCode.NOT_FOUND, 'id', `No product "${input.id}"`);
    const next = { title: title ?? current.title, description: description ?? current.description };
    if (next.title === current.title && next.description === current.description) {
      const { version: _version, ...unchanged } = current;
      return { product: unchanged, userErrors: [] };
    }
    const updated = await updateProductContent(trx, current.id, next);
    await appendProductChanged(trx, updated, ProductChange.updated);
    const { version: _version, ...product } = updated;
    return { product, userErrors: [] };
  });
}
