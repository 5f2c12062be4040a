import { STATUS_CODES } from 'node:http';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { Pool, errors as undiciErrors } from 'undici';
import { ErrorCode, Header } from '@shop/platform';
import type { GatewayContext } from './gateway.ts';

type GatewayGraphQLResponse = Awaited<ReturnType<GraphQLDataSource['process']>>;

export interface DataSourceOptions {
  name: string;
  url: string;
  internalSecret: string;
  /** @default 5_000 // 5 seconds for the answer's headers, and again at most between two chunks of its body */
  timeoutMs: number;
  /** kept-alive connections to this subgraph */
  connections: number;
  /**
   * Identical queries in flight at once (same document, variables and shopper) share one subgraph call.
   * @default true
   */
  dedupe?: boolean;
}

/** One subgraph answer as received, before parsing: each request that shares it parses its own copy. */
interface RawAnswer {
  statusCode: number;
  text: string;
  cacheControl: string | undefined;
}

/**
 * One subgraph as the gateway sees it: a kept-alive undici connection pool
 * used through `pool.request` (no WHATWG fetch: no Request/Response/Headers
 * objects, streams or AbortSignal per call, which the profile showed costing
 * more than the query planner's execution), a timeout per request, and the
 * headers every subgraph call carries: the internal credential, the request
 * id and the verified shopper.
 *
 * Identical queries in flight at the same time share one call (as Apollo
 * Router's and Hive Gateway's deduplication do); each caller parses its own
 * copy of the answer, because the gateway merges answers into its result in
 * place.
 *
 * It implements what the gateway uses of RemoteGraphQLDataSource: the
 * request as JSON (query, variables, operationName), the answer's data,
 * errors and extensions, a subgraph's Cache-Control restricting the
 * operation's cache policy, and a non-2xx or unreachable subgraph as an
 * UPSTREAM_UNAVAILABLE error naming it.
 */
export class SubgraphDataSource implements GraphQLDataSource<GatewayContext> {
  private readonly pool: Pool;
  private readonly path: string;
  private readonly origin: string;
  /** Answers still on their way, by who asks (shopper and token), then by request body. */
  private readonly inFlight = new Map<string, Map<string, Promise<RawAnswer>>>();

  constructor(private readonly options: DataSourceOptions) {
    const url = new URL(options.url);
    this.origin = url.origin;
    this.path = `${url.pathname}${url.search}`;
    this.pool = new Pool(url.origin, {
      connections: options.connections,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 60_000,
      pipelining: 1,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const { request, context } = options;
    if (!request.query) throw new Error('Missing query');
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      [Header.internal]: this.options.internalSecret,
    };
    // Headers the gateway itself asks for (e.g. federated tracing), then this request's own.
    if (request.http?.headers) for (const [name, value] of request.http.headers) headers[name] = value;
    if (context.requestId) headers[Header.requestId] = context.requestId;
    if (context.viewer) headers[Header.userId] = context.viewer.userId;
    if (context.authorization) headers[Header.authorization] = context.authorization;
    const body = JSON.stringify({ query: request.query, variables: request.variables, operationName: request.operationName, extensions: request.extensions });

    // A query's answer depends only on the document, its variables and who asks: identical queries in
    // flight together (a hot product page under load) share one call. Never a mutation. The request id
    // differs per request and only labels logs, so it stays out of the key (the first caller's is sent).
    // Not when the gateway asked for extra headers (federated tracing: each answer carries its own trace).
    // Keyed by who asks, then by the body as sent (a flat string already: no key to build and copy).
    const shareable = this.options.dedupe !== false && !request.http?.headers && !/^\s*mutation\b/.test(request.query);
    const asker = shareable ? `${headers[Header.userId] ?? ''}\n${headers[Header.authorization] ?? ''}` : '';
    const pending = shareable ? this.inFlight.get(asker) : undefined;
    let call = pending?.get(body);
    if (!call) {
      call = this.send(headers, body);
      if (shareable) {
        const calls = pending ?? new Map<string, Promise<RawAnswer>>();
        if (!pending) this.inFlight.set(asker, calls);
        calls.set(body, call);
        const forget = () => {
          calls.delete(body);
          if (calls.size === 0 && this.inFlight.get(asker) === calls) this.inFlight.delete(asker);
        };
        call.then(forget, forget);
      }
    }
    const { statusCode, text, cacheControl } = await call;
    if (statusCode < 200 || statusCode > 299) throw this.unavailable(`${statusCode}: ${STATUS_CODES[statusCode] ?? ''}`);
    let response: unknown;
    try {
      response = JSON.parse(text);
    } catch {
      throw this.unavailable('the answer is not JSON');
    }
    if (typeof response !== 'object' || response === null) throw this.unavailable('the answer is not a GraphQL response');

    // Only operations coming from a client carry a cache policy (not health checks or schema loading).
    const policy = 'incomingRequestContext' in options ? options.incomingRequestContext.overallCachePolicy : undefined;
    if (policy && 'restrict' in policy) policy.restrict(cacheHint(cacheControl));
    return response as GatewayGraphQLResponse;
  }

  private async send(headers: Record<string, string>, body: string): Promise<RawAnswer> {
    try {
      const res = await this.pool.request({ origin: this.origin, path: this.path, method: 'POST', headers, body });
      const cacheControl = res.headers['cache-control'];
      return { statusCode: res.statusCode, text: await res.body.text(), cacheControl: typeof cacheControl === 'string' ? cacheControl : undefined };
    } catch (err) {
      throw this.unavailable(err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError ? `timed out after ${this.options.timeoutMs} ms` : (err as Error).message);
    }
  }

  /** Closes the kept-alive connections once the calls on them are answered. */
  close(): Promise<void> {
    return this.pool.close();
  }

  /** Closes the connections at once, failing calls still in flight. */
  destroy(): Promise<void> {
    return this.pool.destroy();
  }

  private unavailable(reason: string): Error {
    return Object.assign(new Error(`Subgraph "${this.options.name}" is unavailable: ${reason}`), { extensions: { code: ErrorCode.UPSTREAM_UNAVAILABLE, serviceName: this.options.name } });
  }
}

/** What a subgraph's Cache-Control allows the whole operation (no header: not cacheable), as RemoteGraphQLDataSource reads it. */
function cacheHint(header: string | undefined): { maxAge: number; scope?: 'PUBLIC' | 'PRIVATE' } {
  if (!header) return { maxAge: 0 };
  const maxAge = /(?:^|,)\s*max-age=(\d+)\s*(?:,|$)/i.exec(header);
  const scope = /(?:^|,)\s*private\s*(?:,|$)/i.test(header) ? 'PRIVATE' : /(?:^|,)\s*public\s*(?:,|$)/i.test(header) ? 'PUBLIC' : undefined;
  return { maxAge: maxAge ? Number(maxAge[1]) : 0, ...(scope ? { scope } : {}) };
}
