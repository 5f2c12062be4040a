import { GraphQLError } from 'graphql';
import { SignJWT, type JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';
import { createTokenVerifier } from './auth.ts';

const SECRET = 'test-secret-that-is-at-least-32-characters-long';
const ISSUER = 'shop-dev';
const AUDIENCE = 'shop';

const verifier = createTokenVerifier({ secret: SECRET, issuer: ISSUER, audience: AUDIENCE });

interface TokenOptions {
  secret?: string;
  issuer?: string;
  audience?: string;
  sub?: string | null;
  /** jose time span or epoch seconds */
  expiresAt?: string | number;
  claims?: JWTPayload;
}

async function token(options: TokenOptions = {}): Promise<string> {
  const jwt = new SignJWT({ ...options.claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expiresAt ?? '1h');
  if (options.sub !== null) jwt.setSubject(options.sub ?? 'user_1');
  return jwt.sign(new TextEncoder().encode(options.secret ?? SECRET));
}

/** Verifies `authorization` and returns the error it rejected with; fails when it resolves. */
async function rejection(authorization: string): Promise<GraphQLError> {
  const result = await verifier.verify(authorization).then(
    (viewer) => ({ viewer }),
    (err: unknown) => ({ err }),
  );
  if (!('err' in result)) throw new Error(`expected a rejection, got ${JSON.stringify(result.viewer)}`);
  expect(result.err).toBeInstanceOf(GraphQLError);
  return result.err as GraphQLError;
}

async function expectUnauthenticated(authorization: string, message?: string): Promise<void> {
  const err = await rejection(authorization);
  expect(err.extensions.code).toBe('UNAUTHENTICATED');
  expect(err.extensions.http).toEqual({ status: 401 });
  if (message) expect(err.message).toBe(message);
}

describe('createTokenVerifier (HS256)', () => {
  it('treats a request without an Authorization header as anonymous', async () => {
    await expect(verifier.verify(undefined)).resolves.toBeUndefined();
    await expect(verifier.verify('')).resolves.toBeUndefined();
  });

  it('accepts a valid token and returns its subject as the viewer', async () => {
    await expect(verifier.verify(`Bearer ${await token()}`)).resolves.toEqual({ userId: 'user_1' });
  });

  it('rejects an expired token', async () => {
    const expired = await token({ expiresAt: Math.floor(Date.now() / 1000) - 60 });
    await expectUnauthenticated(`Bearer ${expired}`, 'The access token has expired');
  });

  it('rejects a token signed with another secret', async () => {
    const forged = await token({ secret: 'another-secret-that-is-also-32-characters-long' });
    await expectUnauthenticated(`Bearer ${forged}`, 'The access token is not valid');
  });

  it('rejects a token for another audience or from another issuer', async () => {
    await expectUnauthenticated(`Bearer ${await token({ audience: 'someone-else' })}`, 'The access token is not valid');
    await expectUnauthenticated(`Bearer ${await token({ issuer: 'shop-prod' })}`, 'The access token is not valid');
  });

  it('rejects a bearer value that is not a JWT', async () => {
    await expectUnauthenticated('Bearer garbage', 'The access token is not valid');
  });

  it('rejects a scheme other than Bearer, and a malformed header', async () => {
    const expected = 'The Authorization header must be "Bearer <access token>"';
    await expectUnauthenticated('Basic abc', expected);
    await expectUnauthenticated(`bearer ${await token()}`, expected);
    await expectUnauthenticated('Bearer ', expected);
    await expectUnauthenticated(`Bearer ${await token()} extra`, expected);
    await expectUnauthenticated(`Bearer ${'a'.repeat(5000)}`, expected);
  });

  it('rejects a token with no subject, or a subject that is not a plain id', async () => {
    await expectUnauthenticated(`Bearer ${await token({ sub: null })}`, 'The access token has no valid subject');
    await expectUnauthenticated(`Bearer ${await token({ sub: 'user 1; DROP' })}`, 'The access token has no valid subject');
  });

  it('rejects a token whose algorithm is not HS256', async () => {
    const hs512 = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS512' })
      .setSubject('user_1')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SECRET));
    await expectUnauthenticated(`Bearer ${hs512}`, 'The access token is not valid');
  });
});
