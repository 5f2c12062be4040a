import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { Agent, fetch as undiciFetch } from 'undici';
import { ErrorCode, Header } from '@shop/platform';
import type { GatewayContext } from './gateway.ts';

export interface DataSourceOptions {
  name: string;
  url: string;
  internalSecret: string;
  /** @default 5_000 // 5 seconds */
  timeoutMs: number;
  /** kept-alive connections to this subgraph */
  connections: number;
}

/**
 * One subgraph as the gateway sees it: kept-alive connections through an
 * undici pool (instead of the default make-fetch-happen stack), a hard
 * timeout per request, and the headers every subgraph call carries: the
 * internal credential, the request id and the verified shopper.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(private readonly options: DataSourceOptions) {
    const agent = new Agent({ connections: options.connections, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000, pipelining: 1 });
    super({
      url: options.url,
      fetcher: ((input: string, init: RequestInit & { headers?: unknown }) =>
        undiciFetch(input, { ...(init as object), dispatcher: agent, signal: AbortSignal.timeout(options.timeoutMs) })) as never,
    });
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = request.http?.headers;
    if (!headers) return;
    headers.set(Header.internal, this.options.internalSecret);
    if (context.requestId) headers.set(Header.requestId, context.requestId);
    if (context.viewer) headers.set(Header.userId, context.viewer.userId);
    if (context.authorization) headers.set(Header.authorization, context.authorization);
  }

  override didEncounterError(error: Error): void {
    const reason = error.name === 'TimeoutError' || error.name === 'AbortError' ? `timed out after ${this.options.timeoutMs} ms` : error.message;
    throw Object.assign(new Error(`Subgraph "${this.options.name}" is unavailable: ${reason}`), { extensions: { code: ErrorCode.UPSTREAM_UNAVAILABLE, serviceName: this.options.name } });
  }
}
