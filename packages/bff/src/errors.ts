import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '@shop/platform';

/**
 * The codes a BFF's clients can see, in `extensions.code`. Every gateway error
 * is translated into one of them with a message written here: a raw upstream
 * message or stack never reaches the storefront or the app.
 */
export const BffErrorCode = {
  BAD_USER_INPUT: ErrorCode.BAD_USER_INPUT,
  UNAUTHENTICATED: ErrorCode.UNAUTHENTICATED,
  FORBIDDEN: ErrorCode.FORBIDDEN,
  NOT_FOUND: ErrorCode.NOT_FOUND,
  INSUFFICIENT_STOCK: ErrorCode.INSUFFICIENT_STOCK,
  /** The gateway, or a subgraph behind it, did not answer in time. */
  UPSTREAM_UNAVAILABLE: ErrorCode.UPSTREAM_UNAVAILABLE,
  /** The HTTP request itself is malformed (a body that is not JSON, no query). */
  BAD_REQUEST: 'BAD_REQUEST',
  /** The request is not valid GraphQL for this BFF's schema. */
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  INTERNAL_SERVER_ERROR: ErrorCode.INTERNAL_SERVER_ERROR,
} as const;
export type BffErrorCode = (typeof BffErrorCode)[keyof typeof BffErrorCode];

const MESSAGES: Record<BffErrorCode, string> = {
  BAD_USER_INPUT: 'The request has an invalid argument',
  UNAUTHENTICATED: 'Sign in to do this',
  FORBIDDEN: 'Not allowed',
  NOT_FOUND: 'Not found',
  INSUFFICIENT_STOCK: 'Not enough stock',
  UPSTREAM_UNAVAILABLE: 'The shop is not answering right now; try again in a moment',
  BAD_REQUEST: 'The request is malformed',
  GRAPHQL_VALIDATION_FAILED: 'The request is not valid for this API',
  INTERNAL_SERVER_ERROR: 'Internal server error',
};

/** An error a BFF resolver throws on purpose: its message and code reach the client as they are. */
export class BffError extends GraphQLError {
  constructor(code: BffErrorCode, message: string = MESSAGES[code], extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extensions, code } });
  }
}

/** A bad argument of the BFF's own schema, checked before the gateway is called. */
export function invalidArgument(argumentName: string, message: string): BffError {
  return new BffError(BffErrorCode.BAD_USER_INPUT, `Invalid argument "${argumentName}": ${message}`, { argumentName });
}

/**
 * Translates one gateway error into the BFF's list. Codes the client can act on
 * keep their meaning (with the BFF's own message); anything else (a validation
 * failure of the BFF's own document, a refused persisted operation, an internal
 * error upstream) is the BFF's fault or the system's, so the client sees
 * INTERNAL_SERVER_ERROR and the logs get the details.
 */
export function fromGatewayError(error: GraphQLFormattedError): BffError {
  const code = error.extensions?.code;
  const argumentName = typeof error.extensions?.argumentName === 'string' ? error.extensions.argumentName : undefined;
  switch (code) {
    case ErrorCode.BAD_USER_INPUT:
      return new BffError(BffErrorCode.BAD_USER_INPUT, argumentName ? `Invalid argument "${argumentName}"` : MESSAGES.BAD_USER_INPUT, argumentName ? { argumentName } : {});
    case ErrorCode.UNAUTHENTICATED:
    case ErrorCode.FORBIDDEN:
    case ErrorCode.NOT_FOUND:
    case ErrorCode.INSUFFICIENT_STOCK:
    case ErrorCode.UPSTREAM_UNAVAILABLE:
      return new BffError(code);
    default:
      return new BffError(BffErrorCode.INTERNAL_SERVER_ERROR);
  }
}

/** The client-facing shape of any error a BFF's execution produced (no stack, no upstream text). */
export function formatBffError(error: GraphQLError): { formatted: GraphQLFormattedError; unexpected: boolean; badRequest?: boolean } {
  if (error instanceof BffError) return { formatted: { message: error.message, path: error.path, extensions: error.extensions }, unexpected: false };
  const original = error.originalError as (Error & { statusCode?: unknown }) | undefined;
  if (original && !(original instanceof GraphQLError) && typeof original.statusCode === 'number' && original.statusCode >= 400 && original.statusCode < 500) {
    // Fastify's own refusals (malformed JSON, a body too large): their messages describe the request only.
    return { formatted: { message: original.message, extensions: { code: BffErrorCode.BAD_REQUEST } }, unexpected: false, badRequest: true };
  }
  if (original instanceof BffError) {
    return { formatted: { message: original.message, path: error.path, extensions: original.extensions }, unexpected: false };
  }
  if (!error.path && /^Variable "\$/.test(error.message)) {
    // A variable that does not fit its type (an unknown enum value, a missing non-null): graphql-js names the variable.
    return { formatted: { message: error.message, locations: error.locations, extensions: { code: BffErrorCode.BAD_USER_INPUT } }, unexpected: false, badRequest: true };
  }
  if (!original && !error.path) {
    // Parse and validation errors of the client's own document: safe to show, they describe the request.
    return { formatted: { message: error.message, locations: error.locations, extensions: { code: BffErrorCode.GRAPHQL_VALIDATION_FAILED } }, unexpected: false };
  }
  if (original && 'code' in original && String((original as { code: unknown }).code).startsWith('MER_ERR_GQL_VALIDATION')) {
    return { formatted: { message: error.message, extensions: { code: BffErrorCode.GRAPHQL_VALIDATION_FAILED } }, unexpected: false };
  }
  // Argument coercion (a bad enum value, a null for a non-null variable) is reported by graphql-js without an original error.
  if (!original) return { formatted: { message: error.message, locations: error.locations, path: error.path, extensions: { code: BffErrorCode.BAD_USER_INPUT } }, unexpected: false };
  return { formatted: { message: MESSAGES.INTERNAL_SERVER_ERROR, path: error.path, extensions: { code: BffErrorCode.INTERNAL_SERVER_ERROR } }, unexpected: true };
}
