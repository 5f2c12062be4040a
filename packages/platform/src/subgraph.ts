import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { DocumentNode } from 'graphql';
import type { Migration } from 'kysely';
import { z } from 'zod';
import { commonEnv, envTypes, parseEnv, refuseDevSecretInProduction } from './env.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { createDb, migrateToLatest, type Db } from './db.ts';
import { formatError, ErrorCode } from './errors.ts';
import { Header } from './headers.ts';
import { closeOnSignals, startService, type RequestInfo, type RunningService } from './server.ts';
import { requestScope } from './request-scope.ts';

export const subgraphEnvShape = (defaultPort: number) => ({
  ...commonEnv,
  PORT: envTypes.port(defaultPort),
  DATABASE_URL: envTypes.url(),
  REDIS_URL: envTypes.optionalUrl(),
  /** Run this subgraph's migrations at start (they take a lock, so replicas may all do it). */
  MIGRATE_ON_START: envTypes.bool(true),
  DB_POOL_SIZE: envTypes.positiveInt(10),
});
export type SubgraphEnv = z.infer<z.ZodObject<ReturnType<typeof subgraphEnvShape>>>;

/** What every subgraph request context carries, whatever the domain adds. */
export interface SubgraphBaseContext extends BaseContext {
  requestId: string;
  logger: Logger;
  /** The shopper the gateway verified, if any. Trusted because the caller holds the internal credential. */
  userId: string | undefined;
}

export function baseContext(info: RequestInfo): SubgraphBaseContext {
  const userId = info.req.headers[Header.userId];
  return { requestId: info.requestId, logger: info.logger, userId: typeof userId === 'string' && userId ? userId : undefined };
}

/** Refuses any GraphQL request that lacks the internal service credential. */
export function internalCredentialGuard(secret: string) {
  const expected = Buffer.from(secret);
  return (req: IncomingMessage) => {
    const given = req.headers[Header.internal];
    const ok = typeof given === 'string' && given.length === expected.length && timingSafeEqual(Buffer.from(given), expected);
    return ok ? undefined : { status: 403, code: ErrorCode.FORBIDDEN, message: 'This service only accepts calls that carry the internal credential' };
  };
}

export interface SubgraphDefinition<TDb, TContext extends SubgraphBaseContext> {
  typeDefs: DocumentNode;
  /** Codegen's typed `Resolvers`; structurally a GraphQLResolverMap, which TypeScript cannot see. */
  resolvers: object;
  context: (info: RequestInfo) => Promise<TContext>;
  /** Releases what the builder opened (HTTP pools, background work) before the database closes. */
  close?: () => Promise<void>;
  /** Throws when something else the subgraph needs (e.g. its bus) is unusable; /ready checks it after the database. */
  ready?: () => Promise<void>;
}

export function createSubgraphApollo<TContext extends SubgraphBaseContext>(
  def: { typeDefs: DocumentNode; resolvers: object },
  options: { production: boolean; logger: Logger },
): ApolloServer<TContext> {
  return new ApolloServer<TContext>({
    schema: buildSubgraphSchema({ typeDefs: def.typeDefs, resolvers: def.resolvers as GraphQLResolverMap<unknown> }),
    introspection: !options.production,
    includeStacktraceInErrorResponses: false,
    // No Apollo usage reporting here, so no inline traces to compute for the gateway.
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginInlineTraceDisabled(), requestLogPlugin()],
    formatError: (formatted, error) => {
      const out = formatError(formatted, error);
      if (out.extensions?.code === ErrorCode.INTERNAL_SERVER_ERROR) options.logger.error({ err: error }, 'unexpected resolver error');
      return out;
    },
  });
}

/** One debug line per operation, carrying the request id the gateway sent, so a request can be followed across services. */
function requestLogPlugin<TContext extends SubgraphBaseContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart({ contextValue, request }) {
      const started = performance.now();
      return {
        async willSendResponse({ errors }) {
          contextValue.logger.debug({ operationName: request.operationName, ms: Math.round(performance.now() - started), errors: errors?.length ?? 0 }, 'operation');
        },
      };
    },
  };
}

export interface RunSubgraphOptions<TDb, TContext extends SubgraphBaseContext> {
  name: string;
  defaultPort: number;
  migrations: Record<string, Migration>;
  /** May be async, e.g. to subscribe to the bus before the service reports ready. */
  build: (runtime: { env: SubgraphEnv; logger: Logger; metrics: Metrics; db: Db<TDb> }) => SubgraphDefinition<TDb, TContext> | Promise<SubgraphDefinition<TDb, TContext>>;
}

/** env -> database -> migrate -> build -> listen, and a clean stop on signals. */
export async function runSubgraph<TDb, TContext extends SubgraphBaseContext>(
  options: RunSubgraphOptions<TDb, TContext>,
): Promise<RunningService> {
  const env = parseEnv(subgraphEnvShape(options.defaultPort));
  refuseDevSecretInProduction(env);
  const logger = createLogger(options.name, env.LOG_LEVEL);
  const metrics = createMetrics(options.name);
  const db = createDb<TDb>({ url: env.DATABASE_URL, logger, poolSize: env.DB_POOL_SIZE, onQuery: () => metrics.sqlStatements.inc({ scope: requestScope.getStore() ? 'request' : 'background' }) });
  if (env.MIGRATE_ON_START) await migrateToLatest(db.db, options.migrations);
  const def = await options.build({ env, logger, metrics, db });
  const production = env.NODE_ENV === 'production';
  const service = await startService<TContext>({
    name: options.name,
    host: env.HOST,
    port: env.PORT,
    logger,
    metrics,
    apollo: createSubgraphApollo(def, { production, logger }),
    context: def.context,
    ready: async () => {
      await db.ping();
      await def.ready?.();
    },
    guard: internalCredentialGuard(env.INTERNAL_SECRET),
    graphiql: false,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    onClose: async () => {
      await def.close?.();
      await db.close();
    },
  });
  closeOnSignals(service.close, logger);
  return service;
}
