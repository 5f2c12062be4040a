/**
 * `pnpm token [--user <id>] [--ttl <seconds>]`: prints an access token (only
 * the token) for a demo shopper, signed with the gateway's JWT_SECRET (the
 * development default unless set). Use it as `Authorization: Bearer <token>`.
 */
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { z } from 'zod';
import { DEV_JWT, envTypes, parseEnv } from '@shop/platform';
import { DEMO_SHOPPERS } from '@shop/seed';

try {
  const { values } = parseArgs({ options: { user: { type: 'string', default: DEMO_SHOPPERS[0] }, ttl: { type: 'string', default: '3600' } } });
  const env = parseEnv({
    JWT_SECRET: z.string().min(32).default(DEV_JWT.secret),
    JWT_ISSUER: z.string().default(DEV_JWT.issuer),
    JWT_AUDIENCE: z.string().default(DEV_JWT.audience),
    TOKEN_TTL_SECONDS: envTypes.positiveInt(Number(values.ttl)),
  });
  if (!/^[\w-]{1,100}$/.test(values.user!)) throw new Error(`--user must be letters, digits, _ or -, got "${values.user}"`);
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(values.user!)
    .setIssuer(env.JWT_ISSUER)
    .setAudience(env.JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${env.TOKEN_TTL_SECONDS}s`)
    .sign(new TextEncoder().encode(env.JWT_SECRET));
  process.stdout.write(`${token}\n`);
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(2);
}
