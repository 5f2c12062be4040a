import type { Migration } from 'kysely';
import * as createPersonalization from './2026_11_22_150000_create_personalization.ts';
import * as stockOutIndex from './2026_11_22_160000_stock_out_index.ts';
import * as compactLists from './2026_11_22_170000_compact_lists.ts';

/** Every migration of this subgraph, in order. */
export const migrations: Record<string, Migration> = {
  '2026_11_22_150000_create_personalization': createPersonalization,
  '2026_11_22_160000_stock_out_index': stockOutIndex,
  '2026_11_22_170000_compact_lists': compactLists,
};
