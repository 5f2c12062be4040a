import { Agent, request } from 'undici';
import { Header } from './headers.ts';

/** A GraphQL error a subgraph returned to an internal call. */
export class InternalCallError extends Error {
  override name = 'InternalCallError';
  constructor(
    readonly service: string,
    message: string,
    readonly code: string,
  ) {
    super(`${service}: ${message}`);
  }
}

export interface InternalClient {
  /** Runs one operation on the subgraph; GraphQL errors and transport failures throw InternalCallError. */
  call<T>(query: string, variables: Record<string, unknown>, context?: { requestId?: string; userId?: string }): Promise<T>;
  close(): Promise<void>;
}

/**
 * Calls another subgraph's own endpoint (not the public gateway) with the
 * internal credential, over a kept-alive undici pool, with a hard timeout.
 */
export function createInternalClient(options: { service: string; url: string; secret: string; timeoutMs?: number; connections?: number }): InternalClient {
  const agent = new Agent({ connections: options.connections ?? 32, keepAliveTimeout: 30_000 });
  const timeoutMs = options.timeoutMs ?? 5_000;
  return {
    async call<T>(query: string, variables: Record<string, unknown>, context: { requestId?: string; userId?: string } = {}) {
      let res;
      try {
        res = await request(options.url, {
          method: 'POST',
          dispatcher: agent,
          headers: {
            'content-type': 'application/json',
            [Header.internal]: options.secret,
            ...(context.requestId ? { [Header.requestId]: context.requestId } : {}),
            ...(context.userId ? { [Header.userId]: context.userId } : {}),
          },
          body: JSON.stringify({ query, variables }),
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
      } catch (err) {
        throw new InternalCallError(options.service, `unavailable (${err instanceof Error ? err.message : String(err)})`, 'UPSTREAM_UNAVAILABLE');
      }
      const body = (await res.body.json().catch(() => undefined)) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] } | undefined;
      if (!body || body.errors?.length || !body.data) {
        const first = body?.errors?.[0];
        throw new InternalCallError(options.service, first?.message ?? `HTTP ${res.statusCode}`, first?.extensions?.code ?? 'UPSTREAM_UNAVAILABLE');
      }
      return body.data;
    },
    close: () => agent.close(),
  };
}
