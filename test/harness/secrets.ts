/**
 * The internal service credential the e2e stack runs with. Deliberately not
 * the development default: a gateway started in production mode refuses that
 * default, and it must share the stack's credential to call its subgraphs.
 * test/setup/stack.ts gives it to every service; startExtra gives it to extra ones.
 */
export const E2E_INTERNAL_SECRET = 'e2e-internal-secret-not-the-dev-default';

/** A JWT secret for extra gateways in production mode (which refuse the development one). */
export const E2E_PRODUCTION_JWT_SECRET = 'e2e-production-jwt-secret-of-32-chars-or-more';
