import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, commonEnv, envTypes, parseEnv, refuseDevSecretInProduction } from './env.ts';

const shape = {
  ...commonEnv,
  PORT: envTypes.port(4001),
  DATABASE_URL: envTypes.url(),
  REDIS_URL: envTypes.optionalUrl(),
  POOL_SIZE: envTypes.positiveInt(10),
  CACHE_ENABLED: envTypes.bool(true),
  NAME: z.string(),
};

/** Runs `fn` and returns what it threw; fails the test when it throws nothing. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw');
}

describe('parseEnv', () => {
  it('returns typed values, coercing numbers and booleans from strings', () => {
    const env = parseEnv(shape, {
      PORT: '8080',
      DATABASE_URL: 'postgres://u@db.example:5432/shop',
      REDIS_URL: 'redis://cache.example:6379',
      POOL_SIZE: '25',
      CACHE_ENABLED: 'false',
      NAME: 'inventory',
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      HOST: '0.0.0.0',
      INTERNAL_SECRET: 'a-long-enough-internal-secret',
      SHUTDOWN_TIMEOUT_MS: '2500',
    });
    expect(env).toEqual({
      PORT: 8080,
      DATABASE_URL: 'postgres://u@db.example:5432/shop',
      REDIS_URL: 'redis://cache.example:6379',
      POOL_SIZE: 25,
      CACHE_ENABLED: false,
      NAME: 'inventory',
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      HOST: '0.0.0.0',
      INTERNAL_SECRET: 'a-long-enough-internal-secret',
      SHUTDOWN_TIMEOUT_MS: 2500,
    });
  });

  it('fills in defaults for variables that are not set', () => {
    const env = parseEnv(shape, { DATABASE_URL: 'postgres://localhost/shop', NAME: 'x' });
    expect(env).toEqual({
      PORT: 4001,
      DATABASE_URL: 'postgres://localhost/shop',
      REDIS_URL: undefined,
      POOL_SIZE: 10,
      CACHE_ENABLED: true,
      NAME: 'x',
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      INTERNAL_SECRET: 'dev-internal-secret-change-me',
      SHUTDOWN_TIMEOUT_MS: 10_000,
    });
  });

  it('reads booleans written as 1 and 0', () => {
    expect(parseEnv({ ON: envTypes.bool(false) }, { ON: '1' }).ON).toBe(true);
    expect(parseEnv({ ON: envTypes.bool(true) }, { ON: '0' }).ON).toBe(false);
  });

  it('throws ConfigError naming a missing required variable', () => {
    const err = thrown(() => parseEnv(shape, { NAME: 'x' }));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).name).toBe('ConfigError');
    expect((err as ConfigError).message).toMatch(/^\s*DATABASE_URL: /m);
  });

  it('throws ConfigError naming every malformed variable at once, with the value given', () => {
    const err = thrown(() => parseEnv(shape, { PORT: 'abc', DATABASE_URL: 'not-a-url', NAME: 'x' }));
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as ConfigError).message;
    expect(message).toMatch(/^\s*PORT: .*\(got "abc"\)$/m);
    expect(message).toMatch(/^\s*DATABASE_URL: .*\(got "not-a-url"\)$/m);
    // Only the bad variables are reported.
    expect(message).not.toMatch(/NAME|POOL_SIZE|HOST/);
  });

  it('rejects out-of-range and non-integer ports, bad enums and short secrets', () => {
    for (const [name, value] of [
      ['PORT', '70000'],
      ['PORT', '80.5'],
      ['POOL_SIZE', '0'],
      ['LOG_LEVEL', 'loud'],
      ['CACHE_ENABLED', 'yes'],
      ['INTERNAL_SECRET', 'short'],
    ] as const) {
      const err = thrown(() => parseEnv(shape, { DATABASE_URL: 'postgres://localhost/shop', NAME: 'x', [name]: value }));
      expect(err, `${name}=${value}`).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).message, `${name}=${value}`).toContain(`${name}: `);
      // Secrets are never echoed back.
      expect((err as ConfigError).message, `${name}=${value}`).toContain(name === 'INTERNAL_SECRET' ? '(got "***")' : `(got "${value}")`);
    }
  });
});

describe('refuseDevSecretInProduction', () => {
  it('refuses the development secret in production only', () => {
    const err = thrown(() => refuseDevSecretInProduction({ NODE_ENV: 'production', INTERNAL_SECRET: 'dev-internal-secret-change-me' }));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toContain('INTERNAL_SECRET');
    expect(() => refuseDevSecretInProduction({ NODE_ENV: 'development', INTERNAL_SECRET: 'dev-internal-secret-change-me' })).not.toThrow();
    expect(() => refuseDevSecretInProduction({ NODE_ENV: 'production', INTERNAL_SECRET: 'a-real-production-secret' })).not.toThrow();
  });
});

describe('parseEnv redaction', () => {
  it('never echoes a secret or a password inside a URL', () => {
    let message = '';
    try {
      parseEnv({ INTERNAL_SECRET: z.string().min(64), DATABASE_URL: envTypes.url(), RELAY_SOURCES: z.string().regex(/^x$/) }, { INTERNAL_SECRET: 'short-but-secret', DATABASE_URL: 'postgres://u:hunter2@db', RELAY_SOURCES: 'a=postgres://u:hunter2@db/x' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('INTERNAL_SECRET');
    expect(message).toContain('RELAY_SOURCES');
    expect(message).not.toContain('short-but-secret');
    expect(message).not.toContain('hunter2');
  });
});
