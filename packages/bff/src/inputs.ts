import { invalidArgument } from './errors.ts';
import type { BffContext } from './bff.ts';

/** A BFF's own argument checks, made before the gateway is called. */
export function checkSlug(slug: string, argumentName = 'slug'): void {
  if (slug.length === 0 || slug.length > 200) throw invalidArgument(argumentName, 'must be 1 to 200 characters');
}

/** `first` 1 to `max`; `after` a cursor from a previous page. */
export function checkPaging(first: number, after: string | null | undefined, max: number): void {
  if (!Number.isInteger(first) || first < 1 || first > max) throw invalidArgument('first', `must be 1 to ${max}`);
  if (after !== null && after !== undefined && (after.length === 0 || after.length > 200)) throw invalidArgument('after', 'must be a cursor from a previous page');
}

/** Units in one cart change: 1 to 99. */
export function checkQuantity(quantity: number): void {
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > 99) throw invalidArgument('quantity', 'must be 1 to 99');
}

/** The gateway's `userErrors`, as both BFF schemas declare them (`field` always present). */
export function toUserErrors(errors: { code: string; field?: string[] | null; message: string }[]): { code: string; field: string[] | null; message: string }[] {
  return errors.map((e) => ({ code: e.code, field: e.field ?? null, message: e.message }));
}

/**
 * Anonymous, region-scoped pages go through the page cache; a signed-in
 * shopper's request always goes to the gateway, so nothing fetched with one
 * shopper's token is ever served to another.
 */
export async function cachedPage<T>(ctx: Pick<BffContext<unknown>, 'anonymous' | 'pageCache'>, key: string, load: () => Promise<{ value: T; tags: string[]; cacheable?: boolean }>): Promise<T> {
  if (ctx.anonymous && ctx.pageCache) return ctx.pageCache.getOrLoad(key, load);
  return (await load()).value;
}
