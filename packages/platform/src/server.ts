import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { Header } from './headers.ts';
import { requestScope } from './request-scope.ts';
import { GRAPHIQL_ASSET_PREFIX, graphiqlAsset, graphiqlHtml } from './graphiql.ts';

export interface RequestInfo {
  req: IncomingMessage;
  requestId: string;
  logger: Logger;
}

export interface ServiceOptions<TContext extends BaseContext> {
  name: string;
  host: string;
  port: number;
  logger: Logger;
  metrics: Metrics;
  apollo: ApolloServer<TContext>;
  context: (info: RequestInfo) => Promise<TContext>;
  /** Throws when a dependency (database, bus, supergraph) is not usable. */
  ready: () => Promise<void>;
  /**
   * Checked before GraphQL runs; returning a response refuses the request
   * (subgraphs refuse callers without the internal credential).
   */
  guard?: (req: IncomingMessage) => { status: number; code: string; message: string } | undefined;
  /** Serve GraphiQL at GET /graphql (development only). */
  graphiql?: { defaultQuery?: string } | false;
  /** Releases pools and connections after the HTTP server drained. */
  onClose?: () => Promise<void>;
  /** @default 10_000 // 10 seconds */
  shutdownTimeoutMs?: number;
  /** @default 1_048_576 // 1 MiB */
  maxBodyBytes?: number;
  /**
   * Run each request inside `requestScope` (what the SQL statement counter and the DataLoader metrics read).
   * A service with neither turns it off: on Node 20 AsyncLocalStorage works through promise hooks, a cost
   * on every promise the process creates.
   * @default true
   */
  requestScope?: boolean;
}

export interface RunningService {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * Serves one GraphQL service over node:http: /graphql, /health, /ready,
 * /metrics and (in development) GraphiQL with locally served assets. SIGTERM
 * and SIGINT drain in-flight requests before the pools close.
 */
export async function startService<TContext extends BaseContext>(opts: ServiceOptions<TContext>): Promise<RunningService> {
  const { logger, metrics, apollo } = opts;
  const maxBody = opts.maxBodyBytes ?? 1_048_576;
  let draining = false;
  let inFlight = 0;

  await apollo.start();

  const server = createServer((req, res) => {
    const started = process.hrtime.bigint();
    inFlight++;
    let route = 'other';
    res.on('close', () => {
      inFlight--;
      metrics.httpDuration.observe({ route, status: String(res.statusCode) }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    if (draining) res.setHeader('connection', 'close');
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (path === '/health') {
      route = 'health';
      return sendJson(res, 200, { status: 'ok', service: opts.name });
    }
    if (path === '/ready') {
      route = 'ready';
      if (draining) return sendJson(res, 503, { status: 'draining' });
      return void withTimeout(opts.ready(), 2_000).then(
        () => sendJson(res, 200, { status: 'ready', service: opts.name }),
        (err: Error) => sendJson(res, 503, { status: 'unavailable', reason: err.message }),
      );
    }
    if (path === '/metrics') {
      route = 'metrics';
      return void metrics.registry.metrics().then((text) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(text);
      });
    }
    if (opts.graphiql && path.startsWith(GRAPHIQL_ASSET_PREFIX)) {
      route = 'graphiql';
      const asset = graphiqlAsset(path.slice(GRAPHIQL_ASSET_PREFIX.length));
      if (!asset) return sendJson(res, 404, { error: 'not found' });
      res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'public, max-age=86400' });
      return res.end(asset.body);
    }
    if (path !== '/graphql' && path !== '/') {
      return sendJson(res, 404, { errors: [{ message: `No route ${path}; GraphQL is served at /graphql`, extensions: { code: 'NOT_FOUND' } }] });
    }
    route = 'graphql';
    if (opts.graphiql && req.method === 'GET' && !url.search && (req.headers.accept ?? '').includes('text/html')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(graphiqlHtml({ title: opts.name, endpoint: '/graphql', defaultQuery: opts.graphiql.defaultQuery }));
    }
    const refusal = opts.guard?.(req);
    if (refusal) {
      return sendJson(res, refusal.status, { errors: [{ message: refusal.message, extensions: { code: refusal.code } }] });
    }
    const requestIdHeader = req.headers[Header.requestId];
    const requestId = typeof requestIdHeader === 'string' && /^[\w-]{1,100}$/.test(requestIdHeader) ? requestIdHeader : randomUUID();
    res.setHeader(Header.requestId, requestId);
    const handled = opts.requestScope === false ? handleGraphQL(req, res, url, requestId) : requestScope.run({ requestId, metrics }, () => handleGraphQL(req, res, url, requestId));
    void handled.catch((err: unknown) => {
      logger.error({ err, requestId }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000; // longer than a typical load balancer's idle timeout
  server.headersTimeout = 66_000;

  async function handleGraphQL(req: IncomingMessage, res: ServerResponse, url: URL, requestId: string) {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    let body: unknown = undefined;
    if (req.method === 'POST') {
      const raw = await readBody(req, maxBody);
      if (raw === undefined) {
        return sendJson(res, 413, { errors: [{ message: `Request body larger than ${maxBody} bytes`, extensions: { code: 'BAD_REQUEST' } }] });
      }
      const type = headers.get('content-type') ?? '';
      if (type.includes('json')) {
        try {
          body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
        } catch {
          return sendJson(res, 400, { errors: [{ message: 'Request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
        }
      } else {
        body = raw.toString('utf8');
      }
    }
    const reqLogger = logger.child({ requestId });
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
      context: () => opts.context({ req, requestId, logger: reqLogger }),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
    } else {
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host}:${address.port}/graphql`;
  logger.info({ url }, `${opts.name} ready`);

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      draining = true;
      logger.info({ inFlight }, 'shutting down: draining in-flight requests');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = Date.now() + (opts.shutdownTimeoutMs ?? 10_000);
      while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      server.closeAllConnections();
      await closed;
      await apollo.stop().catch((err: unknown) => logger.warn({ err }, 'apollo stop failed'));
      await opts.onClose?.().catch((err: unknown) => logger.warn({ err }, 'close failed'));
      logger.info('stopped');
    })());
  return { url, server, close };
}

/** Runs `close` once on SIGTERM, SIGINT or when the parent process (the dev runner) goes away. */
export function closeOnSignals(close: () => Promise<void>, logger: Logger): void {
  let done = false;
  const stop = (why: string) => {
    if (done) return;
    done = true;
    logger.info({ why }, 'stop requested');
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  if (process.send) process.once('disconnect', () => stop('parent exited'));
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });
}
