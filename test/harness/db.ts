import { inject } from 'vitest';
import pg from 'pg';

/** Reads a subgraph's database of the shared e2e stack directly, to check what the API says against the truth. */
export async function stackSql<T>(database: 'catalogue' | 'inventory' | 'pricing' | 'orders', text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: inject('stackDatabases')[database] });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}
