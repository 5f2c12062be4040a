import type { Context } from '../context.ts';

/**
 * Anonymous, region-scoped pages go through the page cache; a signed-in
 * shopper's request always goes to the gateway, so nothing fetched with one
 * shopper's token is ever served to another.
 */
export async function cachedPage<T>(ctx: Context, key: string, load: () => Promise<{ value: T; tags: string[]; cacheable?: boolean }>): Promise<T> {
  if (ctx.anonymous && ctx.pageCache) return ctx.pageCache.getOrLoad(key, load);
  return (await load()).value;
}
