import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { inject } from 'vitest';
import pg from 'pg';
import WebSocket from 'ws';
import { createClient, type Client, type ExecutionResult } from 'graphql-ws';
import { Header } from '@shop/platform';
import { contractOperation, E2E_INTERNAL_SECRET, gql, stackUrls } from '../harness/index.ts';

/**
 * What the live suites share: the real graphql-ws client (and a raw `ws`
 * socket for what a well-behaved client never sends), recorders that stamp
 * every message with the wall-clock time it arrived, and the stock and
 * database reads the messages are checked against. Every socket opened here
 * is remembered so that `closeAllSockets()` (afterAll) ends them.
 */

export type BffName = 'bff-web' | 'bff-mobile';

/** The contract's documents, as the storefront and the app send them. */
export const STOCK_BADGES = {
  'bff-web': contractOperation('bff-web/Live.graphql', 'StockBadges'),
  'bff-mobile': contractOperation('bff-mobile/Live.graphql', 'StockBadges'),
} as const;
export const RECOMMENDATIONS_REFRESHED = {
  'bff-web': contractOperation('bff-web/Live.graphql', 'RecommendationsRefreshed'),
  'bff-mobile': contractOperation('bff-mobile/Live.graphql', 'RecommendationsRefreshed'),
} as const;

export interface StockBadgeUpdate {
  sku: string;
  badge: 'IN_STOCK' | 'LOW_STOCK' | 'OUT_OF_STOCK';
  available: number;
}

export interface RecommendationsUpdate {
  reason: string;
  items: { id: string; slug?: string; title: string; badge: string }[];
}

/** A BFF's graphql-ws URL: its GraphQL URL with ws://. */
export const wsUrl = (graphqlUrl: string) => graphqlUrl.replace(/^http/, 'ws');

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ── Recorders ───────────────────────────────────────────────────────────────

export interface Received<T> {
  /** Date.now() when the message arrived (the same clock the services stamp events with). */
  at: number;
  value: T;
}

/** Everything one subscription received, in order, with a way to wait for what a test expects. */
export class Feed<T> {
  readonly items: Received<T>[] = [];
  readonly errors: unknown[] = [];
  completed = false;
  private readonly waiters = new Set<() => void>();
  unsubscribe: () => void = () => {};

  push(value: T): void {
    this.items.push({ at: Date.now(), value });
    this.notify();
  }

  fail(error: unknown): void {
    this.errors.push(error);
    this.notify();
  }

  complete(): void {
    this.completed = true;
    this.notify();
  }

  get values(): T[] {
    return this.items.map((i) => i.value);
  }

  /** Resolves with the first item at or after `from` that matches; rejects after `timeoutMs` naming `what`. */
  async next(predicate: (value: T) => boolean, timeoutMs: number, what: string, from = 0): Promise<Received<T>> {
    let found: Received<T> | undefined;
    await this.until(() => (found = this.items.slice(from).find((i) => predicate(i.value))) !== undefined, timeoutMs, what);
    return found!;
  }

  /** Resolves once `done()` holds, re-checked on every message, error and completion. */
  until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; received ${JSON.stringify(this.values)}, errors ${describeErrors(this.errors)}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  private notify() {
    for (const w of [...this.waiters]) w();
  }
}

function describeErrors(errors: unknown[]): string {
  return JSON.stringify(errors.map((e) => (e && typeof e === 'object' && 'code' in e && 'reason' in e ? { code: (e as { code: number }).code, reason: (e as { reason: string }).reason } : e)));
}

// ── The graphql-ws client ───────────────────────────────────────────────────

export interface CloseInfo {
  code: number;
  reason: string;
}

/** One graphql-ws client socket (the library's createClient over `ws`), never retrying, so a close is final and visible. */
export class LiveConnection {
  readonly client: Client;
  readonly closes: CloseInfo[] = [];
  connected = false;
  private readonly closeWaiters = new Set<(c: CloseInfo) => void>();

  constructor(graphqlUrl: string, connectionParams?: Record<string, unknown>, options: { lazy?: boolean } = {}) {
    this.client = createClient({
      url: wsUrl(graphqlUrl),
      webSocketImpl: WebSocket,
      connectionParams,
      lazy: options.lazy ?? true,
      retryAttempts: 0,
      // A non-lazy client reports a refused connection here; the test reads it from `closes`.
      onNonLazyError: () => {},
      on: {
        connected: () => (this.connected = true),
        closed: (event) => {
          const info = { code: (event as CloseInfo).code, reason: String((event as CloseInfo).reason ?? '') };
          this.closes.push(info);
          for (const w of this.closeWaiters) w(info);
          this.closeWaiters.clear();
        },
      },
    });
    sockets.add(this);
  }

  subscribe<T>(query: string, variables: Record<string, unknown>): Feed<ExecutionResult<T>> {
    const feed = new Feed<ExecutionResult<T>>();
    feed.unsubscribe = this.client.subscribe<T>({ query, variables }, { next: (v) => feed.push(v as ExecutionResult<T>), error: (e) => feed.fail(e), complete: () => feed.complete() });
    return feed;
  }

  /** The socket's close (code and reason), or a rejection after `timeoutMs`. */
  closed(timeoutMs: number): Promise<CloseInfo> {
    if (this.closes[0]) return Promise.resolve(this.closes[0]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs);
      this.closeWaiters.add((c) => (clearTimeout(timer), resolve(c)));
    });
  }

  async dispose(): Promise<void> {
    sockets.delete(this);
    await this.client.dispose();
  }
}

const sockets = new Set<LiveConnection | RawSocket>();

/** Ends every socket a suite opened (afterAll). */
export async function closeAllSockets(): Promise<void> {
  await Promise.allSettled([...sockets].map((s) => s.dispose()));
}

/** A stockBadges subscription whose messages are the updates themselves (errors fail the feed). */
export function watchStock(conn: LiveConnection, bff: BffName, skus: string[], region: string): Feed<ExecutionResult<{ stockBadges: StockBadgeUpdate }>> {
  return conn.subscribe<{ stockBadges: StockBadgeUpdate }>(STOCK_BADGES[bff], { skus, region });
}

/**
 * The GraphQL errors a subscription got, however the server sent them: an
 * `error` message (refused before it ran) or a `next` carrying errors (its
 * subscribe resolver threw).
 */
export function graphqlErrors(feed: Feed<ExecutionResult<unknown>>): { message: string; extensions?: Record<string, unknown> }[] {
  const fromNext = feed.items.flatMap((i) => [...(i.value.errors ?? [])] as unknown as { message: string; extensions?: Record<string, unknown> }[]);
  const fromError = feed.errors.flatMap((e) => (Array.isArray(e) ? (e as { message: string; extensions?: Record<string, unknown> }[]) : []));
  return [...fromNext, ...fromError];
}

/** The stockBadges updates of a feed (a `next` carrying errors instead has no update). */
export const updates = (feed: Feed<ExecutionResult<{ stockBadges: StockBadgeUpdate }>>, from = 0): Received<StockBadgeUpdate>[] =>
  feed.items.slice(from).flatMap((i) => (i.value.data?.stockBadges ? [{ at: i.at, value: i.value.data.stockBadges }] : []));

// ── A raw WebSocket, for what the library's client never sends ──────────────

/** A plain `ws` socket: sends anything, records every message and the close. */
export class RawSocket {
  readonly ws: WebSocket;
  readonly messages: Received<Record<string, unknown>>[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<CloseInfo>;
  /** The subprotocol the server agreed to ('' for none). */
  get protocol(): string {
    return this.ws.protocol;
  }

  constructor(graphqlUrl: string, options: { protocols?: string[]; headers?: Record<string, string> } = {}) {
    this.ws = new WebSocket(wsUrl(graphqlUrl), options.protocols ?? ['graphql-transport-ws'], { headers: options.headers });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => this.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    this.ws.on('message', (data) => {
      this.messages.push({ at: Date.now(), value: JSON.parse(String(data)) as Record<string, unknown> });
    });
    sockets.add(this);
  }

  send(message: string | Record<string, unknown>): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Opens, sends connection_init and waits for connection_ack. */
  async init(payload?: Record<string, unknown>): Promise<void> {
    await this.opened;
    this.send(payload ? { type: 'connection_init', payload } : { type: 'connection_init' });
    await this.message((m) => m.type === 'connection_ack', 5_000);
  }

  async message(predicate: (m: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find((m) => predicate(m.value));
      if (found) return found.value;
      if (Date.now() > deadline) throw new Error(`no such message within ${timeoutMs} ms; got ${JSON.stringify(this.messages.map((m) => m.value))}`);
      await delay(10);
    }
  }

  /** The close, or a rejection after `timeoutMs`. */
  closedWithin(timeoutMs: number): Promise<CloseInfo> {
    return Promise.race([this.closed, delay(timeoutMs).then(() => Promise.reject(new Error(`socket still open after ${timeoutMs} ms`)))]);
  }

  async dispose(): Promise<void> {
    sockets.delete(this);
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }
}

// ── The truth a message is checked against ──────────────────────────────────

type StackDatabase = 'catalogue' | 'inventory' | 'pricing' | 'orders' | 'personalization' | 'bus';

/** One statement against one of the shared stack's databases (the bus database only exists without Redis). */
export async function sql<T>(database: StackDatabase, text: string, params: unknown[] = []): Promise<T[]> {
  const url = inject('stackDatabases')[database];
  if (!url) throw new Error(`the stack has no ${database} database`);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Inventory's stock of skus in a region as the gateway serves it (the query the BFFs' snapshot uses). */
export async function gatewayStock(skus: string[], region: string): Promise<Map<string, StockBadgeUpdate & { version: number }>> {
  const res = await gql(stackUrls().gateway, 'query LiveTestStock($skus: [ID!]!, $region: RegionCode!) { stockLevels(skus: $skus, region: $region) { sku available badge version } }', { skus, region });
  if (res.errors) throw new Error(`stockLevels: ${JSON.stringify(res.errors)}`);
  return new Map((res.data.stockLevels as (StockBadgeUpdate & { version: number })[]).map((s) => [s.sku, s]));
}

/** Available units of a sku in a region, read from inventory's own table. */
export async function dbAvailable(sku: string, region: string): Promise<number> {
  const [row] = await sql<{ available: number }>('inventory', 'SELECT on_hand - reserved AS available FROM inventory_level WHERE sku = $1 AND region = $2', [sku, region]);
  if (!row) throw new Error(`no level for ${sku} in ${region}`);
  return row.available;
}

/**
 * Milliseconds from the commit of the newest stock change of `sku` in `region`
 * to `receivedAt`. The commit is measured by the event's `time`, which
 * inventory stamps in the committing transaction just before it commits (so
 * this slightly overstates the delay).
 */
export async function msSinceCommit(sku: string, region: string, receivedAt: number): Promise<number> {
  const [row] = await sql<{ time: Date }>('inventory', `SELECT time FROM outbox WHERE type = 'inventory.stock.changed' AND subject = $1 ORDER BY seq DESC LIMIT 1`, [`${sku}:${region}`]);
  if (!row) throw new Error(`no stock event for ${sku}:${region}`);
  return receivedAt - new Date(row.time).getTime();
}

/** Distinct skus of distinct products with at least `min` available in `region`, from a slice of the seeded catalogue no other suite uses. */
export async function pickSkus(region: string, count: number, offset: number, min = 12): Promise<string[]> {
  const rows = await sql<{ sku: string }>(
    'inventory',
    `SELECT DISTINCT ON (i.product_id) i.sku FROM inventory_item i JOIN inventory_level l USING (sku)
      WHERE l.region = $1 AND l.on_hand - l.reserved >= $2 AND l.reserved = 0
      ORDER BY i.product_id DESC, i.sku OFFSET $3 LIMIT $4`,
    [region, min, offset, count],
  );
  if (rows.length < count) throw new Error(`only ${rows.length} skus with ${min} available in ${region}`);
  return rows.map((r) => r.sku);
}

/** A restock (positive) or removal at the region's first location, through inventory's internal adjustStock (as a warehouse feed would). */
export async function adjustStock(sku: string, region: string, delta: number): Promise<{ available: number; badge: string }> {
  const [location] = await sql<{ code: string }>('inventory', 'SELECT code FROM location WHERE region = $1 ORDER BY code LIMIT 1', [region]);
  const res = await gql(
    stackUrls().inventory,
    'mutation Adjust($input: AdjustStockInput!) { adjustStock(input: $input) { stock { available badge } userErrors { code message } } }',
    { input: { sku, locationCode: location!.code, delta, reason: 'live e2e restock' } },
    { [Header.internal]: E2E_INTERNAL_SECRET },
  );
  if (res.errors || res.data.adjustStock.userErrors.length) throw new Error(`adjustStock: ${JSON.stringify(res.errors ?? res.data.adjustStock.userErrors)}`);
  return res.data.adjustStock.stock;
}

// ── Processes ───────────────────────────────────────────────────────────────

/**
 * The pid of this test process's child that listens on `port` (an extra
 * service from startExtra), found through /proc: the socket inode of the
 * listening port, then the child holding it. Linux only.
 */
export function pidListeningOn(port: number): number {
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const localPort = parseInt(cols[1]!.split(':')[1]!, 16);
      if (localPort === port && cols[3] === '0A') inodes.add(cols[9]!);
    }
  }
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid !== process.pid) continue;
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const link = readlinkSync(`/proc/${entry}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
        if (inode && inodes.has(inode)) return Number(entry);
      } catch {
        // fd closed meanwhile
      }
    }
  }
  throw new Error(`no child process of ${process.pid} listens on port ${port}`);
}

export const portOf = (url: string) => Number(new URL(url).port);
