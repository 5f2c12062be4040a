import { createHash } from 'node:crypto';
import { ClientError, GraphQLClient, type RequestMiddleware } from 'graphql-request';
import { stackUrls } from './services.ts';

/** One answer as a client sees it: HTTP status, data, errors (errors are what many tests check). */
export interface ClientResult<T = any> {
  status: number;
  data: T | null | undefined;
  errors: { message: string; path?: (string | number)[]; locations?: unknown; extensions?: Record<string, unknown> }[] | undefined;
  headers: Headers;
}

export interface ClientOptions {
  headers?: Record<string, string>;
  /** Rewrites the request before it is sent (e.g. to send a persisted hash instead of the document). */
  requestMiddleware?: RequestMiddleware;
  /** Replaces the JSON serializer (e.g. to send a body that is not JSON). */
  jsonSerializer?: { stringify: (value: unknown) => string; parse: (text: string) => unknown };
}

/**
 * Sends one operation to a BFF or the gateway with graphql-request, the way a
 * storefront or app would, and returns status, data and errors whatever the
 * outcome: errors come back with the data (errorPolicy `all`), and a non-2xx
 * answer (which graphql-request throws as a ClientError) is unwrapped.
 */
export async function send<T = any>(url: string, document: string, variables: Record<string, unknown> = {}, options: ClientOptions = {}): Promise<ClientResult<T>> {
  const client = new GraphQLClient(url, {
    errorPolicy: 'all',
    headers: options.headers ?? {},
    ...(options.requestMiddleware ? { requestMiddleware: options.requestMiddleware } : {}),
    ...(options.jsonSerializer ? { jsonSerializer: options.jsonSerializer } : {}),
  });
  try {
    const res = await client.rawRequest<T>(document, variables);
    return { status: res.status, data: res.data, errors: res.errors as ClientResult['errors'], headers: res.headers };
  } catch (err) {
    if (!(err instanceof ClientError)) throw err;
    const response = err.response as ClientError['response'] & { data?: T | null; headers: Headers };
    return { status: response.status, data: response.data, errors: response.errors as ClientResult['errors'], headers: response.headers };
  }
}

/** The sha256 (hex) that persisted-operation manifests and APQ key a document by. */
export function documentHash(document: string): string {
  return createHash('sha256').update(document).digest('hex');
}

/**
 * A request middleware that sends a persisted operation in the APQ wire
 * format, as the BFFs' gateway client does: `extensions.persistedQuery` with
 * the hash, and the document text only when `withDocument` (registration).
 */
export function persistedQuery(hash: string, { withDocument = false }: { withDocument?: boolean } = {}): RequestMiddleware {
  return (req) => {
    const body = JSON.parse(String(req.body)) as Record<string, unknown>;
    if (!withDocument) delete body.query;
    body.extensions = { persistedQuery: { version: 1, sha256Hash: hash } };
    return { ...req, body: JSON.stringify(body) };
  };
}

/** The first error's `extensions.code`, or undefined. */
export function errorCode(result: ClientResult): unknown {
  return result.errors?.[0]?.extensions?.code;
}

/**
 * What of an upstream's internals leaks into an answer's errors, if anything:
 * a stack trace, an exception, a service address, a driver or subgraph message.
 */
export function leaksInternals(result: ClientResult): string | undefined {
  const text = JSON.stringify(result.errors ?? []);
  const leak = /stacktrace|exception|\bat [\w.<>]+ \(|\.ts:\d+|ECONNREFUSED|127\.0\.0\.1|localhost|Subgraph|subgraph|SQL|kysely|postgres/i.exec(text);
  return leak?.[0];
}

/** Where the shared e2e stack's BFFs serve GraphQL. */
export function bffUrls(): { web: string; mobile: string } {
  const urls = stackUrls();
  return { web: urls['bff-web'], mobile: urls['bff-mobile'] };
}

export interface GatewayRegion {
  code: string;
  locale: string;
  currencyCode: string;
  taxIncluded: boolean;
}

/** The regions as pricing defines them (code, locale, currency), read through the stack's gateway. */
export async function gatewayRegions(): Promise<GatewayRegion[]> {
  const res = await send<{ regions: GatewayRegion[] }>(stackUrls().gateway, 'query Regions { regions { code locale currencyCode taxIncluded } }');
  if (res.errors || !res.data) throw new Error(`regions: ${JSON.stringify(res.errors)}`);
  return res.data.regions;
}

/** The reference a formatted price must equal: Intl's currency format for the region's locale. */
export function formatIn(amount: string, region: Pick<GatewayRegion, 'locale' | 'currencyCode'>): string {
  return new Intl.NumberFormat(region.locale, { style: 'currency', currency: region.currencyCode }).format(Number(amount));
}

/** "19.90" -> 1990: a two-decimal amount (every shop currency has two) as integer minor units, without a float. */
export function minorUnits(amount: string): number {
  const match = /^(\d+)\.(\d{2})$/.exec(amount);
  if (!match) throw new Error(`not a two-decimal amount: ${amount}`);
  return Number(match[1]) * 100 + Number(match[2]);
}

/** An image URL without the width the BFF sized it to, to compare with the gateway's. */
export function unsized(url: string): string {
  const u = new URL(url);
  u.searchParams.delete('w');
  return u.toString();
}
