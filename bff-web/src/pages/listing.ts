import { cachedPage, checkPaging, checkSlug, PageTag, invalidArgument, pageKey, readPage } from '@shop/bff';
import { WebCategoryPageDocument, WebSearchDocument } from '../__generated__/gateway/graphql.ts';
import type { WebCategoryPage, WebSearchPage } from '../schema/__generated__/resolvers-types.ts';
import type { Context } from '../context.ts';
import { cardTags, toCard } from './cards.ts';

export const MAX_PAGE_SIZE = 48;


export async function categoryPage(ctx: Context, slug: string, regionCode: string, first: number, after: string | null | undefined): Promise<WebCategoryPage | null> {
  checkPaging(first, after, MAX_PAGE_SIZE);
  checkSlug(slug);
  const region = await ctx.regions.get(regionCode);
  const variables = { slug, region: regionCode as never, first, after: after ?? null };
  return cachedPage(ctx, pageKey('categoryPage', variables), async () => {
    const { data } = readPage(await ctx.call(WebCategoryPageDocument, variables));
    if (!data.category) return { value: null, tags: [`category-slug:${slug}`] };
    const nodes = data.products.edges.map((e) => e.node);
    const page: WebCategoryPage = {
      category: { slug: data.category.slug, name: data.category.name },
      breadcrumbs: data.category.ancestors,
      subcategories: data.category.children,
      totalCount: data.products.totalCount,
      pageInfo: { hasNextPage: data.products.pageInfo.hasNextPage, endCursor: data.products.pageInfo.endCursor ?? null },
      products: nodes.map((n) => toCard(n, region)),
    };
    return { value: page, tags: [PageTag.category(data.category.id), ...nodes.flatMap((n) => cardTags(n, regionCode))] };
  });
}

export async function searchPage(ctx: Context, query: string, regionCode: string, first: number, after: string | null | undefined): Promise<WebSearchPage> {
  checkPaging(first, after, MAX_PAGE_SIZE);
  const trimmed = query.trim();
  if (trimmed.length === 0 || query.length > 200) throw invalidArgument('query', 'must be 1 to 200 characters');
  const region = await ctx.regions.get(regionCode);
  const variables = { query: trimmed, region: regionCode as never, first, after: after ?? null };
  return cachedPage(ctx, pageKey('searchPage', variables), async () => {
    const { data } = readPage(await ctx.call(WebSearchDocument, variables));
    const nodes = data.search.edges.map((e) => e.node);
    const page: WebSearchPage = { query: trimmed, totalCount: data.search.totalCount, pageInfo: { hasNextPage: data.search.pageInfo.hasNextPage, endCursor: data.search.pageInfo.endCursor ?? null }, products: nodes.map((n) => toCard(n, region)) };
    // A product added since is not named by any tag: such a page is as stale as the cache's TTL at most.
    return { value: page, tags: nodes.flatMap((n) => cardTags(n, regionCode)) };
  });
}
