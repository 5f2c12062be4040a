import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { CART_ADD_LINE, createCart, gql, stackUrls } from '../harness/index.ts';
import { adjustStock, dbAvailable, sql } from './live-harness.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let browser: Browser | undefined;
afterAll(async () => browser?.close());

/**
 * bff-web's live demo page (development only) in Debian's Chromium: it opens a
 * category's grid for a region over the graphql-ws browser client the BFF
 * serves itself, and a chip's stock changes in place, without a reload, when
 * that sku's stock changes (a restock, then another shopper's cart). Skipped
 * where /usr/bin/chromium is absent.
 */
describe.skipIf(!existsSync(CHROMIUM))('bff-web /live demo page in a browser', () => {
  it('shows a sku’s stock change without a reload', async () => {
    const region = 'GB';
    // A small category, so the page's product reads stay few.
    const [category] = await sql<{ slug: string }>(
      'catalogue',
      `SELECT c.slug FROM category c JOIN product p ON p.category_id = c.id
        WHERE NOT EXISTS (SELECT 1 FROM category s WHERE s.parent_id = c.id)
        GROUP BY c.slug HAVING count(*) >= 2 ORDER BY count(*), c.slug LIMIT 1`,
    );
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
    const page = await browser.newPage();
    const origin = new URL(stackUrls()['bff-web']).origin;
    const foreign: string[] = [];
    let navigations = 0;
    page.on('request', (req) => {
      if (!req.url().startsWith(origin) && !req.url().startsWith(origin.replace(/^http/, 'ws'))) foreign.push(req.url());
    });
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations++;
    });
    await page.goto(`${origin}/live?category=${encodeURIComponent(category!.slug)}&region=${region}`);
    await page.locator('#status.open').waitFor({ timeout: 30_000 });
    // A chip whose state came over the socket (the snapshot sets data-available).
    const chip = page.locator('.chip[data-available]').first();
    await chip.waitFor({ timeout: 10_000 });
    const sku = (await chip.getAttribute('data-sku'))!;
    const target = page.locator(`.chip[data-sku="${sku}"]`);
    const shown = async () => ({ available: Number(await target.getAttribute('data-available')), text: await target.innerText() });
    expect((await shown()).available).toBe(await dbAvailable(sku, region));

    const restocked = (await adjustStock(sku, region, 3)).available;
    await expect.poll(shown, { timeout: 3_000, interval: 25 }).toMatchObject({ available: restocked });
    expect((await shown()).text).toMatch(new RegExp(`· ${restocked}$`));

    const cartId = await createCart(region);
    const add = await gql(stackUrls().gateway, CART_ADD_LINE, { cartId, sku, quantity: 1 });
    expect(add.data.cartAddLine.userErrors).toEqual([]);
    await expect.poll(shown, { timeout: 3_000, interval: 25 }).toMatchObject({ available: restocked - 1 });
    expect(await dbAvailable(sku, region)).toBe(restocked - 1);
    expect(navigations).toBe(1);
    expect(await page.locator('#status').getAttribute('class')).toBe('open');
    expect(foreign).toEqual([]);
  });
});
