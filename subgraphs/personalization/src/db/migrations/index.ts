import type { Migration } from 'kysely';
import * as createPersonalization from './2026_11_22_150000_create_personalization.ts';

/** Every migration of this subgraph, in order. */
export const migrations: Record<string, Migration> = {
  '2026_11_22_150000_create_personalization': createPersonalization,
};
