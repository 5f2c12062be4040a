import { SignJWT } from 'jose';
import { DEV_JWT } from '@shop/platform';

/** An access token for `userId`, as `pnpm token --user` makes one (development secret). */
export async function tokenFor(userId: string, ttlSeconds = 3600): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuer(DEV_JWT.issuer)
    .setAudience(DEV_JWT.audience)
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(new TextEncoder().encode(DEV_JWT.secret));
}

export async function bearer(userId: string): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await tokenFor(userId)}` };
}
