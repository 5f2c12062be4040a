import type { Kysely, Selectable } from 'kysely';
import type { PricingDatabase, RegionTable } from '../db/database.ts';

export type RegionRow = Selectable<RegionTable>;

/** SELECT * FROM region (five rows), returned in the RegionCode enum's order */
export function listRegions(db: Kysely<PricingDatabase>): Promise<RegionRow[]> {
  return db.selectFrom('region').selectAll().execute().then((rows) => rows.sort((a, b) => ORDER.indexOf(a.code) - ORDER.indexOf(b.code)));
}
const ORDER = ['US', 'EU', 'GB', 'IN', 'BR'];
