import { readFileSync } from 'node:fs';
import { buildSchema, type GraphQLObjectType } from 'graphql';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createBus, createDb, createLogger, createMetrics, createSubgraphApollo, dropDatabase, ensureDatabase, EventType, Header,
  internalCredentialGuard, migrateToLatest, startRelay, startService, withDatabase, type Db, type EventEnvelope, type ProductChangedData, type RunningService,
} from '@shop/platform';
import type { Context } from '../context.ts';
import type { CatalogueDatabase } from '../db/database.ts';
import { migrations } from '../db/migrations/index.ts';
import { seedCatalogue } from '../db/seed.ts';
import { buildCatalogue } from '../subgraph.ts';
import { searchProducts } from './product.repository.ts';
import { PRODUCT_TITLE_MAX_LENGTH, updateProduct, type UpdateProductInput, type UpdateProductResult } from './product.service.ts';

const serverUrl = inject('pgServerUrl');
const run = `${process.pid}_${Date.now()}`;
const database = `t_catalogue_product_${run}`;
const logger = createLogger('test', 'silent');
const SECRET = 'test-internal-secret-0123456789';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let handle: Db<CatalogueDatabase>;
let db: Kysely<CatalogueDatabase>;
/** Seeded product ids, handed out one per test so that tests never share a product. */
let ids: string[];

beforeAll(async () => {
  await ensureDatabase(serverUrl, database);
  handle = createDb<CatalogueDatabase>({ url: withDatabase(serverUrl, database), logger, poolSize: 20 });
  db = handle.db;
  await migrateToLatest(db, migrations);
  expect(await seedCatalogue(db, 30)).toBe(true);
  ids = (await db.selectFrom('product').select('id').orderBy('id').execute()).map((r) => r.id);
  expect(ids.length).toBe(30);
});

afterAll(async () => {
  await handle?.close();
  await dropDatabase(serverUrl, database);
});

let next = 0;
const freshId = () => ids[next++]!;

/** Everything of a product updateProduct may change, and whether its search vector matches its text. */
async function productRow(id: string) {
  return db
    .selectFrom('product')
    .select(['id', 'slug', 'title', 'description', 'brand', 'category_id', 'tags', 'created_at', 'version'])
    .select(sql<boolean>`search = (setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', brand), 'B') || setweight(to_tsvector('english', description), 'C'))`.as('search_current'))
    .where('id', '=', id)
    .executeTakeFirst();
}

const eventsOf = (id: string) => db.selectFrom('outbox').selectAll().where('subject', '=', id).orderBy('seq').execute();
const outboxCount = async () => Number((await db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

function expectUserError(result: UpdateProductResult, code: string, field: string, message?: RegExp) {
  expect(result.product).toBeNull();
  expect(result.userErrors).toHaveLength(1);
  expect(result.userErrors[0]).toMatchObject({ code, field: ['input', field] });
  expect(result.userErrors[0]!.message).toMatch(message ?? /./);
}

describe('updateProduct', () => {
  it('changes the product row and appends exactly one catalogue.product.changed in the same transaction', async () => {
    const id = freshId();
    const before = (await productRow(id))!;
    expect(await eventsOf(id)).toEqual([]);
    const startedAt = Date.now();

    const result = await updateProduct(db, { id, title: '  Zyxwquartz Rain Shell  ', description: 'Sealed seams and a plumbobium lining.' });

    expect(result.userErrors).toEqual([]);
    const { version: _v, search_current: _s, ...expected } = { ...before, title: 'Zyxwquartz Rain Shell', description: 'Sealed seams and a plumbobium lining.' };
    expect(result.product).toEqual(expected);
    const after = (await productRow(id))!;
    expect(after).toEqual({ ...before, title: 'Zyxwquartz Rain Shell', description: 'Sealed seams and a plumbobium lining.', version: before.version + 1 });

    const events = await eventsOf(id);
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event).toMatchObject({
      type: EventType.productChanged,
      source: 'catalogue',
      subject: id,
      version: after.version,
      data: { productId: id, slug: before.slug, categoryId: before.category_id, change: 'updated' } satisfies ProductChangedData,
      published_at: null,
    });
    expect(event!.id).toMatch(UUID);
    expect(event!.time.getTime()).toBeGreaterThanOrEqual(startedAt - 1_000);
    expect(event!.time.getTime()).toBeLessThanOrEqual(Date.now() + 1_000);
    // The same transaction wrote both rows: it is each row's xmin.
    const xmins = await sql<{ product: string; outbox: string }>`
      SELECT (SELECT xmin::text FROM product WHERE id = ${id}) AS product, (SELECT xmin::text FROM outbox WHERE id = ${event!.id}) AS outbox`.execute(db);
    expect(xmins.rows[0]!.outbox).toBe(xmins.rows[0]!.product);
  });

  it('keeps full-text search in step with the new title and description', async () => {
    const id = freshId();
    // A word of the old title, as a title-weighted (A) lexeme: it must leave the vector with the title.
    const oldTitleWord = `${(await productRow(id))!.title.split(' ').at(-1)!.toLowerCase()}:A`;
    const hasTitleWord = async () => (await sql<{ hit: boolean }>`SELECT search @@ to_tsquery('english', ${oldTitleWord}) AS hit FROM product WHERE id = ${id}`.execute(db)).rows[0]!.hit;
    expect(await hasTitleWord()).toBe(true);
    expect(await searchProducts(db, 'Glimmerwick', 0, 10)).toEqual([]);

    await updateProduct(db, { id, title: 'Glimmerwick Lantern' });
    expect((await searchProducts(db, 'glimmerwick', 0, 10)).map((p) => p.id)).toEqual([id]);
    expect(await hasTitleWord()).toBe(false);

    await updateProduct(db, { id, description: 'Lit by a snorkelfrond wick.' });
    expect((await searchProducts(db, 'snorkelfrond', 0, 10)).map((p) => p.id)).toEqual([id]);
    expect((await productRow(id))!.search_current).toBe(true);
  });

  it('changes only the fields given, grows the version with every change, and appends one event per change', async () => {
    const id = freshId();
    const before = (await productRow(id))!;

    await updateProduct(db, { id, title: 'First Title' });
    await updateProduct(db, { id, description: 'Second description', title: null });
    await updateProduct(db, { id, title: 'Third Title', description: '' });

    expect(await productRow(id)).toMatchObject({ title: 'Third Title', description: '', version: before.version + 3, slug: before.slug, brand: before.brand });
    expect((await eventsOf(id)).map((e) => [e.version, (e.data as ProductChangedData).change])).toEqual([
      [before.version + 1, 'updated'],
      [before.version + 2, 'updated'],
      [before.version + 3, 'updated'],
    ]);
  });

  it('changes nothing and appends nothing when the product already has those values', async () => {
    const id = freshId();
    const before = (await productRow(id))!;
    const count = await outboxCount();

    const result = await updateProduct(db, { id, title: ` ${before.title} `, description: before.description });

    expect(result.userErrors).toEqual([]);
    expect(result.product).toMatchObject({ id, title: before.title });
    expect(await productRow(id)).toEqual(before);
    expect(await outboxCount()).toBe(count);
  });

  it('refuses bad input with a userError naming the field, and changes nothing and appends nothing', async () => {
    const id = freshId();
    const before = await db.selectFrom('product').selectAll().orderBy('id').execute();
    const count = await outboxCount();
    const cases: [UpdateProductInput, string, string, RegExp][] = [
      [{ id }, 'BAD_USER_INPUT', 'title', /at least one of "title" and "description"/],
      [{ id, title: null, description: null }, 'BAD_USER_INPUT', 'title', /at least one/],
      [{ id, title: '   ' }, 'BAD_USER_INPUT', 'title', /"title" must be 1 to 200 characters/],
      [{ id, title: 'x'.repeat(PRODUCT_TITLE_MAX_LENGTH + 1), description: 'fine' }, 'BAD_USER_INPUT', 'title', /got 201/],
      [{ id, description: 'x'.repeat(10_001) }, 'BAD_USER_INPUT', 'description', /"description" must be at most 10000 characters/],
      [{ id: 'prod_nope', title: 'A Title' }, 'NOT_FOUND', 'id', /prod_nope/],
    ];
    for (const [input, code, field, message] of cases) expectUserError(await updateProduct(db, input), code, field, message);

    expect(await db.selectFrom('product').selectAll().orderBy('id').execute()).toEqual(before);
    expect(await outboxCount()).toBe(count);
  });

  it('writes neither the product nor the event when appending the event fails', async () => {
    const id = freshId();
    const before = await productRow(id);
    await sql`ALTER TABLE outbox ADD CONSTRAINT test_refuse_events CHECK (false) NOT VALID`.execute(db);
    try {
      await expect(updateProduct(db, { id, title: 'Never Saved' })).rejects.toMatchObject({ constraint: 'test_refuse_events' });
    } finally {
      await sql`ALTER TABLE outbox DROP CONSTRAINT test_refuse_events`.execute(db);
    }
    expect(await productRow(id)).toEqual(before);
    expect(await eventsOf(id)).toEqual([]);
  });

  /**
   * Race: editors change one product at once. Unless the changes serialise on
   * the product row (locked before the read, held to commit), two of them can
   * carry the same version (a consumer drops one as already seen) or land in
   * the outbox out of version order. (The same lock keeps a title-only change
   * from writing back a description another editor has just replaced.)
   */
  it('serialises concurrent changes of one product: one event each, versions consecutive in outbox order', async () => {
    const id = freshId();
    const v0 = (await productRow(id))!.version;
    // Half change only the title, half only the description.
    const inputs: UpdateProductInput[] = Array.from({ length: 30 }, (_, i) => (i % 2 ? { id, title: `Concurrent Title ${i}` } : { id, description: `Concurrent description ${i}` }));

    const results = await Promise.allSettled(inputs.map((input) => updateProduct(db, input)));

    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(results.every((r) => (r as PromiseFulfilledResult<UpdateProductResult>).value.userErrors.length === 0)).toBe(true);
    expect((await eventsOf(id)).map((e) => e.version)).toEqual(inputs.map((_, i) => v0 + 1 + i));
    const after = (await productRow(id))!;
    expect(after.version).toBe(v0 + inputs.length);
    // Neither field fell back to the seeded value through a stale read.
    expect(after.title).toMatch(/^Concurrent Title \d+$/);
    expect(after.description).toMatch(/^Concurrent description \d+$/);
  });
});

describe('updateProduct over HTTP', () => {
  let service: RunningService;
  beforeAll(async () => {
    const def = buildCatalogue(db);
    service = await startService<Context>({
      name: 'catalogue',
      host: '127.0.0.1',
      port: 0,
      logger,
      metrics: createMetrics('catalogue'),
      apollo: createSubgraphApollo<Context>(def, { production: false, logger }),
      context: def.context,
      ready: async () => {},
      // The same guard runSubgraph puts in front of every subgraph.
      guard: internalCredentialGuard(SECRET),
    });
  });
  afterAll(async () => service?.close());

  const UPDATE_PRODUCT = `mutation ($input: UpdateProductInput!) {
    updateProduct(input: $input) { product { id slug title description category { id } } userErrors { code field message } }
  }`;
  async function post(variables: Record<string, unknown>, headers: Record<string, string> = {}) {
    const res = await fetch(service.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: UPDATE_PRODUCT, variables }) });
    return { status: res.status, body: (await res.json()) as { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] } };
  }

  it('refuses a caller without the internal credential, and changes nothing', async () => {
    const id = freshId();
    const before = await productRow(id);
    for (const headers of [{} as Record<string, string>, { [Header.internal]: 'not-the-secret-not-the-secre' }]) {
      const res = await post({ input: { id, title: 'Hijacked' } }, headers);
      expect(res.status).toBe(403);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(res.body.data).toBeUndefined();
    }
    expect(await productRow(id)).toEqual(before);
    expect(await eventsOf(id)).toEqual([]);
  });

  it('updates the product for a caller with it, and answers a userError for bad input', async () => {
    const id = freshId();
    const before = (await productRow(id))!;
    const res = await post({ input: { id, title: 'Brand New Title' } }, { [Header.internal]: SECRET });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: { updateProduct: { product: { id, slug: before.slug, title: 'Brand New Title', description: before.description, category: { id: before.category_id } }, userErrors: [] } },
    });
    expect(await eventsOf(id)).toHaveLength(1);

    const refused = await post({ input: { id, title: '' } }, { [Header.internal]: SECRET });
    expect(refused.body.data.updateProduct).toEqual({ product: null, userErrors: [{ code: 'BAD_USER_INPUT', field: ['input', 'title'], message: '"title" must be 1 to 200 characters (after trimming), got 0' }] });
    expect(await eventsOf(id)).toHaveLength(1);
  });

  it('is not part of the public API (the gateway refuses it)', () => {
    const api = buildSchema(readFileSync(new URL('../../../../schema/api.graphql', import.meta.url), 'utf8'));
    expect(Object.keys((api.getType('Mutation') as GraphQLObjectType).getFields())).not.toContain('updateProduct');
    expect(api.getType('UpdateProductInput')).toBeUndefined();
  });
});

describe('the relay', () => {
  it("publishes catalogue's events to the bus as they were written", async () => {
    const busDatabase = `t_catalogue_bus_${run}`;
    await ensureDatabase(serverUrl, busDatabase);
    const bus = createBus({ databaseUrl: withDatabase(serverUrl, busDatabase), logger, pollIntervalMs: 50 });
    const received: EventEnvelope[] = [];
    const subscription = await bus.subscribe({ group: 'test', types: [EventType.productChanged], handler: async (e) => void received.push(e) });
    const relay = await startRelay({ source: 'catalogue', databaseUrl: withDatabase(serverUrl, database), bus, logger, pollIntervalMs: 50 });
    try {
      const id = freshId();
      await updateProduct(db, { id, title: 'Relayed Title' });
      await relay.drained();
      const [written] = await eventsOf(id);
      await expect.poll(() => received.find((e) => e.id === written!.id), { timeout: 10_000 }).toEqual({
        id: written!.id,
        type: EventType.productChanged,
        source: 'catalogue',
        time: written!.time.toISOString(),
        subject: id,
        version: written!.version,
        data: written!.data,
      });
      expect((await db.selectFrom('outbox').select('published_at').where('id', '=', written!.id).executeTakeFirstOrThrow()).published_at).not.toBeNull();
    } finally {
      await relay.stop();
      await subscription.close();
      await bus.close();
      await dropDatabase(serverUrl, busDatabase);
    }
  });
});
