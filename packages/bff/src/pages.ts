import type { GraphQLFormattedError } from 'graphql';
import type { StockBadge } from './badges.ts';
import { fromGatewayError } from './errors.ts';
import type { GatewayResponse } from './gateway-client.ts';

/** The parts of a page it can do without: response paths, and the subgraphs that serve only those parts. */
export interface OptionalParts {
  paths: (string | number)[][];
  /** An outage of one of these (an error naming it in `extensions.serviceName`, which has no path) is optional too. */
  services?: string[];
}

/** A recommendations strip: personalization's field, and personalization itself. */
export const recommendationsAt = (...path: string[]): OptionalParts => ({ paths: [path], services: ['personalization'] });

/**
 * Reads a gateway answer for a page. Errors in an optional part (a
 * recommendations strip) are dropped and the page renders without that part,
 * marked partial so it is not cached; any other error fails the request with
 * the BFF's own code.
 */
export function readPage<T>(response: GatewayResponse<T>, optional: OptionalParts = { paths: [] }): { data: T; partial: boolean; errors: GraphQLFormattedError[] } {
  const isOptional = (e: GraphQLFormattedError) =>
    (!!e.path && optional.paths.some((prefix) => prefix.every((p, i) => p === '*' || e.path![i] === p))) ||
    (typeof e.extensions?.serviceName === 'string' && (optional.services ?? []).includes(e.extensions.serviceName));
  const fatal = response.errors.find((e) => !isOptional(e));
  if (fatal || !response.data) throw fromGatewayError(fatal ?? { message: 'no data' });
  return { data: response.data, partial: response.errors.length > 0, errors: response.errors };
}

/** An image URL sized for where it is shown (the image service reads `w`). */
export function sizedImage(url: string, width: number): string {
  const u = new URL(url);
  u.searchParams.set('w', String(width));
  return u.toString();
}

const BADGE_RANK: Record<StockBadge, number> = { IN_STOCK: 2, LOW_STOCK: 1, OUT_OF_STOCK: 0 };

/** A product's badge from its variants': in stock if any variant is, low if the best is low. */
export function productBadge(badges: (StockBadge | null | undefined)[]): StockBadge {
  let best: StockBadge = 'OUT_OF_STOCK';
  for (const b of badges) if (b && BADGE_RANK[b] > BADGE_RANK[best]) best = b;
  return best;
}
