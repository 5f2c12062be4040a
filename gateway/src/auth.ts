import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { unauthenticated as unauthenticatedError } from '@shop/platform';

const unauthenticated = (message: string) => unauthenticatedError(message, 401);

export interface Viewer {
  userId: string;
}

export interface TokenVerifier {
  /** undefined for an anonymous request; throws UNAUTHENTICATED for a bad token. */
  verify(authorization: string | undefined): Promise<Viewer | undefined>;
}

/**
 * Verifies `Authorization: Bearer <jwt>`: HS256 with a shared secret by
 * default, or a JWKS endpoint in production. Forged, expired or malformed
 * tokens are UNAUTHENTICATED, never a 500.
 */
export function createTokenVerifier(options: { secret: string; jwksUrl?: string; issuer: string; audience: string }): TokenVerifier {
  const key = options.jwksUrl ? createRemoteJWKSet(new URL(options.jwksUrl)) : new TextEncoder().encode(options.secret);
  const algorithms = options.jwksUrl ? ['RS256', 'ES256', 'EdDSA'] : ['HS256'];
  return {
    async verify(authorization) {
      if (authorization === undefined || authorization === '') return undefined;
      const match = /^Bearer ([A-Za-z0-9_.-]{1,4096})$/.exec(authorization.trim());
      if (!match) throw unauthenticated('The Authorization header must be "Bearer <access token>"');
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(match[1]!, key as Uint8Array, { algorithms, issuer: options.issuer, audience: options.audience }));
      } catch (err) {
        if (err instanceof errors.JWTExpired) throw unauthenticated('The access token has expired');
        throw unauthenticated('The access token is not valid');
      }
      if (typeof payload.sub !== 'string' || !/^[\w-]{1,100}$/.test(payload.sub)) throw unauthenticated('The access token has no valid subject');
      return { userId: payload.sub };
    },
  };
}
