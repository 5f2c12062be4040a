import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { EventEnvelope, EventType } from './events.ts';

/**
 * The outbox table every state-changing subgraph has (call from one of its
 * migrations). `seq` orders rows; the relay publishes unpublished rows in
 * `seq` order and stamps `published_at`.
 */
export async function createOutboxTable(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE outbox (
      seq bigserial PRIMARY KEY,
      id uuid NOT NULL UNIQUE,
      type text NOT NULL,
      source text NOT NULL,
      subject text NOT NULL,
      version bigint NOT NULL,
      data jsonb NOT NULL,
      time timestamptz NOT NULL DEFAULT now(),
      published_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX outbox_unpublished_idx ON outbox (seq) WHERE published_at IS NULL`.execute(db);
}

export interface NewEvent<T> {
  type: EventType;
  source: string;
  subject: string;
  version: number;
  data: T;
}

/**
 * Appends an event in the caller's transaction, so it exists exactly when
 * the change does, and wakes the relay (NOTIFY is delivered at commit).
 */
export async function appendToOutbox<T>(trx: Transaction<any>, event: NewEvent<T>): Promise<EventEnvelope<T>> {
  const envelope: EventEnvelope<T> = { id: randomUUID(), time: new Date().toISOString(), ...event };
  await sql`
    INSERT INTO outbox (id, type, source, subject, version, data, time)
    VALUES (${envelope.id}, ${envelope.type}, ${envelope.source}, ${envelope.subject}, ${envelope.version}, ${JSON.stringify(envelope.data)}::jsonb, ${envelope.time})`.execute(trx);
  await sql`SELECT pg_notify('outbox', ${event.source})`.execute(trx);
  return envelope;
}

/**
 * Appends many events in one statement (in `seq` order of the array), for a
 * change that many subscribers care about at once (e.g. a product selling out
 * refreshes many shoppers' lists), and wakes the relay once.
 */
export async function appendManyToOutbox<T>(trx: Transaction<any>, events: NewEvent<T>[]): Promise<EventEnvelope<T>[]> {
  if (events.length === 0) return [];
  const time = new Date().toISOString();
  const envelopes: EventEnvelope<T>[] = events.map((event) => ({ id: randomUUID(), time, ...event }));
  const sources = [...new Set(events.map((e) => e.source))];
  await sql`
    WITH inserted AS (
      INSERT INTO outbox (id, type, source, subject, version, data, time)
      SELECT (e->>'id')::uuid, e->>'type', e->>'source', e->>'subject', (e->>'version')::bigint, e->'data', (e->>'time')::timestamptz
        FROM jsonb_array_elements(${JSON.stringify(envelopes)}::jsonb) WITH ORDINALITY AS x(e, n)
       ORDER BY n
      RETURNING 1
    )
    SELECT pg_notify('outbox', s), (SELECT count(*) FROM inserted) FROM unnest(${sources}::text[]) AS s`.execute(trx);
  return envelopes;
}
