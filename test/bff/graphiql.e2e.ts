import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { gql } from '../harness/graphql.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let browser: Browser | undefined;

/** Where a BFF serves GraphQL (…/graphql) in the shared e2e stack. */
function bffUrl(name: 'bff-web' | 'bff-mobile'): string {
  const url = inject('stackUrls')[name];
  if (!url) throw new Error(`the e2e stack runs no ${name} (test/setup/stack.ts)`);
  return url;
}

interface OpenedGraphiql {
  page: Page;
  /** Every URL the page asked for. */
  requests: string[];
  /** Requests that failed or answered 4xx/5xx, as `status url`. */
  failures: string[];
}

/**
 * Opens `url` in a fresh page and waits for GraphiQL's query editor,
 * recording every request the page makes on the way.
 */
async function openGraphiql(url: string): Promise<OpenedGraphiql> {
  const page = await browser!.newPage();
  const requests: string[] = [];
  const failures: string[] = [];
  page.on('request', (req) => void requests.push(req.url()));
  page.on('requestfailed', (req) => void failures.push(`failed ${req.url()} (${req.failure()?.errorText})`));
  page.on('response', async (res) => {
    if (res.status() < 400) return;
    const sent = res.request().postData()?.slice(0, 120) ?? '';
    failures.push(`${res.status()} ${res.request().method()} ${res.url()} ${sent} -> ${(await res.text().catch(() => '')).slice(0, 300)}`);
  });
  // GraphiQL introspects the schema on load, for its docs, completion and validation.
  const introspection = page.waitForResponse((res) => res.request().method() === 'POST' && (res.request().postData() ?? '').includes('IntrospectionQuery'), { timeout: 20_000 });
  const response = await page.goto(url);
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-type']).toContain('text/html');
  await page.locator('.graphiql-query-editor .CodeMirror').first().waitFor({ timeout: 20_000 });
  const schema = await introspection;
  expect.soft(schema.status(), `GraphiQL could not load the schema: ${(await schema.text()).slice(0, 300)}`).toBe(200);
  return { page, requests, failures };
}

/**
 * Types `query` into the editor with the keyboard, as a developer would, and
 * runs it. CodeMirror closes brackets and quotes itself and steps over the
 * closing character when it is typed, so the typed text ends up as written;
 * the editor's value is checked before running to be sure.
 */
async function typeAndRun(page: Page, query: string): Promise<string> {
  const editor = page.locator('.graphiql-query-editor .CodeMirror').first();
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(query);
  // Close any completion hint the last word opened, so that it cannot take the run key.
  await page.keyboard.press('Escape');
  const typed = await page.evaluate(() => {
    // Runs in the page, where `document` exists.
    const doc = (globalThis as unknown as { document: { querySelector(s: string): unknown } }).document;
    return (doc.querySelector('.graphiql-query-editor .CodeMirror') as { CodeMirror: { getValue(): string } }).CodeMirror.getValue();
  });
  expect(typed).toBe(query);
  // GraphiQL re-reads the operation name from the editor 100 ms after the last change (debounced): run before
  // that, and it would send the default query's name (e.g. WebProductPage) with the typed text.
  await page.waitForTimeout(500);
  await page.locator('.graphiql-execute-button').click();
  // What the pane shows (CodeMirror renders only the lines in view, so the whole text is read from its editor).
  const result = page.locator('.graphiql-response');
  await expect.poll(async () => (await result.innerText()).includes('"data"'), { timeout: 15_000 }).toBe(true);
  return page.evaluate(() => {
    const doc = (globalThis as unknown as { document: { querySelector(s: string): unknown } }).document;
    return (doc.querySelector('.graphiql-response .CodeMirror') as { CodeMirror: { getValue(): string } }).CodeMirror.getValue();
  });
}

/** Every request stayed on the BFF that served the page (no CDN, no other host), and every asset loaded. */
function expectServedByBffAlone(opened: OpenedGraphiql, url: string) {
  const origin = new URL(url).origin;
  expect(new URL(url).hostname).toBe('127.0.0.1');
  expect(opened.requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('data:'))).toEqual([]);
  const assets = opened.requests.filter((u) => u.startsWith(`${origin}/graphiql/`)).map((u) => new URL(u).pathname).sort();
  expect(assets).toEqual(['/graphiql/graphiql.css', '/graphiql/graphiql.js', '/graphiql/react-dom.js', '/graphiql/react.js']);
  expect(opened.failures).toEqual([]);
}

/**
 * A developer opens GraphiQL on each BFF (development mode, as the e2e stack
 * runs) and runs an operation against that BFF's own schema. Needs Debian's
 * chromium (`apt-get install chromium`); skipped where it is absent, never
 * downloaded. GraphiQL's assets come from the BFF itself: no request may
 * leave it.
 */
describe.skipIf(!existsSync(CHROMIUM))('GraphiQL on the BFFs, in a browser', () => {
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
  });
  afterAll(async () => browser?.close());

  it('bff-web: the endpoint opened in a browser is GraphiQL, served by bff-web alone, and runs a query', async () => {
    const url = bffUrl('bff-web');
    // A browser asks GET /graphql with Accept: text/html and gets GraphiQL rather than a GraphQL error.
    const opened = await openGraphiql(url);
    const result = await typeAndRun(opened.page, '{ regions { code locale } }');
    const body = JSON.parse(result) as { data: { regions: { code: string; locale: string }[] }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data.regions).toEqual(
      expect.arrayContaining([
        { code: 'EU', locale: 'de-DE' },
        { code: 'IN', locale: 'en-IN' },
      ]),
    );
    expect(body.data.regions).toHaveLength(5);
    expectServedByBffAlone(opened, url);
    if (process.env.GRAPHIQL_SCREENSHOT) await opened.page.screenshot({ path: process.env.GRAPHIQL_SCREENSHOT.replace(/(\.png)?$/, '-bff-web.png') });
  });

  it('bff-mobile: /graphiql is served by bff-mobile alone and runs productDetail for a seeded slug', async () => {
    const url = bffUrl('bff-mobile');
    const seeded = (await gql(inject('stackUrls').gateway!, '{ products(first: 1) { edges { node { slug title } } } }')).data.products.edges[0].node as { slug: string; title: string };
    const opened = await openGraphiql(url.replace(/\/graphql$/, '/graphiql'));
    const result = await typeAndRun(opened.page, `{ productDetail(slug: "${seeded.slug}", region: GB) { title currencyCode priceMinor images { url } } }`);
    const body = JSON.parse(result) as { data: { productDetail: { title: string; currencyCode: string; priceMinor: number; images: unknown[] } }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data.productDetail.title).toBe(seeded.title);
    expect(body.data.productDetail.currencyCode).toBe('GBP');
    expect(Number.isInteger(body.data.productDetail.priceMinor)).toBe(true);
    expect(body.data.productDetail.images.length).toBeLessThanOrEqual(3);
    expectServedByBffAlone(opened, url);
    if (process.env.GRAPHIQL_SCREENSHOT) await opened.page.screenshot({ path: process.env.GRAPHIQL_SCREENSHOT.replace(/(\.png)?$/, '-bff-mobile.png') });
  });
});
