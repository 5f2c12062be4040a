import type { RegionCode } from '@shop/platform';
import { Rng, hash32 } from './random.ts';
import {
  ADJECTIVES, APPAREL_BRANDS, APPAREL_CARE, APPAREL_SIZES, HOME_CARE, COLOURS, FITS, HOME_BRANDS, HOME_SIZES,
  LEAF_CATEGORIES, SHOE_SIZES, SYLLABLES, TOP_CATEGORIES, USES, type LeafCategory,
} from './data.ts';

/** The default catalogue size; `--products N` scales it (100,000 for benchmarks). */
export const DEFAULT_PRODUCT_COUNT = 2_000;
/** Bump when the generator's output changes, so that seeded databases know they are stale. */
export const SEED_VERSION = 'v1';

export interface SeedCategory { id: string; slug: string; name: string; parentId: string | null; position: number }
export interface SeedImage { url: string; altText: string | null; position: number }
export interface SeedOption { name: string; value: string }
export interface SeedVariant { sku: string; title: string; options: SeedOption[]; position: number }
export interface SeedProduct {
  /** 0-based product number; everything else derives from it. */
  n: number;
  id: string;
  slug: string;
  title: string;
  description: string;
  brand: string;
  categoryId: string;
  tags: string[];
  images: SeedImage[];
  variants: SeedVariant[];
  createdAt: Date;
  /** USD cents before regional price lists */
  basePriceCents: number;
  onSale: boolean;
}

export interface SeedRegion { code: RegionCode; name: string; currencyCode: string; taxIncluded: boolean; taxRateBasisPoints: number; locale: string }
/**
 * US prices exclude sales tax (added at checkout); the others include VAT/GST/ICMS.
 * `priceFactor` turns a USD base price into the region's own price list.
 */
export const REGIONS: (SeedRegion & { priceFactor: number; minorPerMajor: number })[] = [
  { code: 'US', name: 'United States', currencyCode: 'USD', taxIncluded: false, taxRateBasisPoints: 725, locale: 'en-US', priceFactor: 1, minorPerMajor: 100 },
  { code: 'EU', name: 'European Union', currencyCode: 'EUR', taxIncluded: true, taxRateBasisPoints: 2_100, locale: 'de-DE', priceFactor: 1.12, minorPerMajor: 100 },
  { code: 'GB', name: 'United Kingdom', currencyCode: 'GBP', taxIncluded: true, taxRateBasisPoints: 2_000, locale: 'en-GB', priceFactor: 0.95, minorPerMajor: 100 },
  { code: 'IN', name: 'India', currencyCode: 'INR', taxIncluded: true, taxRateBasisPoints: 1_800, locale: 'en-IN', priceFactor: 90, minorPerMajor: 100 },
  { code: 'BR', name: 'Brazil', currencyCode: 'BRL', taxIncluded: true, taxRateBasisPoints: 1_700, locale: 'pt-BR', priceFactor: 6.2, minorPerMajor: 100 },
];

export interface SeedLocation { code: string; name: string; region: RegionCode }
export const LOCATIONS: SeedLocation[] = [
  { code: 'us-nj', name: 'Newark, NJ', region: 'US' },
  { code: 'us-nv', name: 'Reno, NV', region: 'US' },
  { code: 'us-tx', name: 'Dallas, TX', region: 'US' },
  { code: 'eu-de', name: 'Frankfurt', region: 'EU' },
  { code: 'eu-nl', name: 'Venlo', region: 'EU' },
  { code: 'gb-mid', name: 'Daventry', region: 'GB' },
  { code: 'gb-nth', name: 'Leeds', region: 'GB' },
  { code: 'in-mh', name: 'Bhiwandi', region: 'IN' },
  { code: 'in-ka', name: 'Bengaluru', region: 'IN' },
  { code: 'br-sp', name: 'Cajamar', region: 'BR' },
  { code: 'br-rj', name: 'Duque de Caxias', region: 'BR' },
];

export function categories(): SeedCategory[] {
  const out: SeedCategory[] = TOP_CATEGORIES.map((c, i) => ({ id: `cat_${c.slug}`, slug: c.slug, name: c.name, parentId: null, position: i }));
  LEAF_CATEGORIES.forEach((c, i) => out.push({ id: `cat_${c.slug}`, slug: c.slug, name: c.name, parentId: `cat_${c.parent}`, position: i }));
  return out;
}

export function productId(n: number): string {
  return `prod_${String(n).padStart(6, '0')}`;
}

/** A unique style name per product number: its base-40 digits as syllables. */
function styleName(n: number): string {
  let x = n;
  let name = '';
  do {
    name += SYLLABLES[x % SYLLABLES.length];
    x = Math.floor(x / SYLLABLES.length);
  } while (x > 0);
  if (name.length < 4) name += 'ra';
  return name.charAt(0).toUpperCase() + name.slice(1);
}

function slugify(text: string): string {
  return text.toLowerCase().replace(/&/g, 'and').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

const EPOCH = Date.UTC(2025, 0, 1);

/** Product `n` of the catalogue: a pure function of `n`. */
export function product(n: number): SeedProduct {
  const rng = new Rng(hash32(`product:${n}`));
  const leaf = rng.pick(LEAF_CATEGORIES);
  const brand = rng.pick(leaf.parent === 'apparel' ? APPAREL_BRANDS : HOME_BRANDS);
  const adjective = rng.pick(ADJECTIVES);
  const material = rng.pick(leaf.materials);
  const noun = rng.pick(leaf.nouns);
  const title = `${brand} ${styleName(n)} ${adjective} ${material} ${noun}`;
  const id = productId(n);
  const colours = rng.sample(COLOURS, 3);
  const description =
    `The ${styleName(n)} ${noun.toLowerCase()} from ${brand} is made of ${material.toLowerCase()} ` +
    (leaf.parent === 'apparel' ? `with ${rng.pick(FITS)}, ` : 'with a considered, lasting finish, ') +
    `in ${colours.slice(0, 2).join(' and ').toLowerCase()}. ${adjective} by design and made for ${rng.pick(USES)}. ${rng.pick(leaf.parent === 'apparel' ? APPAREL_CARE : HOME_CARE)}`;
  const variants = makeVariants(rng, leaf, id, colours);
  const imageCount = rng.int(1, 5);
  const images: SeedImage[] = Array.from({ length: imageCount }, (_, k) => ({
    url: `https://images.shop.example/products/${id}/${k + 1}.jpg`,
    altText: k === 0 || rng.chance(0.6) ? `${title}, view ${k + 1}` : null,
    position: k,
  }));
  const basePriceCents = Math.round(rng.int(leaf.price[0], leaf.price[1]) / 100) * 100;
  return {
    n,
    id,
    slug: slugify(title),
    title,
    description,
    brand,
    categoryId: `cat_${leaf.slug}`,
    tags: [leaf.slug, slugify(material), slugify(adjective), ...colours.slice(0, 2).map(slugify)],
    images,
    variants,
    createdAt: new Date(EPOCH + n * 60_000),
    basePriceCents,
    onSale: rng.chance(0.15),
  };
}

function makeVariants(rng: Rng, leaf: LeafCategory, id: string, colours: string[]): SeedVariant[] {
  const count = rng.int(2, 6);
  const combos: SeedOption[][] = [];
  if (leaf.options === 'apparel' || leaf.options === 'shoes') {
    const sizes = leaf.options === 'apparel' ? APPAREL_SIZES : SHOE_SIZES;
    for (const colour of colours.slice(0, 2)) for (const size of sizes) combos.push([{ name: 'Colour', value: colour }, { name: 'Size', value: size }]);
  } else if (leaf.options === 'home-size') {
    for (const size of HOME_SIZES) for (const colour of colours.slice(0, 2)) combos.push([{ name: 'Size', value: size }, { name: 'Colour', value: colour }]);
  } else {
    for (const colour of [...colours, 'Natural', 'Grey', 'Ivory']) combos.push([{ name: 'Colour', value: colour }]);
  }
  return combos.slice(0, count).map((options, j) => ({
    sku: `${id.replace('prod_', 'SKU-')}-${j + 1}`,
    title: options.map((o) => o.value).join(' / '),
    options,
    position: j,
  }));
}

export function* products(count: number = DEFAULT_PRODUCT_COUNT): Generator<SeedProduct> {
  for (let n = 0; n < count; n++) yield product(n);
}

export interface SeedPrice { sku: string; productId: string; region: RegionCode; amountMinor: number; compareAtMinor: number | null }

/** Rounds to a price a shop would print: x.90 / x.99 style endings, whole 9s for INR. */
function charm(minor: number, currency: string): number {
  if (currency === 'INR') return Math.max(99_00, Math.round(minor / 100_00) * 100_00 - 1_00);
  if (currency === 'USD' || currency === 'GBP') return Math.max(99, Math.round(minor / 100) * 100 - 1);
  return Math.max(90, Math.round(minor / 100) * 100 - 10);
}

/** Each variant's price in every region, from the region's own price list (never converted at request time). */
export function prices(p: SeedProduct): SeedPrice[] {
  const out: SeedPrice[] = [];
  for (const variant of p.variants) {
    // Larger sizes cost a little more in some categories.
    const uplift = 1 + (variant.position >= 4 ? 0.1 : 0);
    for (const region of REGIONS) {
      const amountMinor = charm(p.basePriceCents * uplift * region.priceFactor, region.currencyCode);
      const compareAtMinor = p.onSale ? charm(amountMinor * 1.3, region.currencyCode) : null;
      out.push({ sku: variant.sku, productId: p.id, region: region.code, amountMinor, compareAtMinor: compareAtMinor !== null && compareAtMinor > amountMinor ? compareAtMinor : null });
    }
  }
  return out;
}

export interface SeedStock { sku: string; productId: string; locationCode: string; onHand: number }

/**
 * Units on hand per variant and location. About 5% of products are sold out
 * in a given region, about 10% of variants run low, the rest are well stocked.
 */
export function stock(p: SeedProduct): SeedStock[] {
  const out: SeedStock[] = [];
  for (const region of REGIONS) {
    const rng = new Rng(hash32(`stock:${p.n}:${region.code}`));
    const soldOut = rng.chance(0.05);
    for (const variant of p.variants) {
      const low = rng.chance(0.1);
      const variantOut = rng.chance(0.08);
      const locations = LOCATIONS.filter((l) => l.region === region.code);
      locations.forEach((location, k) => {
        let onHand: number;
        if (soldOut || variantOut) onHand = 0;
        else if (low) onHand = k === 0 ? rng.int(1, 4) : 0;
        else onHand = rng.int(0, 60) + (k === 0 ? 6 : 0);
        out.push({ sku: variant.sku, productId: p.id, locationCode: location.code, onHand });
      });
    }
  }
  return out;
}

/** Demo shoppers: ids only (identity lives in the access token). `pnpm token --user <id>` signs in as one. */
export const DEMO_SHOPPERS = ['shopper_0001', 'shopper_0002', 'shopper_0003', 'shopper_0004', 'shopper_0005'] as const;

export * from './shoppers.ts';
export { Rng, hash32, mulberry32 } from './random.ts';
