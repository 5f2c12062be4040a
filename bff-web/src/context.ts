import type { GatewayResponse, PageCache, PersistedDocument, RegionDirectory } from '@shop/bff';
import type { Logger } from '@shop/platform';

/** What every bff-web resolver gets for one request. */
export interface Context {
  /** Sends one of bff-web's persisted gateway documents, with the shopper's token and the request id. */
  call<TResult, TVariables>(document: PersistedDocument<TResult, TVariables>, variables: TVariables): Promise<GatewayResponse<TResult>>;
  /** No access token came with the request: its pages may come from the shared page cache. */
  anonymous: boolean;
  regions: RegionDirectory;
  pageCache: PageCache | undefined;
  logger: Logger;
}
