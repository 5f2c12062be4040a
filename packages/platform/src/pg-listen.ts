import pg from 'pg';
import type { Logger } from './logger.ts';
import { backoffMs, delay } from './wake.ts';

export interface PgListenerOptions {
  url: string;
  /** A plain identifier, e.g. `outbox` or `bus_event`. */
  channel: string;
  logger: Logger;
  onNotify: (payload: string) => void;
  /** Called after a lost connection is back and listening again (notifications in the gap are lost). */
  onReconnect: () => void;
}

/**
 * One dedicated connection that LISTENs on a channel and reconnects with
 * backoff when it is lost (internal: the bus and the relay use it).
 * Notifications are only wake-ups: callers read their truth from a table and
 * poll as well, so a notification lost in a reconnect gap delays, never loses.
 */
export class PgListener {
  private client: pg.Client | undefined;
  private closing = false;
  private reconnecting = false;
  private readonly abort = new AbortController();

  constructor(private readonly options: PgListenerOptions) {
    if (!/^[a-z_][a-z0-9_]*$/.test(options.channel)) throw new Error(`Invalid channel name "${options.channel}"`);
  }

  /** Connects once; on failure logs and keeps retrying in the background (the caller polls meanwhile). */
  async start(): Promise<void> {
    try {
      await this.connect();
    } catch (err) {
      this.options.logger.warn({ err, channel: this.options.channel }, 'LISTEN connection failed; retrying in the background');
      void this.reconnect();
    }
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.url, keepAlive: true });
    client.on('notification', (msg) => {
      if (msg.channel === this.options.channel) this.options.onNotify(msg.payload ?? '');
    });
    const lost = (err?: Error) => {
      if (this.client !== client) return;
      this.client = undefined;
      client.end().catch(() => {});
      if (this.closing) return;
      this.options.logger.warn({ err, channel: this.options.channel }, 'LISTEN connection lost; reconnecting');
      void this.reconnect();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      await client.query(`LISTEN ${this.options.channel}`);
    } catch (err) {
      client.end().catch(() => {});
      throw err;
    }
    if (this.closing) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
  }

  private async reconnect(): Promise<void> {
    if (this.reconnecting) return;
    this.reconnecting = true;
    try {
      for (let attempt = 1; !this.closing; attempt++) {
        await delay(backoffMs(attempt, 100, 5_000), this.abort.signal);
        if (this.closing) return;
        try {
          await this.connect();
          this.options.logger.info({ channel: this.options.channel }, 'LISTEN connection restored');
          this.options.onReconnect();
          return;
        } catch (err) {
          this.options.logger.debug({ err, channel: this.options.channel, attempt }, 'LISTEN reconnect failed');
        }
      }
    } finally {
      this.reconnecting = false;
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    this.abort.abort();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }
}

/**
 * A client from `pool` for a transaction that stays open across awaits of
 * other work (a handler, a bus publish). pg-pool stops listening for a
 * checked-out client's errors, and a connection lost while no query runs
 * (server restart, terminated backend) emits 'error', which would crash the
 * process; here it is logged, and `release` discards the client.
 */
export async function checkout(pool: pg.Pool, logger: Logger): Promise<{ client: pg.PoolClient; release(err?: Error): void }> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (err: Error) => {
    lost = err;
    logger.warn({ err }, 'PostgreSQL connection lost while in use');
  };
  client.on('error', onError);
  return {
    client,
    release(err?: Error) {
      const broken = err ?? lost;
      // A healthy client goes back to the pool, which listens again; a broken one keeps our listener until it is gone.
      if (!broken) client.removeListener('error', onError);
      client.release(broken);
    },
  };
}
