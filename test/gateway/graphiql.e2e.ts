import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { stackUrls } from '../harness/index.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let browser: Browser | undefined;
afterAll(async () => browser?.close());

/**
 * A developer opens GraphiQL on the gateway and runs an operation. Needs
 * Debian's chromium (`apt-get install chromium`); skipped where it is absent.
 * Every request the page makes must stay on the gateway: no CDN.
 */
describe.skipIf(!existsSync(CHROMIUM))('GraphiQL in a browser', () => {
  it('loads from the gateway alone and runs a query', async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    const page = await browser.newPage();
    const origin = new URL(stackUrls().gateway).origin;
    const foreign: string[] = [];
    page.on('request', (req) => {
      if (!req.url().startsWith(origin) && !req.url().startsWith('data:')) foreign.push(req.url());
    });
    await page.goto(stackUrls().gateway);
    const editor = page.locator('.graphiql-query-editor .CodeMirror').first();
    await editor.waitFor({ timeout: 20_000 });
    await editor.click();
    await page.evaluate(() => {
      // Runs in the page, where `document` exists.
      const doc = (globalThis as unknown as { document: { querySelector(s: string): unknown } }).document;
      const cm = (doc.querySelector('.graphiql-query-editor .CodeMirror') as { CodeMirror: { setValue(v: string): void } }).CodeMirror;
      cm.setValue('query Regions { regions { code currencyCode } }');
    });
    await page.locator('.graphiql-execute-button').click();
    const result = page.locator('.graphiql-response');
    await expect.poll(async () => result.innerText(), { timeout: 15_000 }).toContain('"INR"');
    expect(foreign).toEqual([]);
    if (process.env.GRAPHIQL_SCREENSHOT) await page.screenshot({ path: process.env.GRAPHIQL_SCREENSHOT });
  });
});
