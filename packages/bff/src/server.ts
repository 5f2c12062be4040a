import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import mercurius, { type IResolvers, type MercuriusContext } from 'mercurius';
import { GraphQLError, NoSchemaIntrospectionCustomRule, type ValidationContext, type ASTVisitor } from 'graphql';
import { GRAPHIQL_ASSET_PREFIX, graphiqlAsset, graphiqlHtml, Header, type Logger, type Metrics } from '@shop/platform';
import { formatBffError } from './errors.ts';
import { attachLiveServer, type LiveSocket, type LiveViewer } from './live/ws-server.ts';

export interface BffRequestInfo {
  requestId: string;
  /** The shopper's `Authorization` header, to pass on to the gateway. */
  authorization: string | undefined;
  logger: Logger;
}

export interface BffServerOptions<TContext> {
  name: string;
  host: string;
  port: number;
  logger: Logger;
  metrics: Metrics;
  /** The BFF's own SDL. */
  schema: string;
  resolvers: IResolvers;
  context: (info: BffRequestInfo) => TContext;
  /** Throws when the BFF cannot serve (gateway or bus unusable). */
  ready: () => Promise<void>;
  production: boolean;
  graphiqlDefaultQuery?: string;
  /** @default 15 // deepest selection a client may send (GraphiQL's introspection query is 15 deep) */
  maxDepth?: number;
  /** @default 10_000 // 10 seconds to drain in-flight requests */
  shutdownTimeoutMs?: number;
  /** Called after the HTTP server closed: release pools and subscriptions. */
  onClose?: () => Promise<void>;
  /** Adds routes (a demo page) before the server listens. */
  extend?: (app: FastifyInstance) => Promise<void> | void;
  /** The graphql-ws endpoint for the schema's Subscription fields, on the same port and path. */
  live?: {
    verify: (authorization: string) => Promise<LiveViewer | undefined>;
    context: (socket: LiveSocket) => TContext;
  };
}

export interface RunningBff {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * A BFF's HTTP server: Fastify with mercurius (JIT-compiled after a query's
 * second run) at /graphql, plus /health, /ready, /metrics and, in
 * development, GraphiQL from locally served assets at GET /graphql (or
 * /graphiql). Introspection is off in production.
 */
export async function startBffServer<TContext>(opts: BffServerOptions<TContext>): Promise<RunningBff> {
  const { logger, metrics } = opts;
  const app = Fastify({ logger: false, bodyLimit: 1_048_576, forceCloseConnections: 'idle', return503OnClosing: true, genReqId: requestIdOf });
  app.addHook('onResponse', async (req, reply) => {
    metrics.httpDuration.observe({ route: routeOf(req), status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
  app.addHook('onSend', async (req, reply) => {
    reply.header(Header.requestId, req.id);
  });

  app.get('/health', async () => ({ status: 'ok', service: opts.name }));
  app.get('/ready', async (_req, reply) => {
    try {
      await opts.ready();
      return { status: 'ready', service: opts.name };
    } catch (err) {
      return reply.code(503).send({ status: 'unavailable', reason: (err as Error).message });
    }
  });
  app.get('/metrics', async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));

  if (!opts.production) {
    const page = graphiqlHtml({ title: opts.name, endpoint: '/graphql', defaultQuery: opts.graphiqlDefaultQuery });
    app.get(`${GRAPHIQL_ASSET_PREFIX}*`, async (req, reply) => {
      const asset = graphiqlAsset((req.params as { '*': string })['*']);
      if (!asset) return reply.code(404).send({ error: 'not found' });
      return reply.type(asset.type).header('cache-control', 'public, max-age=86400').send(asset.body);
    });
    app.get('/graphiql', async (_req, reply) => reply.type('text/html; charset=utf-8').send(page));
    // A browser opening the endpoint itself gets GraphiQL; GraphQL GET requests (with a query string) go to mercurius.
    app.addHook('onRequest', async (req, reply) => {
      if (req.method === 'GET' && req.url === '/graphql' && (req.headers.accept ?? '').includes('text/html')) {
        return reply.type('text/html; charset=utf-8').send(page);
      }
    });
  }

  // Subscriptions run on the graphql-ws endpoint, not through mercurius (whose own subscription support is off).
  const { Subscription: subscriptionResolvers, ...httpResolvers } = opts.resolvers as IResolvers & { Subscription?: Record<string, { subscribe: unknown; resolve?: unknown }> };
  await app.register(mercurius, {
    schema: opts.schema,
    resolvers: httpResolvers as IResolvers,
    path: '/graphql',
    graphiql: false,
    jit: 1,
    queryDepth: opts.maxDepth ?? 15,
    allowBatchedQueries: false,
    validationRules: opts.production ? [noSubscriptionOverHttp, NoSchemaIntrospectionCustomRule] : [noSubscriptionOverHttp],
    context: (req: FastifyRequest) => opts.context({ requestId: String(req.id), authorization: headerOf(req, Header.authorization), logger: logger.child({ requestId: req.id }) }) as unknown as MercuriusContext,
    errorFormatter: (execution, ctx) => {
      let unexpected = false;
      let badRequest = false;
      const errors = (execution.errors ?? []).flatMap((error) => {
        // mercurius wraps validation failures: their list is inside.
        const inner = (error.originalError as { errors?: GraphQLError[] } | undefined)?.errors;
        return Array.isArray(inner) ? inner : [error];
      }).map((error) => {
        const out = formatBffError(error as GraphQLError);
        if (out.badRequest) badRequest = true;
        if (out.unexpected) {
          unexpected = true;
          logger.error({ err: (error as GraphQLError).originalError ?? error, path: (error as GraphQLError).path }, 'unexpected error in a BFF resolver');
        }
        return out.formatted;
      });
      void ctx;
      // GraphQL over HTTP (application/json): execution errors are 200; a request that never ran is 400.
      const ran = execution.data !== undefined && execution.data !== null;
      const statusCode = badRequest ? 400 : ran || unexpected || errors.every((e) => e.path) ? 200 : 400;
      return { statusCode, response: { data: execution.data ?? null, errors } };
    },
  });

  await opts.extend?.(app);
  if (opts.live && subscriptionResolvers) {
    const live = opts.live;
    let dispose: (() => Promise<void>) | undefined;
    // Once mercurius has built the schema: give its Subscription fields their subscribe functions, and open the socket endpoint.
    app.addHook('onReady', async () => {
      const schema = app.graphql.schema;
      const fields = schema.getSubscriptionType()?.getFields() ?? {};
      for (const [field, resolver] of Object.entries(subscriptionResolvers)) {
        if (!fields[field]) throw new Error(`Subscription.${field}: not in the schema`);
        Object.assign(fields[field], { subscribe: resolver.subscribe, resolve: resolver.resolve ?? ((payload: unknown) => payload) });
      }
      dispose = attachLiveServer({ app, schema, logger, metrics, production: opts.production, verify: live.verify, context: live.context }).dispose;
    });
    // Sockets close with 1001 before the HTTP server stops.
    app.addHook('preClose', async () => {
      await dispose?.();
    });
  }

  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ errors: [{ message: `No route ${req.url.split('?')[0]}; GraphQL is served at /graphql`, extensions: { code: 'NOT_FOUND' } }] });
  });
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) logger.error({ err, requestId: req.id }, 'request failed');
    void reply.code(status).send({ errors: [{ message: status === 500 ? 'Internal server error' : err.message, extensions: { code: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' } }] });
  });

  await app.listen({ host: opts.host, port: opts.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const url = `http://${opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host}:${port}/graphql`;
  logger.info({ url }, `${opts.name} ready`);
  app.server.keepAliveTimeout = 65_000; // longer than a typical load balancer's idle timeout

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      logger.info('shutting down: draining in-flight requests');
      const timer = setTimeout(() => app.server.closeAllConnections(), opts.shutdownTimeoutMs ?? 10_000);
      await app.close();
      clearTimeout(timer);
      await opts.onClose?.().catch((err: unknown) => logger.warn({ err }, 'close failed'));
      logger.info('stopped');
    })());
  return { url, app, close };
}

/** Subscriptions belong to the graphql-ws endpoint: over HTTP they are a clear validation error, not an empty result. */
function noSubscriptionOverHttp(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(node) {
      if (node.operation === 'subscription') {
        context.reportError(new GraphQLError('Subscriptions run over WebSocket (graphql-transport-ws) at this URL, not over HTTP', { nodes: node }));
      }
    },
  };
}

function requestIdOf(req: { headers: Record<string, string | string[] | undefined> }): string {
  const given = req.headers[Header.requestId];
  return typeof given === 'string' && /^[\w-]{1,100}$/.test(given) ? given : randomUUID();
}

function headerOf(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

function routeOf(req: FastifyRequest): string {
  const route = req.routeOptions?.url;
  if (route === '/graphql') return 'graphql';
  if (route === '/health' || route === '/ready' || route === '/metrics') return route.slice(1);
  if (route?.startsWith(GRAPHIQL_ASSET_PREFIX) || route === '/graphiql') return 'graphiql';
  return 'other';
}

export type { FastifyInstance, FastifyReply };
