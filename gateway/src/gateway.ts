import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { Counter } from 'prom-client';
import { formatError, Header, type Logger, type Metrics, type RequestInfo } from '@shop/platform';
import { createTokenVerifier, type Viewer } from './auth.ts';
import { SubgraphDataSource } from './data-source.ts';
import { PlanExecutingGateway } from './executor/index.ts';
import { knownOperationTypeRule, maxDepthRule } from './validation.ts';
import { loadManifests, persistedQueryStore, trustedDocumentsPlugin } from './persisted-operations.ts';
import type { GatewayEnv } from './env.ts';

export interface GatewayContext {
  requestId: string;
  logger: Logger;
  viewer: Viewer | undefined;
  authorization: string | undefined;
}

/** The subgraph names and URLs a supergraph routes to (its join__Graph enum). */
export function supergraphSubgraphs(supergraphSdl: string): { name: string; url: string }[] {
  return [...supergraphSdl.matchAll(/@join__graph\(name: "([^"]+)", url: "([^"]+)"\)/g)].map((m) => ({ name: m[1]!, url: m[2]! }));
}

/** Pure builder: the Apollo server over the gateway, and its per-request context. */
export function buildGateway({ env, logger, metrics, supergraphSdl, urlOverrides }: { env: GatewayEnv; logger: Logger; metrics: Metrics; supergraphSdl: string; urlOverrides: Record<string, string> }) {
  const production = env.NODE_ENV === 'production';
  const services: Record<string, SubgraphDataSource> = {};
  const gateway = new ApolloGateway({
    supergraphSdl,
    logger: { debug: () => {}, info: (m) => logger.debug(m), warn: (m) => logger.warn(m), error: (m) => logger.error(m) },
    buildService: ({ name, url }) => {
      const source = new SubgraphDataSource({ name, url: urlOverrides[name] ?? url!, internalSecret: env.INTERNAL_SECRET, timeoutMs: env.SUBGRAPH_TIMEOUT_MS, connections: env.SUBGRAPH_CONNECTIONS, dedupe: env.SUBGRAPH_DEDUPE });
      services[name] = source;
      return source;
    },
  });
  let loaded = false;
  gateway.onSchemaLoadOrUpdate(() => (loaded = true));
  const verifier = createTokenVerifier({ secret: env.JWT_SECRET, jwksUrl: env.JWKS_URL, issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE });
  const manifest = loadManifests(env.PERSISTED_OPERATIONS);
  const executions = new Counter({
    name: 'shop_gateway_executions_total',
    help: "Operations executed by query plan executor: own (src/executor/) or apollo (@apollo/gateway's, for what the own one leaves to it)",
    labelNames: ['executor'],
    registers: [metrics.registry],
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway: env.QUERY_PLAN_EXECUTOR === 'own' ? new PlanExecutingGateway(gateway, { logger, services, mergeFetches: env.MERGE_ENTITY_FETCHES, onExecute: (executor) => executions.inc({ executor }) }) : gateway,
    introspection: !production,
    includeStacktraceInErrorResponses: false,
    validationRules: [knownOperationTypeRule, maxDepthRule(env.MAX_QUERY_DEPTH)],
    persistedQueries: { cache: persistedQueryStore(manifest, { trustedOnly: env.TRUSTED_DOCUMENTS_ONLY }), ttl: null },
    plugins: [ApolloServerPluginLandingPageDisabled(), ...(env.TRUSTED_DOCUMENTS_ONLY ? [trustedDocumentsPlugin(manifest)] : [])],
    formatError: (formatted, error) => {
      const out = formatError(formatted, error);
      if (out.extensions?.code === 'INTERNAL_SERVER_ERROR') logger.error({ err: error }, 'unexpected gateway error');
      return out;
    },
  });
  return {
    apollo,
    subgraphs: supergraphSubgraphs(supergraphSdl),
    /** Closes the kept-alive connections to the subgraphs (after the server drained). */
    close: async () => {
      await Promise.all(Object.values(services).map((s) => s.close()));
    },
    ready: async () => {
      if (!loaded) throw new Error('supergraph not loaded');
    },
    context: async ({ req, requestId, logger: reqLogger }: RequestInfo): Promise<GatewayContext> => {
      const authorization = req.headers[Header.authorization];
      const viewer = await verifier.verify(authorization);
      return { requestId, logger: reqLogger, viewer, authorization };
    },
  };
}
