import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/**
 * The one list of error codes that leave the system, in `extensions.code`
 * (thrown errors) or in `userErrors[].code` (errors as data).
 */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  INSUFFICIENT_STOCK: 'INSUFFICIENT_STOCK',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  /** A subgraph or service the operation needs did not answer in time. */
  UPSTREAM_UNAVAILABLE: 'UPSTREAM_UNAVAILABLE',
  /** The cart holds nothing to commit, or some of its holds lapsed: nothing was committed. */
  RESERVATION_EXPIRED: 'RESERVATION_EXPIRED',
  /** The cart's holds were committed before (a retried checkout): nothing changed now. */
  ALREADY_COMMITTED: 'ALREADY_COMMITTED',
  CART_EMPTY: 'CART_EMPTY',
  /** The cart was checked out; it takes no more changes. */
  CART_CLOSED: 'CART_CLOSED',
  PAYMENT_DECLINED: 'PAYMENT_DECLINED',
  PAYMENT_INVALID: 'PAYMENT_INVALID',
  /** The idempotency key was first used with another cart. */
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A bad argument: the message names it, and so does `extensions.argumentName`. */
export function badUserInput(argumentName: string, message: string): GraphQLError {
  return new GraphQLError(`Invalid argument "${argumentName}": ${message}`, {
    extensions: { code: ErrorCode.BAD_USER_INPUT, argumentName },
  });
}

/**
 * No or a bad access token. `httpStatus` 401 only where the whole request is
 * refused (the gateway's token check); a subgraph's resolver error must stay a
 * 200 so the gateway reads it as a GraphQL error, not a failed fetch.
 */
export function unauthenticated(message = 'A valid access token is required', httpStatus?: number): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.UNAUTHENTICATED, ...(httpStatus ? { http: { status: httpStatus } } : {}) } });
}

export function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.FORBIDDEN, http: { status: 403 } } });
}

/**
 * Apollo Server `formatError`: known codes pass through; anything unexpected
 * is logged by the caller and leaves as a generic INTERNAL_SERVER_ERROR with no
 * message details and never a stack trace.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
  if (typeof code === 'string' && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
    return { ...formatted, extensions };
  }
  // Errors a subgraph reported through the gateway keep their own (already safe) message.
  if (extensions.serviceName) return { ...formatted, extensions };
  void error;
  return {
    message: 'Internal server error',
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}
