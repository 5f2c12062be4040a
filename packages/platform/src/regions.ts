/** The regions the shop sells in: the shared vocabulary of every region-dependent field. */
export const REGION_CODES = ['US', 'EU', 'GB', 'IN', 'BR'] as const;
export type RegionCode = (typeof REGION_CODES)[number];

export function isRegionCode(value: unknown): value is RegionCode {
  return typeof value === 'string' && (REGION_CODES as readonly string[]).includes(value);
}
