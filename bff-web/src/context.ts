import type { GatewayResponse, LiveContext, PageCache, PersistedDocument, RegionDirectory } from '@shop/bff';
import type { Logger } from '@shop/platform';
import type { WebProductCard } from './schema/__generated__/resolvers-types.ts';

/** What every bff-web resolver gets for one request. */
export interface Context {
  /** Sends one of bff-web's persisted gateway documents, with the shopper's token and the request id. */
  call<TResult, TVariables>(document: PersistedDocument<TResult, TVariables>, variables: TVariables): Promise<GatewayResponse<TResult>>;
  /** No access token came with the request: its pages may come from the shared page cache. */
  anonymous: boolean;
  regions: RegionDirectory;
  pageCache: PageCache | undefined;
  logger: Logger;
  /** Present on the graphql-ws endpoint: the process's live hub and this socket. */
  live?: LiveContext<WebProductCard>;
}
