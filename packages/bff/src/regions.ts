import type { RegionCode } from '@shop/platform';

export interface RegionInfo {
  code: RegionCode;
  name: string;
  currencyCode: string;
  locale: string;
  taxIncluded: boolean;
}

/**
 * Pricing owns the regions (currency, locale, tax rule); a BFF asks once and
 * keeps the answer for `ttlMs`, sharing one request among concurrent callers.
 */
export class RegionDirectory {
  private loaded: { at: number; byCode: Map<string, RegionInfo> } | undefined;
  private pending: Promise<Map<string, RegionInfo>> | undefined;

  /** @param ttlMs @default 300_000 // 5 minutes */
  constructor(private readonly fetchRegions: () => Promise<RegionInfo[]>, private readonly ttlMs = 300_000) {}

  async get(code: string): Promise<RegionInfo> {
    const byCode = await this.all();
    const region = byCode.get(code);
    if (!region) throw new Error(`region ${code} unknown to pricing`);
    return region;
  }

  async list(): Promise<RegionInfo[]> {
    return [...(await this.all()).values()];
  }

  private async all(): Promise<Map<string, RegionInfo>> {
    if (this.loaded && Date.now() - this.loaded.at < this.ttlMs) return this.loaded.byCode;
    this.pending ??= this.fetchRegions()
      .then((list) => {
        const byCode = new Map(list.map((r) => [r.code, r]));
        this.loaded = { at: Date.now(), byCode };
        return byCode;
      })
      .finally(() => (this.pending = undefined));
    return this.pending;
  }
}
