import { Kysely, Migrator, PostgresDialect, type Migration, type MigrationProvider } from 'kysely';
import pg from 'pg';
import type { Logger } from './logger.ts';

// int8 (COUNT, SUM) comes back as a string by default; every count we read fits a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));
// NUMERIC stays a string: money never passes through a float.

export interface DbOptions {
  url: string;
  logger: Logger;
  /** Called once per SQL statement sent; feeds the statement counter. */
  onQuery?: (sql: string) => void;
  /** @default 10 connections */
  poolSize?: number;
  /** @default 5_000 // 5 seconds per statement */
  statementTimeoutMs?: number;
}

export interface Db<T> {
  db: Kysely<T>;
  pool: pg.Pool;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** kysely over a pg pool whose idle-client errors are logged instead of crashing the process. */
export function createDb<T>(options: DbOptions): Db<T> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    statement_timeout: options.statementTimeoutMs ?? 5_000,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', (err) => options.logger.error({ err }, 'idle PostgreSQL client error'));
  const db = new Kysely<T>({
    dialect: new PostgresDialect({ pool }),
    log: (event) => {
      options.onQuery?.(event.query.sql);
      if (event.level === 'error') options.logger.debug({ err: event.error, sql: event.query.sql }, 'query failed');
    },
  });
  return {
    db,
    pool,
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      await db.destroy();
    },
  };
}

/** Migrations listed in code, in order, so no directory scanning decides what runs. */
export class StaticMigrationProvider implements MigrationProvider {
  constructor(private readonly migrations: Record<string, Migration>) {}
  async getMigrations() {
    return this.migrations;
  }
}

export async function migrateToLatest<T>(db: Kysely<T>, migrations: Record<string, Migration>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new StaticMigrationProvider(migrations) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`Migration ${failed ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** The same server URL pointing at another database. */
export function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Creates `database` on the server of `serverUrl` unless it exists. Safe under concurrency. */
export async function ensureDatabase(serverUrl: string, database: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`Invalid database name "${database}"`);
  const client = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE ${database}`).catch((err: { code?: string }) => {
        if (err.code !== '42P04' && err.code !== '23505') throw err; // created meanwhile by another process
      });
    }
  } finally {
    await client.end();
  }
}

export async function dropDatabase(serverUrl: string, database: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`Invalid database name "${database}"`);
  const client = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
