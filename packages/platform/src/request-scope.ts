import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Marks work done on behalf of an HTTP request, so that background work (a
 * sweeper, a relay) can be told apart, e.g. in the SQL statement counter.
 */
export const requestScope = new AsyncLocalStorage<{ requestId: string }>();
