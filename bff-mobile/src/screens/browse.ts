import { cachedPage, checkPaging, checkSlug, PageTag, invalidArgument, pageKey, readPage } from '@shop/bff';
import { MobileCategoryDocument, MobileSearchDocument } from '../__generated__/gateway/graphql.ts';
import type { MobileProductList } from '../schema/__generated__/resolvers-types.ts';
import type { Context } from '../context.ts';
import { tileTags, toTile } from './format.ts';

export const MAX_PAGE_SIZE = 40;


export async function categoryScreen(ctx: Context, slug: string, region: string, first: number, after: string | null | undefined): Promise<MobileProductList | null> {
  checkPaging(first, after, MAX_PAGE_SIZE);
  checkSlug(slug);
  const variables = { slug, region: region as never, first, after: after ?? null };
  return cachedPage(ctx, pageKey('categoryScreen', variables), async () => {
    const { data } = readPage(await ctx.call(MobileCategoryDocument, variables));
    if (!data.category) return { value: null, tags: [`category-slug:${slug}`] };
    const nodes = data.products.edges.map((e) => e.node);
    const list: MobileProductList = { title: data.category.name, totalCount: data.products.totalCount, hasNextPage: data.products.pageInfo.hasNextPage, endCursor: data.products.pageInfo.endCursor ?? null, items: nodes.map((n) => toTile(n)) };
    return { value: list, tags: [PageTag.category(data.category.id), ...nodes.flatMap((n) => tileTags(n, region))] };
  });
}

export async function searchScreen(ctx: Context, query: string, region: string, first: number, after: string | null | undefined): Promise<MobileProductList> {
  checkPaging(first, after, MAX_PAGE_SIZE);
  const trimmed = query.trim();
  if (trimmed.length === 0 || query.length > 200) throw invalidArgument('query', 'must be 1 to 200 characters');
  const variables = { query: trimmed, region: region as never, first, after: after ?? null };
  return cachedPage(ctx, pageKey('searchScreen', variables), async () => {
    const { data } = readPage(await ctx.call(MobileSearchDocument, variables));
    const nodes = data.search.edges.map((e) => e.node);
    const list: MobileProductList = { title: trimmed, totalCount: data.search.totalCount, hasNextPage: data.search.pageInfo.hasNextPage, endCursor: data.search.pageInfo.endCursor ?? null, items: nodes.map((n) => toTile(n)) };
    return { value: list, tags: nodes.flatMap((n) => tileTags(n, region)) };
  });
}
