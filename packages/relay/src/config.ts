import { z } from 'zod';
import { ConfigError, envTypes, parseEnv } from '@shop/platform';

export interface RelaySource {
  /** The producing subgraph, e.g. `inventory`. */
  name: string;
  /** Its database, which holds its outbox table. */
  url: string;
}

/**
 * Parses `name=postgresUrl,name=postgresUrl`; reports the first bad pair.
 * A URL may itself contain `=` (query options): only the first `=` splits.
 */
export function parseSources(value: string): RelaySource[] {
  const sources: RelaySource[] = [];
  for (const pair of value.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = pair.indexOf('=');
    const name = eq > 0 ? pair.slice(0, eq).trim() : '';
    const url = pair.slice(eq + 1).trim();
    if (!/^[a-z][a-z0-9_-]*$/.test(name)) throw new Error(`"${name || pair}" is not a source name (lower-case letters, digits, _ and -) in a name=postgresUrl pair`);
    if (!/^postgres(ql)?:\/\//.test(url) || !URL.canParse(url)) throw new Error(`source "${name}": the URL must be postgres://…`);
    if (sources.some((s) => s.name === name)) throw new Error(`source "${name}" is listed twice`);
    sources.push({ name, url });
  }
  if (sources.length === 0) throw new Error('must list at least one name=postgresUrl pair');
  return sources;
}

export const relayEnvShape = {
  LOG_LEVEL: envTypes.logLevel(),
  HOST: z.string().default('127.0.0.1'),
  /** 0 picks a free port (tests). */
  PORT: envTypes.port(4300),
  /** Comma-separated `name=postgresUrl` pairs, one per subgraph with an outbox. */
  RELAY_SOURCES: z.string().transform((value, ctx) => {
    try {
      return parseSources(value);
    } catch (err) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: (err as Error).message });
      return z.NEVER;
    }
  }),
  /** The bus is Redis Streams when set. */
  REDIS_URL: envTypes.optionalUrl(),
  /** Redis: stream key prefix, to share one Redis between deployments (or test runs). */
  BUS_STREAM_PREFIX: z.string().min(1).default('shop:events:'),
  /** Else the PostgreSQL bus database; required without REDIS_URL. */
  BUS_DATABASE_URL: envTypes.optionalUrl(),
  /** Outbox rows per publishing transaction. */
  RELAY_BATCH_SIZE: envTypes.positiveInt(100),
  /** Poll fallback when no NOTIFY arrives, in milliseconds. */
  RELAY_POLL_INTERVAL_MS: envTypes.positiveInt(1_000),
};

export type RelayEnv = ReturnType<typeof parseRelayEnv>;

export function parseRelayEnv(env: Record<string, string | undefined> = process.env) {
  const parsed = parseEnv(relayEnvShape, env);
  if (!parsed.REDIS_URL && !parsed.BUS_DATABASE_URL) {
    throw new ConfigError('Invalid environment:\n  BUS_DATABASE_URL: required when REDIS_URL is not set (the bus is then PostgreSQL)');
  }
  return parsed;
}
