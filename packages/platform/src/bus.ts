import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import pg from 'pg';
import { EventType, validateEnvelope, type EventEnvelope } from './events.ts';
import type { Logger } from './logger.ts';
import { checkout, PgListener } from './pg-listen.ts';
import { backoffMs, delay, Waker } from './wake.ts';

/**
 * The event bus (ARCHITECTURE.md, "Writes, sagas and events"): the relay
 * publishes outbox rows to it; consumers subscribe durably (a named group,
 * at least once, retried until the handler succeeds) or listen (broadcast,
 * for fanning out to sockets). Redis Streams when REDIS_URL is set,
 * PostgreSQL tables plus LISTEN/NOTIFY otherwise; both keep the same promises.
 *
 * Order: events of one type arrive in publish order (the PostgreSQL adapter
 * also keeps order across types; Redis keeps one stream per type, so events
 * of different types may interleave differently). Every event of a subject has
 * one type, so a subject's events always arrive in publish order to a
 * one-process group. Consumers deduplicate by `id` and ignore a `version` they
 * have passed: delivery is at least once.
 */
export interface Bus {
  /** Durably appends one event to the bus. Rejects an invalid envelope (TypeError). */
  publish(event: EventEnvelope): Promise<void>;
  /**
   * Durable, load-balanced subscription: a named consumer group receives every event of `types`
   * published since the group was created (created on first subscribe, starting at "now"),
   * at least once, in publish order; a handler that throws leaves the event undelivered for that
   * group so it is retried (after `retryDelayMs`, default 1_000 ms), and later events wait for it.
   * Several processes with the same group share the work; different groups each get everything.
   * Resolves once the group exists, so every event published afterwards reaches it.
   */
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /**
   * Broadcast, non-durable: every calling process gets every event of `types` published from now on
   * (for fanning out to sockets). After a lost connection it reconnects and calls `onReconnect` so the
   * caller can resynchronise (events during the gap may be missed). Resolves once listening.
   */
  listen(options: ListenOptions): Promise<Subscription>;
  /** Throws when the bus is unusable (for /ready). */
  ping(): Promise<void>;
  /** Closes every subscription and listener (waiting for handlers in flight), then the connections. */
  close(): Promise<void>;
}

export interface Subscription {
  /** Stops delivery; waits for a handler in flight to finish (and its event to be acknowledged). */
  close(): Promise<void>;
}

export interface SubscribeOptions {
  /** The consumer group: one per consuming role, e.g. `personalization` or `bff-web:cache`. */
  group: string;
  types: EventType[];
  handler: (event: EventEnvelope) => Promise<void>;
  /** @default the bus's retryDelayMs (1_000 // 1 second) */
  retryDelayMs?: number;
}

export interface ListenOptions {
  types: EventType[];
  /** Called synchronously per event; a throw is logged and the next event still comes. */
  handler: (event: EventEnvelope) => void;
  onReconnect?: () => void;
}

export interface BusOptions {
  /** Use Redis Streams when set. */
  redisUrl?: string;
  /** Else PostgreSQL: the bus database (it must exist; its tables are created when missing). */
  databaseUrl?: string;
  logger: Logger;
  /** @default 1_000 // 1 second before a failed event is delivered again */
  retryDelayMs?: number;
  /** Redis: stream key prefix; the stream of a type is `<prefix><type>`. @default 'shop:events:' */
  streamPrefix?: string;
  /** Redis: approximate entries kept per stream (XADD MAXLEN ~). @default 100_000 */
  maxLen?: number;
  /**
   * Redis: a group's pending event idle this long is claimed from its consumer,
   * presumed dead (XAUTOCLAIM). Longer than any handler should take.
   * @default 60_000 // 1 minute
   */
  claimIdleMs?: number;
  /** Redis: longest blocking read; bounds how quickly a lost server is noticed. @default 5_000 // 5 seconds */
  blockMs?: number;
  /** Redis: entries read per round trip. @default 20 */
  readCount?: number;
  /** PostgreSQL: poll fallback when no NOTIFY arrives. @default 1_000 // 1 second */
  pollIntervalMs?: number;
  /** PostgreSQL: events older than this are deleted (a group further behind loses them). @default 604_800_000 // 7 days */
  retentionMs?: number;
  /** PostgreSQL: connections in this process's pool. @default 10 */
  poolSize?: number;
}

/** Redis when `redisUrl` is set, else PostgreSQL with `databaseUrl`. */
export function createBus(options: BusOptions): Bus {
  if (options.redisUrl) return new RedisBus(options.redisUrl, options);
  if (options.databaseUrl) return new PostgresBus(options.databaseUrl, options);
  throw new Error('createBus: set redisUrl (Redis Streams) or databaseUrl (a PostgreSQL bus database); neither was given');
}

/** The Redis field that holds the JSON envelope of a stream entry. */
const ENVELOPE_FIELD = 'envelope';
const DEFAULT_STREAM_PREFIX = 'shop:events:';
const KNOWN_TYPES = new Set<string>(Object.values(EventType));
/** Consumers with nothing pending and idle this long are removed from their group (they are dead processes). */
const PRUNE_CONSUMER_IDLE_MS = 3_600_000;

function checkTypes(types: EventType[]): EventType[] {
  if (!Array.isArray(types) || types.length === 0) throw new TypeError('types: must list at least one event type');
  for (const type of types) if (!KNOWN_TYPES.has(type)) throw new TypeError(`types: unknown event type "${String(type)}"`);
  return [...new Set(types)].sort();
}

function checkGroup(group: string): string {
  if (typeof group !== 'string' || !/^[\w.:-]{1,200}$/.test(group)) throw new TypeError(`group: must be 1-200 characters of letters, digits, _ . : - (got "${String(group)}")`);
  return group;
}

/** The envelope of a wire message, or undefined (logged) when it is malformed; `expectedType` is the stream or row type. */
function decode(raw: unknown, expectedType: string, logger: Logger, where: Record<string, unknown>): EventEnvelope | undefined {
  try {
    const value = typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw;
    const event = validateEnvelope(value);
    if (event.type !== expectedType) throw new TypeError(`event.type: "${event.type}" arrived on the "${expectedType}" stream`);
    return event;
  } catch (err) {
    logger.warn({ ...where, err: err instanceof Error ? err.message : String(err) }, 'skipping a malformed event');
    return undefined;
  }
}

// ───────────────────────────── Redis Streams ─────────────────────────────

type StreamReply = [key: string, entries: [id: string, fields: string[] | null][]][] | null;
interface StreamEntry {
  key: string;
  id: string;
  /** null for an entry trimmed away while still pending. */
  fields: string[] | null;
}

function compareIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  const ms = BigInt(am) - BigInt(bm);
  if (ms !== 0n) return ms < 0n ? -1 : 1;
  const seq = BigInt(as) - BigInt(bs);
  return seq === 0n ? 0 : seq < 0n ? -1 : 1;
}

/** Entries of a multi-stream reply, oldest first (ids are time based, so this approximates publish order across types). */
function entriesOf(reply: StreamReply): StreamEntry[] {
  const out: StreamEntry[] = [];
  for (const [key, entries] of reply ?? []) for (const [id, fields] of entries) out.push({ key, id, fields });
  return out.sort((a, b) => compareIds(a.id, b.id));
}

function envelopeField(fields: string[] | null): string | undefined {
  if (!fields) return undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === ENVELOPE_FIELD) return fields[i + 1];
  return undefined;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * `promise`, or a rejection once `signal` aborts. ioredis resends a command cut
 * off by a lost connection when it reconnects, which keeps it pending for as
 * long as Redis is away: closing must not wait for that.
 */
function abandonable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('abandoned: the subscription is closed'));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new Error('abandoned: the subscription is closed'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => (signal.removeEventListener('abort', onAbort), resolve(value)),
      (err: unknown) => (signal.removeEventListener('abort', onAbort), reject(err instanceof Error ? err : new Error(String(err)))),
    );
  });
}

interface RedisSettings {
  logger: Logger;
  prefix: string;
  maxLen: number;
  retryDelayMs: number;
  claimIdleMs: number;
  blockMs: number;
  readCount: number;
}

class RedisBus implements Bus {
  private readonly settings: RedisSettings;
  /** Non-blocking commands: XADD, XGROUP, PING, CLIENT UNBLOCK. */
  private readonly main: Redis;
  private readonly open = new Set<Subscription>();
  private closed = false;

  constructor(
    private readonly url: string,
    options: BusOptions,
  ) {
    this.settings = {
      logger: options.logger,
      prefix: options.streamPrefix ?? DEFAULT_STREAM_PREFIX,
      maxLen: options.maxLen ?? 100_000,
      retryDelayMs: options.retryDelayMs ?? 1_000,
      claimIdleMs: options.claimIdleMs ?? 60_000,
      blockMs: options.blockMs ?? 5_000,
      readCount: options.readCount ?? 20,
    };
    this.main = this.connection('main', true);
  }

  /** A new connection; blocking reads each get their own, so they never hold up other commands. */
  connection(role: string, pipelining = false): Redis {
    const redis = new Redis(this.url, {
      // Names show up in CLIENT LIST: which process and role holds a connection.
      connectionName: `shop-bus:${role}:${process.pid}`.replace(/[^\w.:-]/g, '_'),
      maxRetriesPerRequest: 2,
      enableAutoPipelining: pipelining,
    });
    let healthy = true;
    redis.on('ready', () => (healthy = true));
    redis.on('error', (err: Error) => {
      // Reconnect attempts repeat the same error every few seconds: warn once per outage.
      if (healthy) this.settings.logger.warn({ err, role }, 'Redis bus connection error');
      healthy = false;
    });
    return redis;
  }

  key(type: string): string {
    return this.settings.prefix + type;
  }

  async publish(event: EventEnvelope): Promise<void> {
    const valid = validateEnvelope(event);
    await this.main.call('XADD', [this.key(valid.type), 'MAXLEN', '~', String(this.settings.maxLen), '*', ENVELOPE_FIELD, JSON.stringify(valid)]);
  }

  /** XGROUP CREATE … MKSTREAM, tolerating a group that exists. `from` is `$` (now) or `0` (all that is kept). */
  async createGroup(key: string, group: string, from: '$' | '0'): Promise<void> {
    try {
      await this.main.call('XGROUP', ['CREATE', key, group, from, 'MKSTREAM']);
    } catch (err) {
      if (!errorMessage(err).startsWith('BUSYGROUP')) throw err;
    }
  }

  async unblock(clientId: number): Promise<boolean> {
    // TIMEOUT makes the blocked read return empty, as if it timed out, so nothing is handed to a closing consumer.
    const unblocked = await this.main.call('CLIENT', ['UNBLOCK', String(clientId), 'TIMEOUT']);
    return unblocked === 1;
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    if (this.closed) throw new Error('bus is closed');
    const group = checkGroup(options.group);
    const types = checkTypes(options.types);
    for (const type of types) await this.createGroup(this.key(type), group, '$');
    const consumer = new RedisGroupConsumer(this, this.settings, group, types, options.handler, options.retryDelayMs ?? this.settings.retryDelayMs);
    return this.track(consumer);
  }

  async listen(options: ListenOptions): Promise<Subscription> {
    if (this.closed) throw new Error('bus is closed');
    const types = checkTypes(options.types);
    const listener = new RedisListener(this, this.settings, types, options);
    await listener.start();
    return this.track(listener);
  }

  private track(sub: Subscription): Subscription {
    const tracked: Subscription = {
      close: async () => {
        this.open.delete(tracked);
        await sub.close();
      },
    };
    this.open.add(tracked);
    return tracked;
  }

  async ping(): Promise<void> {
    await this.main.ping();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.open].map((s) => s.close()));
    await this.main.quit().catch(() => this.main.disconnect());
  }
}

/**
 * One member of a consumer group: reads new entries with XREADGROUP (BLOCK) on
 * its own connection, hands them to the handler one at a time and XACKs each
 * after the handler succeeds. After a failure it waits `retryDelayMs` and
 * re-reads its own pending entries (id 0) before anything new, so a failed
 * event is retried before later ones. Every `claimIdleMs / 2` it claims
 * entries that another consumer has held longer than `claimIdleMs`
 * (XAUTOCLAIM), so a dead process's events are not stuck.
 */
class RedisGroupConsumer implements Subscription {
  private readonly conn: Redis;
  private readonly name = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  private readonly keys: string[];
  private readonly typeOfKey = new Map<string, string>();
  /** Ends the loop (and its waits) at close. */
  private readonly stop = new AbortController();
  /** Gives up on commands still in flight, when close cannot end them otherwise. */
  private readonly abandon = new AbortController();
  private readonly loop: Promise<void>;
  /** Re-read this consumer's own pending entries before new ones. */
  private readPending = true;
  /** The connection's CLIENT ID while it is in a blocking read, for CLIENT UNBLOCK at close. */
  private blockedClientId: number | undefined;
  private clientId: number | undefined;
  /** True while the handler runs; close waits for it however long it takes. */
  private handling = false;
  private readonly attempts = new Map<string, number>();

  constructor(
    private readonly bus: RedisBus,
    private readonly settings: RedisSettings,
    private readonly group: string,
    types: string[],
    private readonly handler: (event: EventEnvelope) => Promise<void>,
    private readonly retryDelayMs: number,
  ) {
    this.keys = types.map((t) => bus.key(t));
    types.forEach((t, i) => this.typeOfKey.set(this.keys[i]!, t));
    this.conn = bus.connection(`group:${group}`);
    this.conn.on('close', () => {
      this.clientId = undefined;
      // A read whose reply was lost with the connection left entries pending under this name.
      this.readPending = true;
    });
    this.loop = this.run();
  }

  private get stopping(): boolean {
    return this.stop.signal.aborted;
  }

  private call(command: string, args: (string | number)[]): Promise<unknown> {
    return abandonable(this.conn.call(command, args), this.abandon.signal);
  }

  private async run(): Promise<void> {
    const log = this.settings.logger;
    // Our own pending entries come first: those claimed from dead consumers, and any whose handler failed.
    let nextClaimAt = 0;
    let failures = 0;
    while (!this.stopping) {
      try {
        if (Date.now() >= nextClaimAt) {
          if (await this.claimIdle()) this.readPending = true;
          nextClaimAt = Date.now() + Math.max(this.settings.claimIdleMs / 2, 100);
        }
        // A blocking read ends by the next claim sweep, so a dead member's events wait at most about claimIdleMs.
        const entries = this.readPending ? await this.read('0') : await this.read('>', Math.max(1, Math.min(this.settings.blockMs, nextClaimAt - Date.now())));
        failures = 0;
        if (this.readPending && entries.length === 0) {
          this.readPending = false;
          continue;
        }
        for (const entry of entries) {
          if (await this.deliver(entry)) continue;
          // Later entries stay pending too and are re-read after the failed one, in order.
          this.readPending = true;
          await delay(this.retryDelayMs, this.stop.signal);
          break;
        }
      } catch (err) {
        if (this.stopping) break;
        this.readPending = true; // an entry may have been read but not acknowledged
        if (errorMessage(err).startsWith('NOGROUP')) {
          // The stream or group vanished (deleted, or Redis restarted without its data): recreate it and
          // take whatever the stream holds, since events published before we noticed belong to us.
          log.warn({ group: this.group }, 'consumer group missing; recreating it from the start of its streams');
          await Promise.all(this.keys.map((k) => this.bus.createGroup(k, this.group, '0'))).catch(() => {});
          continue;
        }
        failures++;
        const wait = backoffMs(failures, 100, 5_000);
        if (failures === 1) log.warn({ err, group: this.group, retryInMs: wait }, 'bus read failed; retrying');
        else log.debug({ err, group: this.group, retryInMs: wait }, 'bus read failed again');
        await delay(wait, this.stop.signal);
      }
    }
  }

  /** Entries after `id` for this consumer: `>` new ones (blocking), `0` its own pending ones. */
  private async read(id: '>' | '0', blockMs = this.settings.blockMs): Promise<StreamEntry[]> {
    const args: (string | number)[] = ['GROUP', this.group, this.name, 'COUNT', this.settings.readCount];
    const blocking = id === '>';
    if (blocking) {
      this.clientId ??= (await this.call('CLIENT', ['ID'])) as number;
      args.push('BLOCK', Math.max(1, blockMs)); // BLOCK 0 would wait forever
    }
    args.push('STREAMS', ...this.keys, ...this.keys.map(() => id));
    if (this.stopping) return [];
    this.blockedClientId = blocking ? this.clientId : undefined;
    try {
      return entriesOf((await this.call('XREADGROUP', args)) as StreamReply);
    } finally {
      this.blockedClientId = undefined;
    }
  }

  /** Runs the handler; true when the entry is done with (handled, or malformed and skipped) and acknowledged. */
  private async deliver(entry: StreamEntry): Promise<boolean> {
    const type = this.typeOfKey.get(entry.key) ?? '';
    const where = { group: this.group, stream: entry.key, entryId: entry.id };
    const event = entry.fields === null ? undefined : decode(envelopeField(entry.fields), type, this.settings.logger, where);
    if (entry.fields === null) this.settings.logger.warn(where, 'skipping a pending event that was trimmed from its stream');
    if (event) {
      try {
        this.handling = true;
        await this.handler(event);
        this.attempts.delete(entry.id);
      } catch (err) {
        const attempt = (this.attempts.get(entry.id) ?? 0) + 1;
        this.attempts.set(entry.id, attempt);
        this.settings.logger.warn({ err, ...where, eventId: event.id, type: event.type, attempt }, 'event handler failed; will retry');
        return false;
      } finally {
        this.handling = false;
      }
    }
    await this.call('XACK', [entry.key, this.group, entry.id]);
    return true;
  }

  /** XAUTOCLAIM entries idle longer than claimIdleMs (held by dead consumers) into this consumer; true when any were claimed. */
  private async claimIdle(): Promise<boolean> {
    let claimed = 0;
    for (const key of this.keys) {
      let cursor = '0-0';
      do {
        const [next, ids] = (await this.call('XAUTOCLAIM', [key, this.group, this.name, this.settings.claimIdleMs, cursor, 'COUNT', 100, 'JUSTID'])) as [string, string[]];
        claimed += ids.length;
        cursor = next;
      } while (cursor !== '0-0' && !this.stopping);
      await this.pruneDeadConsumers(key);
    }
    if (claimed > 0) this.settings.logger.info({ group: this.group, claimed }, 'claimed events left pending by another consumer');
    return claimed > 0;
  }

  /** Removes consumers with nothing pending that have not read for an hour: each process start adds a consumer name. */
  private async pruneDeadConsumers(key: string): Promise<void> {
    const consumers = (await this.call('XINFO', ['CONSUMERS', key, this.group])) as (string | number)[][];
    for (const fields of consumers) {
      const info = new Map<string, string | number>();
      for (let i = 0; i + 1 < fields.length; i += 2) info.set(String(fields[i]), fields[i + 1]!);
      if (info.get('name') !== this.name && Number(info.get('pending')) === 0 && Number(info.get('idle')) > PRUNE_CONSUMER_IDLE_MS) {
        await this.call('XGROUP', ['DELCONSUMER', key, this.group, String(info.get('name'))]);
      }
    }
  }

  async close(): Promise<void> {
    if (this.stopping) return this.loop;
    this.stop.abort();
    // CLIENT UNBLOCK makes the blocking read return empty, so nothing new is handed to this consumer. It can reach
    // the server before the read it targets does: try a few times while that read is still out.
    for (let attempt = 0; attempt < 10 && this.blockedClientId !== undefined; attempt++) {
      if (await this.bus.unblock(this.blockedClientId).catch(() => false)) break;
      await delay(10);
    }
    // Normally the loop ends now, after the batch in hand. A read resent after a reconnect (its CLIENT ID is stale)
    // ends within blockMs; a command waiting for an absent Redis may never end, so give up on it then. A handler
    // in flight is always waited for.
    const grace = this.settings.blockMs + 1_000;
    let deadline = Date.now() + grace;
    let ended = false;
    const loopEnded = this.loop.then(() => (ended = true));
    while (!ended) {
      await Promise.race([loopEnded, delay(50)]);
      if (this.handling) deadline = Date.now() + grace;
      else if (!ended && Date.now() > deadline) {
        this.abandon.abort();
        this.conn.disconnect();
        await this.loop;
        return;
      }
    }
    await this.forgetSelfIfIdle().catch(() => {});
    await this.conn.quit().catch(() => this.conn.disconnect());
  }

  /** XGROUP DELCONSUMER drops a consumer's pending entries with it, so only when it has none. */
  private async forgetSelfIfIdle(): Promise<void> {
    for (const key of this.keys) {
      const pending = (await this.call('XPENDING', [key, this.group, '-', '+', '1', this.name])) as unknown[];
      if (pending.length === 0) await this.call('XGROUP', ['DELCONSUMER', key, this.group, this.name]);
    }
  }
}

/**
 * A broadcast reader: XREAD BLOCK on its own connection from the streams'
 * last ids at start. It keeps the last id it saw per stream, so after a
 * reconnect it catches up with what the streams still hold, and calls
 * `onReconnect` as well.
 */
class RedisListener implements Subscription {
  private readonly conn: Redis;
  private readonly keys: string[];
  private readonly typeOfKey = new Map<string, string>();
  private lastIds: string[] = [];
  private readonly stop = new AbortController();
  private readonly abandon = new AbortController();
  private loop: Promise<void> = Promise.resolve();
  private lost = false;

  constructor(
    bus: RedisBus,
    private readonly settings: RedisSettings,
    types: string[],
    private readonly options: ListenOptions,
  ) {
    this.keys = types.map((t) => bus.key(t));
    types.forEach((t, i) => this.typeOfKey.set(this.keys[i]!, t));
    this.conn = bus.connection('listen');
    this.conn.on('close', () => {
      if (!this.stop.signal.aborted) this.lost = true;
    });
    // Tell the caller as soon as the connection is back; the resent read then catches up from the last ids.
    this.conn.on('ready', () => this.reconnected());
  }

  private reconnected(): void {
    if (!this.lost || this.stop.signal.aborted) return;
    this.lost = false;
    this.settings.logger.info('bus listener reconnected');
    try {
      this.options.onReconnect?.();
    } catch (err) {
      this.settings.logger.error({ err }, 'onReconnect threw');
    }
  }

  async start(): Promise<void> {
    // The newest id now, rather than `$` in every read, so nothing published between two reads is skipped.
    try {
      this.lastIds = await Promise.all(
        this.keys.map(async (key) => {
          const newest = (await abandonable(this.conn.call('XREVRANGE', [key, '+', '-', 'COUNT', '1']), this.abandon.signal)) as [string, string[]][];
          return newest[0]?.[0] ?? '0-0';
        }),
      );
    } catch (err) {
      this.stop.abort();
      this.conn.disconnect();
      throw err;
    }
    this.lost = false;
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stop.signal.aborted) {
      try {
        const reply = (await abandonable(this.conn.call('XREAD', ['COUNT', this.settings.readCount, 'BLOCK', this.settings.blockMs, 'STREAMS', ...this.keys, ...this.lastIds]), this.abandon.signal)) as StreamReply;
        failures = 0;
        this.reconnected();
        for (const entry of entriesOf(reply)) {
          this.lastIds[this.keys.indexOf(entry.key)] = entry.id;
          const event = decode(envelopeField(entry.fields), this.typeOfKey.get(entry.key) ?? '', this.settings.logger, { stream: entry.key, entryId: entry.id });
          if (!event) continue;
          try {
            this.options.handler(event);
          } catch (err) {
            this.settings.logger.error({ err, eventId: event.id }, 'listen handler threw');
          }
        }
      } catch (err) {
        if (this.stop.signal.aborted) break;
        this.lost = true;
        failures++;
        if (failures === 1) this.settings.logger.warn({ err }, 'bus listener read failed; retrying');
        await delay(backoffMs(failures, 100, 5_000), this.stop.signal);
      }
    }
  }

  async close(): Promise<void> {
    if (this.stop.signal.aborted) return this.loop;
    this.stop.abort();
    // A broadcast read holds no group state, so dropping it mid-read loses nothing.
    this.abandon.abort();
    this.conn.disconnect();
    await this.loop;
  }
}

// ───────────────────────────── PostgreSQL ─────────────────────────────

/**
 * Key of the advisory lock every publish takes for its (one-statement)
 * transaction. `seq` comes from a sequence, so without it two publishers could
 * commit seq 11 before seq 10, and a reader that had moved its offset past 11
 * would never see 10. Serialised, a visible seq means every smaller seq is
 * committed (or rolled back for good).
 */
const PUBLISH_LOCK_KEY = '7164958120563301001';
const NOTIFY_CHANNEL = 'bus_event';

interface PgSettings {
  logger: Logger;
  retryDelayMs: number;
  pollIntervalMs: number;
}

/** Duplicate-object errors a concurrent `CREATE … IF NOT EXISTS` can raise; the other process created it. */
function isDuplicateObject(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === '42P07' || code === '23505' || code === '42710';
}

interface EventRow {
  seq: string | number;
  type: string;
  envelope: unknown;
}

class PostgresBus implements Bus {
  private readonly pool: pg.Pool;
  private readonly settings: PgSettings;
  private readonly retentionMs: number;
  private schema: Promise<void> | undefined;
  private notifier: Promise<PgListener> | undefined;
  /** Loops waiting for rows of a type; NOTIFY payloads are the type. */
  private readonly waiting = new Set<{ types: ReadonlySet<string>; wake(): void; reconnected(): void }>();
  private readonly open = new Set<Subscription>();
  private retentionTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly url: string,
    options: BusOptions,
  ) {
    this.settings = { logger: options.logger, retryDelayMs: options.retryDelayMs ?? 1_000, pollIntervalMs: options.pollIntervalMs ?? 1_000 };
    this.retentionMs = options.retentionMs ?? 7 * 24 * 3_600_000;
    this.pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      statement_timeout: 30_000,
      // A delivery's transaction stays open while its handler runs; keepalive notices a dead server meanwhile.
      keepAlive: true,
    });
    this.pool.on('error', (err) => options.logger.warn({ err }, 'idle PostgreSQL bus client error'));
  }

  /** Creates the tables once per process; concurrent first starts are fine. */
  private ensureSchema(): Promise<void> {
    this.schema ??= (async () => {
      const statements = [
        `CREATE TABLE IF NOT EXISTS bus_event (
           seq bigserial PRIMARY KEY,
           type text NOT NULL,
           envelope jsonb NOT NULL,
           published_at timestamptz NOT NULL DEFAULT now())`,
        `CREATE INDEX IF NOT EXISTS bus_event_type_seq_idx ON bus_event (type, seq)`,
        `CREATE INDEX IF NOT EXISTS bus_event_published_at_idx ON bus_event (published_at)`,
        `CREATE TABLE IF NOT EXISTS bus_offset (
           consumer_group text NOT NULL,
           type text NOT NULL,
           last_seq bigint NOT NULL,
           PRIMARY KEY (consumer_group, type))`,
      ];
      for (const statement of statements) {
        await this.pool.query(statement).catch((err: unknown) => {
          if (!isDuplicateObject(err)) throw err;
        });
      }
      this.scheduleRetention();
    })().catch((err: unknown) => {
      this.schema = undefined; // try again next time
      throw err;
    });
    return this.schema;
  }

  private scheduleRetention(): void {
    if (this.retentionTimer || this.closed) return;
    // Hourly, starting a minute in; every process does it and that is harmless.
    const tick = () => {
      void this.pool
        .query(`DELETE FROM bus_event WHERE published_at < now() - make_interval(secs => $1)`, [this.retentionMs / 1_000])
        .then((r) => {
          if (r.rowCount) this.settings.logger.info({ deleted: r.rowCount }, 'deleted bus events past retention');
        })
        .catch((err: unknown) => this.settings.logger.warn({ err }, 'bus retention cleanup failed'));
      this.retentionTimer = setTimeout(tick, 3_600_000).unref();
    };
    this.retentionTimer = setTimeout(tick, 60_000).unref();
  }

  /** One LISTEN connection per bus, shared by every subscription and listener of this process. */
  private startNotifier(): Promise<PgListener> {
    this.notifier ??= (async () => {
      const listener = new PgListener({
        url: this.url,
        channel: NOTIFY_CHANNEL,
        logger: this.settings.logger,
        onNotify: (type) => {
          for (const w of this.waiting) if (w.types.has(type)) w.wake();
        },
        onReconnect: () => {
          for (const w of this.waiting) {
            w.reconnected();
            w.wake();
          }
        },
      });
      await listener.start();
      return listener;
    })();
    return this.notifier;
  }

  register(waiter: { types: ReadonlySet<string>; wake(): void; reconnected(): void }): () => void {
    this.waiting.add(waiter);
    return () => this.waiting.delete(waiter);
  }

  async publish(event: EventEnvelope): Promise<void> {
    const valid = validateEnvelope(event);
    await this.ensureSchema();
    // One statement, so one round trip: take the publish lock, insert (seq drawn after the lock), notify at commit.
    await this.pool.query(
      `WITH locked AS (SELECT pg_advisory_xact_lock($3::bigint)),
            inserted AS (INSERT INTO bus_event (type, envelope) SELECT $1::text, $2::jsonb FROM locked RETURNING seq)
       SELECT pg_notify('${NOTIFY_CHANNEL}', $1::text) FROM inserted`,
      [valid.type, JSON.stringify(valid), PUBLISH_LOCK_KEY],
    );
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    if (this.closed) throw new Error('bus is closed');
    const group = checkGroup(options.group);
    const types = checkTypes(options.types);
    await this.ensureSchema();
    await this.createOffsets(this.pool, group, types);
    await this.startNotifier();
    const consumer = new PgGroupConsumer(this, this.pool, this.settings, group, types, options.handler, options.retryDelayMs ?? this.settings.retryDelayMs);
    return this.track(consumer);
  }

  /**
   * The group starts at "now": the highest seq committed. Publishes are serialised, so any event
   * not yet visible here gets a higher seq and reaches the group.
   */
  async createOffsets(db: pg.Pool | pg.PoolClient, group: string, types: string[]): Promise<void> {
    await db.query(
      `INSERT INTO bus_offset (consumer_group, type, last_seq)
       SELECT $1, t, (SELECT coalesce(max(seq), 0) FROM bus_event) FROM unnest($2::text[]) AS t
       ON CONFLICT DO NOTHING`,
      [group, types],
    );
  }

  async listen(options: ListenOptions): Promise<Subscription> {
    if (this.closed) throw new Error('bus is closed');
    const types = checkTypes(options.types);
    await this.ensureSchema();
    const { rows } = await this.pool.query<{ head: string | number }>('SELECT coalesce(max(seq), 0) AS head FROM bus_event');
    await this.startNotifier();
    const listener = new PgListenerLoop(this, this.pool, this.settings, types, options, Number(rows[0]!.head));
    return this.track(listener);
  }

  private track(sub: Subscription): Subscription {
    const tracked: Subscription = {
      close: async () => {
        this.open.delete(tracked);
        await sub.close();
      },
    };
    this.open.add(tracked);
    return tracked;
  }

  async ping(): Promise<void> {
    await this.ensureSchema();
    await this.pool.query('SELECT 1 FROM bus_offset LIMIT 1');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retentionTimer);
    await Promise.allSettled([...this.open].map((s) => s.close()));
    if (this.notifier) await (await this.notifier.catch(() => undefined))?.close();
    await this.pool.end();
  }
}

type Step = 'delivered' | 'idle' | 'failed' | 'busy';

/**
 * One member of a consumer group over PostgreSQL. Each delivery is one
 * transaction: lock the group's offset rows (FOR UPDATE, in type order), read
 * the next event after them, run the handler, advance the offset, commit. The
 * row lock makes replicas of a group take turns, so none delivers an event
 * another is handling, and a replica that dies mid-handler rolls back and the
 * event goes to the next one. Replicas waiting for the lock queue behind it,
 * which is what spreads the work between them.
 */
class PgGroupConsumer implements Subscription {
  private readonly waker = new Waker();
  private readonly stop = new AbortController();
  private readonly loop: Promise<void>;
  private readonly unregister: () => void;
  private attempts = 0;

  constructor(
    private readonly bus: PostgresBus,
    private readonly pool: pg.Pool,
    private readonly settings: PgSettings,
    private readonly group: string,
    private readonly types: string[],
    private readonly handler: (event: EventEnvelope) => Promise<void>,
    private readonly retryDelayMs: number,
  ) {
    this.unregister = bus.register({ types: new Set(types), wake: () => this.waker.wake(), reconnected: () => {} });
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stop.signal.aborted) {
      this.waker.clear();
      let step: Step;
      try {
        step = await this.step();
        failures = 0;
      } catch (err) {
        if (this.stop.signal.aborted) break;
        failures++;
        const wait = backoffMs(failures, 100, 5_000);
        if (failures === 1) this.settings.logger.warn({ err, group: this.group, retryInMs: wait }, 'bus read failed; retrying');
        await delay(wait, this.stop.signal);
        continue;
      }
      if (step === 'delivered') continue;
      if (step === 'failed') await delay(this.retryDelayMs, this.stop.signal);
      else await this.waker.wait(this.settings.pollIntervalMs, this.stop.signal);
    }
  }

  private async step(): Promise<Step> {
    const { client, release } = await checkout(this.pool, this.settings.logger);
    let broken: Error | undefined;
    try {
      // A replica busy with a slow handler holds the lock; wait for it a while, then go back to sleep.
      await client.query(`BEGIN; SET LOCAL lock_timeout = '5s'`);
      const lockOffsets = () =>
        client.query<{ type: string; last_seq: string | number }>(
          `SELECT type, last_seq FROM bus_offset WHERE consumer_group = $1 AND type = ANY($2::text[]) ORDER BY type FOR UPDATE`,
          [this.group, this.types],
        );
      let offsets = await lockOffsets();
      if (offsets.rows.length < this.types.length) {
        // Offsets deleted behind our back: start those types at now again.
        await this.bus.createOffsets(client, this.group, this.types);
        offsets = await lockOffsets();
      }
      const next = await client.query<EventRow>(
        `SELECT e.seq, e.type, e.envelope
           FROM unnest($1::text[], $2::bigint[]) AS o(type, last_seq)
           CROSS JOIN LATERAL (
             SELECT seq, type, envelope FROM bus_event WHERE type = o.type AND seq > o.last_seq ORDER BY seq LIMIT 1
           ) e
          ORDER BY e.seq LIMIT 1`,
        [offsets.rows.map((r) => r.type), offsets.rows.map((r) => String(r.last_seq))],
      );
      const row = next.rows[0];
      if (!row) {
        await client.query('COMMIT');
        return 'idle';
      }
      const event = decode(row.envelope, row.type, this.settings.logger, { group: this.group, seq: String(row.seq) });
      if (event) {
        try {
          await this.handler(event);
          this.attempts = 0;
        } catch (err) {
          this.attempts++;
          this.settings.logger.warn({ err, group: this.group, eventId: event.id, type: event.type, attempt: this.attempts }, 'event handler failed; will retry');
          await client.query('ROLLBACK');
          return 'failed';
        }
      }
      await client.query('UPDATE bus_offset SET last_seq = $3 WHERE consumer_group = $1 AND type = $2', [this.group, row.type, String(row.seq)]);
      await client.query('COMMIT');
      return 'delivered';
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackErr: Error) => (broken = rollbackErr));
      if ((err as { code?: string }).code === '55P03') return 'busy'; // lock_timeout
      throw err;
    } finally {
      release(broken);
    }
  }

  async close(): Promise<void> {
    if (this.stop.signal.aborted) return this.loop;
    this.stop.abort();
    await this.loop;
    this.unregister();
  }
}

/**
 * A broadcast reader over PostgreSQL: on each NOTIFY of its types (or every
 * poll interval) it reads rows after the last seq it saw. Rows at or below the
 * head it read are all committed (publishes are serialised), so moving to the
 * head skips nothing and keeps the scan short when other types are busy.
 */
class PgListenerLoop implements Subscription {
  private readonly waker = new Waker();
  private readonly stop = new AbortController();
  private readonly loop: Promise<void>;
  private readonly unregister: () => void;
  private lost = false;

  constructor(
    bus: PostgresBus,
    private readonly pool: pg.Pool,
    private readonly settings: PgSettings,
    private readonly types: string[],
    private readonly options: ListenOptions,
    private lastSeq: number,
  ) {
    this.unregister = bus.register({ types: new Set(types), wake: () => this.waker.wake(), reconnected: () => (this.lost = true) });
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const limit = 500;
    let failures = 0;
    while (!this.stop.signal.aborted) {
      this.waker.clear();
      let rows: (EventRow & { head: string | number })[];
      try {
        ({ rows } = await this.pool.query(
          `WITH head AS (SELECT coalesce(max(seq), 0) AS head FROM bus_event)
           SELECT head.head, e.seq, e.type, e.envelope FROM head
             LEFT JOIN LATERAL (
               SELECT seq, type, envelope FROM bus_event
                WHERE seq > $1 AND seq <= head.head AND type = ANY($2::text[]) ORDER BY seq LIMIT $3
             ) e ON true`,
          [String(this.lastSeq), this.types, limit],
        ));
        failures = 0;
      } catch (err) {
        if (this.stop.signal.aborted) break;
        this.lost = true;
        failures++;
        if (failures === 1) this.settings.logger.warn({ err }, 'bus listener read failed; retrying');
        await delay(backoffMs(failures, 100, 5_000), this.stop.signal);
        continue;
      }
      if (this.lost) {
        this.lost = false;
        try {
          this.options.onReconnect?.();
        } catch (err) {
          this.settings.logger.error({ err }, 'onReconnect threw');
        }
      }
      const events = rows.filter((r) => r.seq !== null);
      for (const row of events) {
        const event = decode(row.envelope, row.type, this.settings.logger, { seq: String(row.seq) });
        if (!event) continue;
        try {
          this.options.handler(event);
        } catch (err) {
          this.settings.logger.error({ err, eventId: event.id }, 'listen handler threw');
        }
      }
      const full = events.length === limit;
      this.lastSeq = full ? Number(events[events.length - 1]!.seq) : Math.max(this.lastSeq, Number(rows[0]?.head ?? 0));
      if (!full) await this.waker.wait(this.settings.pollIntervalMs, this.stop.signal);
    }
  }

  async close(): Promise<void> {
    if (this.stop.signal.aborted) return this.loop;
    this.stop.abort();
    await this.loop;
    this.unregister();
  }
}
