import { AsyncLocalStorage } from 'node:async_hooks';
import type { Metrics } from './metrics.ts';

/**
 * Marks work done on behalf of an HTTP request, so that background work (a
 * sweeper, a relay) can be told apart, e.g. in the SQL statement counter.
 * It also carries the serving service's metrics, so that code the request
 * reaches deep inside a subgraph (its DataLoaders, see namedLoader) can
 * record into them without every builder being handed them.
 */
export const requestScope = new AsyncLocalStorage<{ requestId: string; metrics?: Pick<Metrics, 'dataloaderBatchSize'> }>();
