import { z } from 'zod';

/** Thrown at start when a setting is missing or malformed; the message names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Validates `env` against `shape` and returns the typed settings. Every problem
 * is reported at once, each line naming its variable, so a service fails fast
 * at start rather than at the first request.
 */
export function parseEnv<S extends z.ZodRawShape>(
  shape: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<z.ZodObject<S>> {
  const result = z.object(shape).safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = issue.path.join('.');
    const given = env[name];
    return `  ${name}: ${issue.message}${given === undefined ? '' : ` (got "${redact(name, given)}")`}`;
  });
  throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`);
}

/** Never echo a secret: secrets are hidden whole, passwords inside URLs masked. */
function redact(name: string, value: string): string {
  if (/SECRET|PASSWORD|TOKEN|KEY/i.test(name)) return '***';
  return value.replace(/(\/\/[^:@/\s]+:)[^@/\s]+@/g, '$1***@');
}

/** Reusable variable types. Defaults carry their units in the name or a comment. */
export const envTypes = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback),
  url: () => z.string().url(),
  optionalUrl: () => z.string().url().optional(),
  positiveInt: (fallback: number) => z.coerce.number().int().positive().default(fallback),
  nodeEnv: () => z.enum(['development', 'production', 'test']).default('development'),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** The shared secret that services present to each other (header `x-shop-internal`). */
  internalSecret: () => z.string().min(16, 'must be at least 16 characters').default('dev-internal-secret-change-me'),
  bool: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0'])
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1'),
};

/** Settings every service reads. */
export const commonEnv = {
  NODE_ENV: envTypes.nodeEnv(),
  LOG_LEVEL: envTypes.logLevel(),
  HOST: z.string().default('127.0.0.1'),
  INTERNAL_SECRET: envTypes.internalSecret(),
  /** @default 10_000 // 10 seconds to drain in-flight requests on SIGTERM */
  SHUTDOWN_TIMEOUT_MS: envTypes.positiveInt(10_000),
};

/** Development defaults for access tokens; the gateway refuses them in production. */
export const DEV_JWT = { secret: 'dev-jwt-secret-change-me-0123456789', issuer: 'shop-dev', audience: 'shop' } as const;

export function refuseDevSecretInProduction(env: { NODE_ENV: string; INTERNAL_SECRET: string }): void {
  if (env.NODE_ENV === 'production' && env.INTERNAL_SECRET === 'dev-internal-secret-change-me') {
    throw new ConfigError('Invalid environment:\n  INTERNAL_SECRET: must be set in production (the development default is refused)');
  }
}

/**
 * Runs a service's start-up; a ConfigError ends the process with its message
 * alone (no stack trace), anything else with the error logged.
 */
export async function runMain(main: () => Promise<unknown>): Promise<void> {
  try {
    await main();
  } catch (err) {
    if (err instanceof ConfigError) console.error(err.message);
    else console.error('start failed:', err);
    process.exit(1);
  }
}
