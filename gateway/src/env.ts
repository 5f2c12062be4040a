import { z } from 'zod';
import { commonEnv, envTypes, parseEnv, refuseDevSecretInProduction, ConfigError, DEV_JWT } from '@shop/platform';
import { fileURLToPath } from 'node:url';

const DEV_JWT_SECRET = DEV_JWT.secret;

export const gatewayEnvShape = {
  ...commonEnv,
  PORT: envTypes.port(4000),
  /** The composed supergraph the gateway routes by. */
  SUPERGRAPH_PATH: z.string().default(fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url))),
  /** @default 5_000 // 5 seconds per subgraph request */
  SUBGRAPH_TIMEOUT_MS: envTypes.positiveInt(5_000),
  /** @default 64 // kept-alive connections per subgraph */
  SUBGRAPH_CONNECTIONS: envTypes.positiveInt(64),
  /** Identical subgraph queries in flight at once share one call (never mutations). */
  SUBGRAPH_DEDUPE: envTypes.bool(true),
  /**
   * Who runs the query plans: `own` (this gateway's compiled executor, src/executor/) or `apollo`
   * (@apollo/gateway's executeQueryPlan). The planner is @apollo/gateway's either way.
   */
  QUERY_PLAN_EXECUTOR: z.enum(['own', 'apollo']).default('own'),
  /** With the own executor: entity fetches of one parallel stage to the same subgraph go as one request. */
  MERGE_ENTITY_FETCHES: envTypes.bool(true),
  /** HS256 secret for access tokens (development default); use JWKS_URL in production. */
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').default(DEV_JWT_SECRET),
  /** Verify RS256/ES256 access tokens against this key set instead of JWT_SECRET. */
  JWKS_URL: envTypes.optionalUrl(),
  JWT_ISSUER: z.string().default(DEV_JWT.issuer),
  JWT_AUDIENCE: z.string().default(DEV_JWT.audience),
  /**
   * The clients' persisted-operation manifests (comma-separated paths), from `pnpm codegen`.
   * @default bff-web's and bff-mobile's
   */
  PERSISTED_OPERATIONS: z
    .string()
    .default([fileURLToPath(new URL('../../bff-web/src/__generated__/gateway/persisted-documents.json', import.meta.url)), fileURLToPath(new URL('../../bff-mobile/src/__generated__/gateway/persisted-documents.json', import.meta.url))].join(','))
    .transform((v) => v.split(',').map((p) => p.trim()).filter(Boolean)),
  /** Run only operations from the manifests (refuse full documents). Defaults to true in production. */
  TRUSTED_DOCUMENTS_ONLY: z.enum(['true', 'false', '1', '0']).optional().transform((v) => (v === undefined ? undefined : v === 'true' || v === '1')),
  /** @default 15 // deepest selection set a client may send */
  MAX_QUERY_DEPTH: envTypes.positiveInt(15),
};

export type GatewayEnv = ReturnType<typeof loadGatewayEnv>;

export function loadGatewayEnv(env: Record<string, string | undefined> = process.env) {
  const parsed = parseEnv(gatewayEnvShape, env);
  refuseDevSecretInProduction(parsed);
  const trustedDocumentsOnly = parsed.TRUSTED_DOCUMENTS_ONLY ?? parsed.NODE_ENV === 'production';
  if (parsed.NODE_ENV === 'production' && !parsed.JWKS_URL && parsed.JWT_SECRET === DEV_JWT_SECRET) {
    throw new ConfigError('Invalid environment:\n  JWT_SECRET: must be set in production (or set JWKS_URL)');
  }
  return { ...parsed, TRUSTED_DOCUMENTS_ONLY: trustedDocumentsOnly };
}

/** `CATALOGUE_URL` and friends: where each subgraph runs, overriding the supergraph's URLs. */
export function subgraphUrlOverrides(names: string[], env: Record<string, string | undefined> = process.env): Record<string, string> {
  const shape = Object.fromEntries(names.map((n) => [`${n.toUpperCase()}_URL`, envTypes.optionalUrl()]));
  const parsed = parseEnv(shape, env) as Record<string, string | undefined>;
  return Object.fromEntries(names.flatMap((n) => (parsed[`${n.toUpperCase()}_URL`] ? [[n, parsed[`${n.toUpperCase()}_URL`]!]] : [])));
}
