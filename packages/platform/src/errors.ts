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
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A bad argument: the message names it, and so does `extensions.argumentName`. */
export function badUserInput(argumentName: string, message: string): GraphQLError {
  return new GraphQLError(`Invalid argument "${argumentName}": ${message}`, {
    extensions: { code: ErrorCode.BAD_USER_INPUT, argumentName },
  });
}

export function unauthenticated(message = 'A valid access token is required'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } } });
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
