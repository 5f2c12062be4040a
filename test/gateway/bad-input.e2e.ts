import { describe, expect, it } from 'vitest';
import { contractOperation, gql, stackUrls } from '../harness/index.ts';

const CATEGORY_PAGE = contractOperation('gateway/CategoryPage.graphql', 'CategoryPage');

function expectBadInput(res: Awaited<ReturnType<typeof gql>>, argument: string) {
  expect(res.status).toBeLessThan(500);
  expect(res.errors?.length).toBeGreaterThan(0);
  const error = res.errors![0]!;
  expect(error.extensions?.code).toBe('BAD_USER_INPUT');
  expect(error.message).toContain(argument);
  expect(JSON.stringify(res)).not.toMatch(/stacktrace|\bat .*\.ts:\d+/);
}

describe('gateway bad input', () => {
  it('refuses first above 100 or below 1, naming first', async () => {
    for (const first of [0, -1, 101, 10_000]) {
      expectBadInput(await gql(stackUrls().gateway, CATEGORY_PAGE, { categorySlug: 'apparel', region: 'US', first }), 'first');
    }
  });

  it('refuses an invalid cursor, naming after', async () => {
    for (const after of ['garbage', 'c2VhcmNoOjE', '', '%%%']) {
      expectBadInput(await gql(stackUrls().gateway, CATEGORY_PAGE, { categorySlug: 'apparel', region: 'US', first: 5, after }), 'after');
    }
  });

  it('refuses an unknown region, naming the variable', async () => {
    expectBadInput(await gql(stackUrls().gateway, CATEGORY_PAGE, { categorySlug: 'apparel', region: 'XX', first: 5 }), '$region');
  });

  it('refuses product() with both or neither of id and slug', async () => {
    const both = await gql(stackUrls().gateway, 'query { product(id: "prod_000001", slug: "x") { id } }');
    expect(both.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const neither = await gql(stackUrls().gateway, 'query { product { id } }');
    expect(neither.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('answers malformed requests with a 4xx GraphQL error, never a 500', async () => {
    const url = stackUrls().gateway;
    const notJson = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(notJson.status).toBe(400);
    const noQuery = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(noQuery.status).toBe(400);
    const syntax = await gql(url, 'query {');
    expect(syntax.status).toBe(400);
    expect(syntax.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    const unknownField = await gql(url, '{ nope }');
    expect(unknownField.status).toBe(400);
    expect(unknownField.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const huge = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `{ regions { code } } #${'x'.repeat(2_000_000)}` }) });
    expect(huge.status).toBe(413);
  });

  it('refuses a query deeper than the limit', async () => {
    let selection = 'id';
    for (let i = 0; i < 20; i++) selection = `parent { ${selection} }`;
    const res = await gql(stackUrls().gateway, `{ categories { ${selection} } }`);
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.message).toMatch(/depth/i);
  });
});
