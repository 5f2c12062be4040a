import type { RegionCode } from '@shop/platform';
import { APPAREL_BRANDS, HOME_BRANDS, LEAF_CATEGORIES } from './data.ts';
import { Rng, hash32 } from './random.ts';

/**
 * Demo shoppers and their interaction histories, drawn from HIDDEN preferences
 * so that a recommender has something real to learn: favourite categories and
 * brands, a price range, and a favourite "style" (a latent cluster of products
 * that no product attribute reveals, so only collaborative filtering sees it).
 * Every product also has an intrinsic appeal, which is what popularity alone
 * can find. The personalization seed and its offline evaluation both draw from
 * here, so they see the same shoppers.
 */

/** How many shoppers the demo data has; the first five are DEMO_SHOPPERS. */
export const DEFAULT_SHOPPER_COUNT = 2_000;
/** Interactions are spread over this many days before `now`. */
export const SHOPPER_HISTORY_DAYS = 90;
/** Latent product clusters (see styleOf). */
export const STYLE_COUNT = 40;

export type SeedInteractionType = 'VIEW' | 'ADD_TO_CART' | 'PURCHASE';

/** What the generator needs to know of a product (a SeedProduct fits). */
export interface ShopperCatalogueItem {
  id: string;
  categoryId: string;
  brand: string;
  basePriceCents: number;
}

export interface SeedShopper {
  /** `shopper_0001` … ; the first five are DEMO_SHOPPERS. */
  id: string;
  region: RegionCode;
  /** 1 or 2 leaf category ids, e.g. `cat_knitwear`. */
  favouriteCategories: string[];
  /** 1 to 3 brands. */
  favouriteBrands: string[];
  /** Where in a category's price range the shopper buys: 0 the cheapest, 1 the dearest. */
  pricePoint: number;
  /** How far from `pricePoint` they stray, in the same 0..1 scale (small = price sensitive). */
  priceTolerance: number;
  /** 1 or 2 latent styles (0 … STYLE_COUNT-1). */
  favouriteStyles: number[];
  /** Interactions over the history window, 20 to 60. */
  activity: number;
}

export interface SeedInteraction {
  /** Deterministic uuid, so reseeding gives the same rows. */
  eventId: string;
  userId: string;
  productId: string;
  type: SeedInteractionType;
  occurredAt: Date;
}

export function shopperId(i: number): string {
  return `shopper_${String(i + 1).padStart(4, '0')}`;
}

/** The latent style of a product: hidden from every product attribute. */
export function styleOf(productId: string): number {
  return hash32(`style:${productId}`) % STYLE_COUNT;
}

/** Intrinsic appeal, 0.2 to 4.2: a few products everybody likes more. */
export function appealOf(productId: string): number {
  const u = hash32(`appeal:${productId}`) / 4_294_967_296;
  return 0.2 + 4 * u ** 4;
}

/** Products grouped the way the generator draws them; build once per catalogue size. */
export interface ShopperCatalogue {
  items: ShopperCatalogueItem[];
  byCategory: Map<string, { items: ShopperCatalogueItem[]; pricePoints: number[]; appeal: Float64Array; styles: Int32Array; appealCdf: Float64Array }>;
  /** Cumulative appeal over every item: the noise draw. */
  appealCdf: Float64Array;
}

function cdf(weights: ArrayLike<number>): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  for (let i = 0; i < weights.length; i++) out[i] = sum += weights[i]!;
  return out;
}

function draw(rng: Rng, c: Float64Array): number {
  const total = c[c.length - 1] ?? 0;
  const x = rng.float() * total;
  let lo = 0;
  let hi = c.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (c[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function shopperCatalogue(products: Iterable<ShopperCatalogueItem>): ShopperCatalogue {
  const items: ShopperCatalogueItem[] = [];
  for (const p of products) items.push({ id: p.id, categoryId: p.categoryId, brand: p.brand, basePriceCents: p.basePriceCents });
  const groups = new Map<string, ShopperCatalogueItem[]>();
  for (const item of items) {
    const list = groups.get(item.categoryId) ?? [];
    list.push(item);
    groups.set(item.categoryId, list);
  }
  const byCategory: ShopperCatalogue['byCategory'] = new Map();
  for (const [categoryId, list] of groups) {
    // Price point: the item's rank by price within its category, 0..1.
    const order = list.map((_, i) => i).sort((a, b) => list[a]!.basePriceCents - list[b]!.basePriceCents || a - b);
    const pricePoints = new Array<number>(list.length);
    order.forEach((idx, rank) => (pricePoints[idx] = list.length > 1 ? rank / (list.length - 1) : 0.5));
    const appeal = Float64Array.from(list.map((p) => appealOf(p.id)));
    byCategory.set(categoryId, { items: list, pricePoints, appeal, styles: Int32Array.from(list.map((p) => styleOf(p.id))), appealCdf: cdf(appeal) });
  }
  return { items, byCategory, appealCdf: cdf(items.map((p) => appealOf(p.id))) };
}

const REGION_WEIGHTS: [RegionCode, number][] = [
  ['US', 0.35],
  ['EU', 0.3],
  ['GB', 0.15],
  ['IN', 0.1],
  ['BR', 0.1],
];

/** Shopper `i` (0-based): a pure function of `i` and the catalogue's categories. */
export function shopper(i: number, catalogue: ShopperCatalogue): SeedShopper {
  const rng = new Rng(hash32(`shopper:${i}`));
  let r = rng.float();
  let region: RegionCode = 'US';
  for (const [code, w] of REGION_WEIGHTS) {
    if ((r -= w) < 0) {
      region = code;
      break;
    }
  }
  const segment = rng.chance(0.65) ? 'apparel' : 'home';
  const present = LEAF_CATEGORIES.filter((c) => catalogue.byCategory.has(`cat_${c.slug}`));
  const own = present.filter((c) => c.parent === segment);
  const pool = own.length ? own : present;
  const favouriteCategories = rng.sample(pool, rng.chance(0.6) ? 1 : 2).map((c) => `cat_${c.slug}`);
  const brands = segment === 'apparel' ? APPAREL_BRANDS : HOME_BRANDS;
  const favouriteBrands = rng.sample(brands, rng.int(1, 3));
  const pricePoint = rng.float();
  const priceTolerance = 0.12 + rng.float() * 0.3;
  const favouriteStyles = rng.sample(
    Array.from({ length: STYLE_COUNT }, (_, k) => k),
    rng.chance(0.5) ? 1 : 2,
  );
  return { id: shopperId(i), region, favouriteCategories, favouriteBrands, pricePoint, priceTolerance, favouriteStyles, activity: rng.int(20, 60) };
}

/** A uuid-shaped id from a name: the same name always gives the same id. */
export function deterministicUuid(name: string): string {
  const hex = [0, 1, 2, 3].map((k) => hash32(`${k}:${name}`).toString(16).padStart(8, '0')).join('');
  // Version 8 (custom) and the RFC 4122 variant, so PostgreSQL's uuid type and validators accept it.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

/**
 * The shopper's interactions over the SHOPPER_HISTORY_DAYS days before `now`,
 * oldest first. Sessions: each has a focus (mostly a favourite category),
 * picks items there weighted by brand, style, price point and appeal, with
 * some noise (any product, by appeal) and some revisits. Every pick is a VIEW;
 * some go on to ADD_TO_CART, fewer to PURCHASE.
 */
export function shopperInteractions(s: SeedShopper, catalogue: ShopperCatalogue, now: Date | number): SeedInteraction[] {
  const end = typeof now === 'number' ? now : now.getTime();
  const index = Number(s.id.slice('shopper_'.length)) - 1;
  const rng = new Rng(hash32(`interactions:${index}`));
  const brands = new Set(s.favouriteBrands);
  const styles = new Set(s.favouriteStyles);
  // The shopper's own taste over each favourite category, drawn from often.
  const taste = new Map<string, { items: ShopperCatalogueItem[]; cdf: Float64Array }>();
  for (const categoryId of s.favouriteCategories) {
    const group = catalogue.byCategory.get(categoryId);
    if (!group) continue;
    const weights = group.items.map((p, k) => {
      const dp = (group.pricePoints[k]! - s.pricePoint) / s.priceTolerance;
      return group.appeal[k]! * (brands.has(p.brand) ? 4 : 1) * (styles.has(group.styles[k]!) ? 5 : 1) * Math.exp(-0.5 * dp * dp);
    });
    taste.set(categoryId, { items: group.items, cdf: cdf(weights) });
  }
  const categoryIds = [...catalogue.byCategory.keys()];
  const out: SeedInteraction[] = [];
  const seen: ShopperCatalogueItem[] = [];
  // About 7 interactions per session (5.5 picks, some carted and bought).
  const sessions = Math.max(3, Math.round(s.activity / 6));
  const starts = Array.from({ length: sessions }, () => end - SHOPPER_HISTORY_DAYS * DAY + rng.float() * (SHOPPER_HISTORY_DAYS * DAY - 2 * 60 * MINUTE)).sort((a, b) => a - b);
  let n = 0;
  let last = 0;
  const push = (productId: string, type: SeedInteractionType, at: number) => {
    last = Math.min(at, end - 1_000);
    out.push({ eventId: deterministicUuid(`${s.id}:${n++}`), userId: s.id, productId, type, occurredAt: new Date(last) });
  };
  for (let k = 0; k < sessions && out.length < s.activity; k++) {
    // Sessions never overlap: one starts at least half an hour after the last ended.
    let at = Math.max(starts[k]!, last + 30 * MINUTE);
    const focus = rng.chance(0.85) && taste.size ? rng.pick([...taste.keys()]) : rng.pick(categoryIds);
    const picks = rng.int(3, 8);
    for (let j = 0; j < picks && out.length < s.activity; j++) {
      let item: ShopperCatalogueItem;
      if (seen.length && rng.chance(0.08)) {
        item = rng.pick(seen);
      } else if (rng.chance(0.12)) {
        item = catalogue.items[draw(rng, catalogue.appealCdf)]!;
      } else {
        const t = taste.get(focus);
        if (t) item = t.items[draw(rng, t.cdf)]!;
        else {
          const group = catalogue.byCategory.get(focus)!;
          item = group.items[draw(rng, group.appealCdf)]!;
        }
      }
      at += rng.int(1, 6) * MINUTE;
      push(item.id, 'VIEW', at);
      seen.push(item);
      const liked = brands.has(item.brand) || styles.has(styleOf(item.id)) ? 0.45 : 0.2;
      if (rng.chance(liked) && out.length < s.activity) {
        at += rng.int(1, 5) * MINUTE;
        push(item.id, 'ADD_TO_CART', at);
        if (rng.chance(0.45) && out.length < s.activity) {
          at += rng.int(2, 20) * MINUTE;
          push(item.id, 'PURCHASE', at);
        }
      }
    }
  }
  return out;
}

/** Shoppers 0 … count-1 with their interactions, in shopper order. */
export function* shoppersWithInteractions(
  count: number,
  catalogue: ShopperCatalogue,
  now: Date | number,
): Generator<{ shopper: SeedShopper; interactions: SeedInteraction[] }> {
  for (let i = 0; i < count; i++) {
    const s = shopper(i, catalogue);
    yield { shopper: s, interactions: shopperInteractions(s, catalogue, now) };
  }
}
