import { Pool, errors as undiciErrors } from 'undici';
import type { DocumentNode, GraphQLFormattedError, OperationDefinitionNode } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { Header, type Logger } from '@shop/platform';
import { BffError, BffErrorCode } from './errors.ts';

/**
 * A typed document from codegen's client preset with `persistedDocuments`
 * (mode `embedHashInDocument`): the document plus the hash it is registered
 * under in the BFF's manifest (`persisted-documents.json`).
 */
export type PersistedDocument<TResult, TVariables> = TypedDocumentNode<TResult, TVariables> & { __meta__?: { hash?: string } };

export interface GatewayResponse<TResult> {
  data: TResult | null | undefined;
  errors: GraphQLFormattedError[];
}

export interface GatewayClientOptions {
  /** The gateway's GraphQL endpoint. */
  url: string;
  /** Sent as `apollographql-client-name`, so the gateway's logs and metrics tell the BFFs apart. */
  clientName: string;
  /** hash -> document text: the BFF's manifest, sent in full only when the gateway does not know a hash yet. */
  manifest: Record<string, string>;
  logger: Logger;
  /** @default 5_000 // 5 seconds per request */
  timeoutMs?: number;
  /** @default 64 // kept-alive connections */
  connections?: number;
}

export interface CallOptions {
  /** The shopper's `Authorization` header, passed on as it came. */
  authorization?: string;
  requestId?: string;
}

const operationNames = new WeakMap<object, string>();

/**
 * The BFF's only way to the gateway: every call is one of the BFF's own
 * codegen-typed documents, sent by hash (the APQ wire format, which
 * @apollo/server understands), over a pool of kept-alive connections.
 */
export class GatewayClient {
  private readonly pool: Pool;
  private readonly path: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: GatewayClientOptions) {
    const url = new URL(options.url);
    this.path = url.pathname + url.search;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.pool = new Pool(url.origin, { connections: options.connections ?? 64, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs });
  }

  /** Runs one operation; network failures and timeouts become UPSTREAM_UNAVAILABLE, GraphQL errors come back as data. */
  async execute<TResult, TVariables>(document: PersistedDocument<TResult, TVariables>, variables: TVariables, call: CallOptions = {}): Promise<GatewayResponse<TResult>> {
    const hash = document.__meta__?.hash;
    const operationName = operationNameOf(document);
    if (!hash || !this.options.manifest[hash]) throw new Error(`${operationName}: not in the persisted-operation manifest; run pnpm codegen`);
    const body = { operationName, variables, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } };
    let response = await this.post(body, call);
    if (response.errors.some((e) => e.extensions?.code === 'PERSISTED_QUERY_NOT_FOUND')) {
      // A gateway started before this operation was registered: send the document once, so it learns it
      // (development). A production gateway answers this with PERSISTED_QUERY_NOT_ALLOWED instead.
      response = await this.post({ ...body, query: this.options.manifest[hash] }, call);
    }
    return response;
  }

  private async post(body: unknown, call: CallOptions): Promise<GatewayResponse<never>> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      'apollographql-client-name': this.options.clientName,
    };
    if (call.authorization) headers[Header.authorization] = call.authorization;
    if (call.requestId) headers[Header.requestId] = call.requestId;
    let statusCode: number;
    let text: string;
    try {
      const res = await this.pool.request({ method: 'POST', path: this.path, headers, body: JSON.stringify(body), signal: AbortSignal.timeout(this.timeoutMs) });
      statusCode = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      this.options.logger.warn({ err: describe(err) }, 'gateway request failed (unreachable or timed out)');
      throw new BffError(BffErrorCode.UPSTREAM_UNAVAILABLE);
    }
    let parsed: { data?: unknown; errors?: GraphQLFormattedError[] };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      this.options.logger.warn({ statusCode, body: text.slice(0, 200) }, 'gateway answered without JSON');
      throw new BffError(statusCode >= 500 ? BffErrorCode.UPSTREAM_UNAVAILABLE : BffErrorCode.INTERNAL_SERVER_ERROR);
    }
    return { data: parsed.data as never, errors: Array.isArray(parsed.errors) ? parsed.errors : [] };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

function operationNameOf(document: DocumentNode): string {
  let name = operationNames.get(document);
  if (!name) {
    const op = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
    if (!op?.name) throw new Error('gateway documents must be named operations');
    name = op.name.value;
    operationNames.set(document, name);
  }
  return name;
}

function describe(err: unknown): string {
  if (err instanceof undiciErrors.UndiciError || err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
