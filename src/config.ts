/**
 * Options for opening a database, and how they are read from the environment.
 *
 * @module
 */
import { inspect } from 'node:util';
import { ConfigError } from './errors';

/** The TypeORM log levels accepted by {@link DatabaseOptions.logging}. */
export type LogLevel = 'query' | 'error' | 'schema' | 'warn' | 'info' | 'log' | 'migration';

const LOG_LEVELS: readonly LogLevel[] = ['query', 'error', 'schema', 'warn', 'info', 'log', 'migration'];

/**
 * Whether PostgreSQL statements are sent as named (prepared) statements: see
 * {@link DatabaseOptions.preparedStatements}.
 */
export type PreparedStatements = 'auto' | boolean;

const PREPARED_STATEMENTS: readonly PreparedStatements[] = ['auto', true, false];

/** TLS settings for PostgreSQL. */
export interface SslOptions {
  /** Verify the server certificate (default true). `false` accepts self-signed certificates. */
  rejectUnauthorized?: boolean;
  /** PEM-encoded CA certificate(s) to trust. */
  ca?: string;
}

/**
 * How to open a database. Only `url` is required.
 *
 * @example
 * ```ts
 * const options: DatabaseOptions = { url: 'postgres://crm:secret@127.0.0.1/crm', poolSize: 20, migrate: true };
 * ```
 */
export interface DatabaseOptions {
  /**
   * Where the database is: `sqlite:relative/or/absolute.db`, `sqlite::memory:`,
   * `postgres://user:password@host:port/db` (or `postgresql://`).
   */
  url: string;
  /** Run pending migrations when opening (default false). */
  migrate?: boolean;
  /** PostgreSQL: most connections in the pool (default 10). */
  poolSize?: number;
  /** PostgreSQL: close a connection idle for this long (default 10 000 ms). */
  poolIdleTimeoutMs?: number;
  /**
   * How long to keep trying to connect (default 10 000 ms). `openDatabase`
   * retries the first connection with backoff for this long.
   */
  connectTimeoutMs?: number;
  /** PostgreSQL: cancel a statement running longer than this (default 30 000 ms; 0 turns it off). */
  statementTimeoutMs?: number;
  /** Log queries slower than this many milliseconds (default 1000; 0 turns it off). */
  slowQueryMs?: number;
  /** What to log: `true` for everything, `false` for nothing, or a list of levels (default `['warn']`: slow queries and warnings; failed queries reach the caller as typed errors). */
  logging?: boolean | LogLevel[];
  /** PostgreSQL: TLS. `true` verifies the server certificate; an object tunes it. */
  ssl?: boolean | SslOptions;
  /** PostgreSQL: read replica URLs; plain reads go to them, writes and transactions to `url`. */
  replicas?: string[];
  /** SQLite: how long a statement waits for a locked file (default 5000 ms). */
  busyTimeoutMs?: number;
  /**
   * PostgreSQL: send the library's hot statements (key lookups, inbox and
   * message pages, the bookkeeping of recording a message) as named prepared
   * statements, which the server parses and plans once per connection
   * instead of on every call (1.3x-1.5x cheaper per statement). SQLite
   * ignores it (it always prepares).
   *
   * - `true`: always named. Only where every connection reaches the server
   *   directly, or through a pooler that keeps prepared statements (PgBouncer
   *   >= 1.21 with `max_prepared_statements` > 0, or session pooling).
   * - `false`: never named; every statement is parsed and planned per call.
   *   Set this behind a pooler in transaction or statement mode that does not
   *   keep prepared statements (PgBouncer before 1.21, or 1.21+ without
   *   `max_prepared_statements`): a named statement prepared on one server
   *   connection is missing on the next ("prepared statement ... does not
   *   exist") or already there ("... already exists").
   * - `'auto'` (default): named on a connection that reaches the server
   *   directly, unnamed on one that does not. Each new connection compares
   *   the backend process id the server reports (`pg_backend_pid()`) with the
   *   one of its startup answer: a pooler (PgBouncer, Odyssey, pgcat) answers
   *   the startup itself, with an id of its own. So behind such a pooler
   *   `'auto'` is safe (and unnamed, even where the pooler could keep them),
   *   at the cost of one query per new connection. Prefer an explicit `false`
   *   behind a pooler: it also covers a pooler that would pass the server's
   *   id through.
   *
   * Nothing else the library does relies on session state, so it runs behind
   * PgBouncer in transaction mode. One setting needs the pooler's help:
   * `statementTimeoutMs` is sent as the `statement_timeout` startup
   * parameter, which PgBouncer refuses unless it is in its
   * `ignore_startup_parameters`; then set the timeout on the role instead
   * (`ALTER ROLE crm SET statement_timeout = '30s'`), since PgBouncer does
   * not pass it on. The client-side bound (`statementTimeoutMs` + 2 s) stays.
   *
   * @example
   * ```ts
   * // Behind PgBouncer 1.18 in transaction mode:
   * const db = await openDatabase({ url: 'postgres://crm:secret@pgbouncer:6432/crm', preparedStatements: false });
   * ```
   */
  preparedStatements?: PreparedStatements;
  /**
   * Publish every committed change as a live event to other processes
   * (`db.events`): on SQLite one `INSERT` into the `events` table per unit of
   * work, in its transaction; on PostgreSQL one `pg_notify` per unit. Default
   * `false`: it adds a statement to every write (about one more statement on
   * top of the 4-5 of recording a message). Enable it in **every process that
   * writes** (webhook receiver, AI responder, dashboard API): a process
   * without it still delivers its own commits to its own subscribers, but no
   * other process sees them. Subscribing needs no option.
   *
   * @example
   * ```ts
   * const db = await openDatabase({ url: 'postgres://crm:secret@db/crm', events: true });
   * ```
   */
  events?: boolean;
  /**
   * PostgreSQL: where the events listener connects (default `url`). LISTEN
   * needs a session of its own: behind PgBouncer in transaction mode, point
   * this at the server itself (or a session-mode pooler) while `url` goes
   * through PgBouncer. Writers need no direct connection: `pg_notify` works
   * in transaction mode.
   *
   * @example
   * ```ts
   * await openDatabase({ url: 'postgres://crm:s@pgbouncer:6432/crm', preparedStatements: false, eventsUrl: 'postgres://crm:s@db:5432/crm' });
   * ```
   */
  eventsUrl?: string;
  /** SQLite: how long rows of the `events` table are kept before a writer prunes them (default 86 400 000 ms, one day). */
  eventRetentionMs?: number;
}

/** {@link DatabaseOptions} with every default filled in, as `createDataSource` uses them. */
export type ResolvedDatabaseOptions = Required<Omit<DatabaseOptions, 'ssl' | 'eventsUrl'>> & {
  /** TLS settings, or `false` for none. */
  ssl: false | SslOptions;
  /** PostgreSQL: the events listener's URL, or `null` for `url`. */
  eventsUrl: string | null;
  /** What `url` points at. */
  target: DatabaseTarget;
};

/** A SQLite database file, or `:memory:`. */
export interface SqliteTarget {
  /** Always `'sqlite'`. */
  engine: 'sqlite';
  /** File path, or `:memory:`. */
  path: string;
}

/** A PostgreSQL server and database. */
export interface PostgresTarget {
  /** Always `'postgres'`. */
  engine: 'postgres';
  /** The full connection URL (with its password: never log it, see {@link maskUrl}). */
  url: string;
}

/** What a URL points at. */
export type DatabaseTarget = SqliteTarget | PostgresTarget;

/** The embedded database used when no `DATABASE_URL` is set. */
export const DEFAULT_DATABASE_URL = 'sqlite:./data/migochat.db';

/**
 * Hides the password of a URL as `****`, for messages and logs.
 *
 * @example
 * ```ts
 * maskUrl('postgres://crm:s3cret@db/crm'); // 'postgres://crm:****@db/crm'
 * ```
 */
export function maskUrl(url: string): string {
  return maskPasswordParameters(maskUserInfo(url));
}

function maskUserInfo(url: string): string {
  // The password runs to the LAST '@': an unencoded '/', '?', '#' or '@' in it
  // must not end the mask early and leak the rest.
  const match = /^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*:)([^]*)@([^@]*)$/i.exec(url);
  if (!match) return url;
  const [, head, secret = '', tail] = match;
  // "postgres://host:5432/db?x=a@b" has no password: that ':' opens a port.
  if (/^\d+[/?#]/.test(secret)) return url;
  return `${head}****@${tail}`;
}

/** `?password=...` (libpq and pg accept it, as do `sslpassword` and `passfile`-less keys): masked too. */
function maskPasswordParameters(url: string): string {
  const query = url.indexOf('?');
  if (query < 0) return url;
  return url.slice(0, query) + url.slice(query).replace(/([?&](?:ssl)?password=)[^&#]*/gi, '$1****');
}

/** A copy of `value` with every URL's password and every `password` field masked. */
function masked(value: unknown, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return maskUrl(value);
  if (typeof value !== 'object' || value === null || seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => masked(item, seen));
  const prototype = Object.getPrototypeOf(value) as unknown;
  // Class instances (loggers, naming strategies, entity classes) hold no URL of ours.
  if (prototype !== Object.prototype && prototype !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = /^password$/i.test(key) && typeof item === 'string' ? '****' : masked(item, seen);
  return out;
}

/**
 * Makes `options` print and serialise with passwords masked
 * (`util.inspect`, `console.log`, `JSON.stringify`), while the code that
 * connects still reads the real values. Returns `options`.
 * @internal
 */
export function withMaskedSecrets<T extends object>(options: T): T {
  Object.defineProperties(options, {
    toJSON: { value: () => masked({ ...options }), enumerable: false, configurable: true },
    [inspect.custom]: {
      value: (depth: number, inspectOptions: object) => inspect(masked({ ...options }), { ...inspectOptions, depth }),
      enumerable: false,
      configurable: true,
    },
  });
  return options;
}

/**
 * Reads a database URL.
 *
 * @throws {@link ConfigError} for an unknown scheme or an empty path.
 * @example
 * ```ts
 * parseDatabaseUrl('sqlite::memory:'); // { engine: 'sqlite', path: ':memory:' }
 * ```
 */
export function parseDatabaseUrl(url: string, setting = 'url'): DatabaseTarget {
  const allowed = 'sqlite:<path>, sqlite::memory:, postgres://user:password@host:port/db or postgresql://...';
  if (typeof url !== 'string' || url.trim() === '') {
    throw new ConfigError(setting, `is empty; expected ${allowed}`);
  }
  const trimmed = url.trim();
  if (/^sqlite:/i.test(trimmed)) {
    // `sqlite:///abs.db` is `/abs.db`; `sqlite://data/x.db` is `data/x.db`, not `//data/x.db` at the root.
    const path = trimmed.slice('sqlite:'.length).replace(/^\/\//, '');
    if (path === '') throw new ConfigError(setting, `"${trimmed}" has no file path; expected ${allowed}`);
    return { engine: 'sqlite', path };
  }
  if (/^postgres(ql)?:\/\//i.test(trimmed)) {
    let parsed: URL;
    try {
      parsed = new URL(trimmed);
    } catch (cause) {
      throw new ConfigError(setting, `"${maskUrl(trimmed)}" is not a valid URL; expected ${allowed}`, { cause });
    }
    if (!parsed.hostname) throw new ConfigError(setting, `"${maskUrl(trimmed)}" has no host; expected ${allowed}`);
    return { engine: 'postgres', url: trimmed };
  }
  throw new ConfigError(setting, `"${maskUrl(trimmed)}" is not a supported database URL; expected ${allowed}`);
}

function checkInteger(setting: string, value: number | undefined, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(setting, `${String(value)} is not allowed; expected a whole number >= ${min}`);
  }
  return value;
}

/**
 * Checks options and fills in defaults.
 *
 * @param options - what the caller set; everything else gets its default.
 * @returns the complete options `openDatabase` works with.
 * @throws {@link ConfigError} naming the first bad option.
 * @example
 * ```ts
 * const resolved = resolveDatabaseOptions({ url: 'sqlite::memory:' });
 * resolved.target.engine; // 'sqlite'
 * ```
 */
export function resolveDatabaseOptions(options: DatabaseOptions): ResolvedDatabaseOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('options', 'expected an object with at least { url }');
  }
  const target = parseDatabaseUrl(options.url);
  const replicas = (options.replicas ?? []).map((r, i) => {
    const t = parseDatabaseUrl(r, `replicas[${i}]`);
    if (t.engine !== 'postgres') throw new ConfigError(`replicas[${i}]`, `"${maskUrl(r)}" must be a postgres:// URL`);
    return t.url;
  });
  if (replicas.length > 0 && target.engine !== 'postgres') {
    throw new ConfigError('replicas', 'read replicas need a PostgreSQL primary url');
  }
  const logging = options.logging ?? ['warn'];
  if (Array.isArray(logging)) {
    for (const level of logging) {
      if (!LOG_LEVELS.includes(level)) {
        throw new ConfigError('logging', `"${String(level)}" is not a log level; allowed: ${LOG_LEVELS.join(', ')}`);
      }
    }
  }
  const ssl = options.ssl === true ? {} : options.ssl || false;
  const preparedStatements = options.preparedStatements ?? 'auto';
  if (!PREPARED_STATEMENTS.includes(preparedStatements)) {
    throw new ConfigError('preparedStatements', `${inspect(preparedStatements)} is not allowed; expected 'auto', true or false`);
  }
  if (options.events !== undefined && typeof options.events !== 'boolean') {
    throw new ConfigError('events', `${inspect(options.events)} is not allowed; expected true or false`);
  }
  let eventsUrl: string | null = null;
  if (options.eventsUrl !== undefined) {
    const t = parseDatabaseUrl(options.eventsUrl, 'eventsUrl');
    if (t.engine !== 'postgres' || target.engine !== 'postgres') throw new ConfigError('eventsUrl', `"${maskUrl(options.eventsUrl)}" must be a postgres:// URL, with a PostgreSQL url`);
    eventsUrl = t.url;
  }
  return withMaskedSecrets({
    url: options.url,
    target,
    migrate: options.migrate ?? false,
    poolSize: checkInteger('poolSize', options.poolSize, 1, 10),
    poolIdleTimeoutMs: checkInteger('poolIdleTimeoutMs', options.poolIdleTimeoutMs, 0, 10_000),
    connectTimeoutMs: checkInteger('connectTimeoutMs', options.connectTimeoutMs, 0, 10_000),
    statementTimeoutMs: checkInteger('statementTimeoutMs', options.statementTimeoutMs, 0, 30_000),
    slowQueryMs: checkInteger('slowQueryMs', options.slowQueryMs, 0, 1000),
    busyTimeoutMs: checkInteger('busyTimeoutMs', options.busyTimeoutMs, 0, 5000),
    logging,
    ssl,
    replicas,
    preparedStatements,
    events: options.events ?? false,
    eventsUrl,
    eventRetentionMs: checkInteger('eventRetentionMs', options.eventRetentionMs, 1000, 86_400_000),
  });
}

/** The environment variables {@link databaseOptionsFromEnv} reads. */
export type DatabaseEnv = Partial<Record<string, string | undefined>>;

function envInteger(env: DatabaseEnv, name: string, min: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min) {
    throw new ConfigError(name, `"${raw}" is not allowed; expected a whole number >= ${min}`);
  }
  return value;
}

function envBoolean(env: DatabaseEnv, name: string): boolean | undefined {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return undefined;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `"${env[name]}" is not allowed; expected true or false`);
}

function envPreparedStatements(env: DatabaseEnv): PreparedStatements | undefined {
  const raw = env['DB_PREPARED_STATEMENTS']?.trim().toLowerCase();
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'auto') return 'auto';
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError('DB_PREPARED_STATEMENTS', `"${env['DB_PREPARED_STATEMENTS']}" is not allowed; expected auto, true or false`);
}

function envLogging(env: DatabaseEnv): boolean | LogLevel[] | undefined {
  const raw = env['DB_LOGGING']?.trim();
  if (raw === undefined || raw === '') return undefined;
  const lower = raw.toLowerCase();
  if (['1', 'true', 'yes', 'on', 'all'].includes(lower)) return true;
  if (['0', 'false', 'no', 'off'].includes(lower)) return false;
  const levels = lower.split(',').map((l) => l.trim());
  for (const level of levels) {
    if (!LOG_LEVELS.includes(level as LogLevel)) {
      throw new ConfigError('DB_LOGGING', `"${raw}" is not allowed; expected true, false or a comma list of ${LOG_LEVELS.join(', ')}`);
    }
  }
  return levels as LogLevel[];
}

function envSsl(env: DatabaseEnv): boolean | SslOptions | undefined {
  const raw = env['DB_SSL']?.trim().toLowerCase();
  if (raw === undefined || raw === '') return undefined;
  if (['1', 'true', 'yes', 'on', 'require', 'verify-full'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off', 'disable'].includes(raw)) return false;
  if (raw === 'no-verify') return { rejectUnauthorized: false };
  throw new ConfigError('DB_SSL', `"${env['DB_SSL']}" is not allowed; expected true, false, require or no-verify`);
}

/**
 * Builds {@link DatabaseOptions} from environment variables:
 *
 * | variable | option | default |
 * |---|---|---|
 * | `DATABASE_URL` | `url` | `sqlite:./data/migochat.db` |
 * | `DATABASE_READ_REPLICA_URLS` | `replicas` (comma-separated) | none |
 * | `DB_POOL_SIZE` | `poolSize` | 10 |
 * | `DB_POOL_IDLE_TIMEOUT_MS` | `poolIdleTimeoutMs` | 10000 |
 * | `DB_CONNECT_TIMEOUT_MS` | `connectTimeoutMs` | 10000 |
 * | `DB_STATEMENT_TIMEOUT_MS` | `statementTimeoutMs` | 30000 |
 * | `DB_SLOW_QUERY_MS` | `slowQueryMs` | 1000 |
 * | `DB_LOGGING` | `logging`: `true`, `false` or `query,error,...` | `warn` |
 * | `DB_SSL` | `ssl`: `true`, `false`, `require`, `no-verify` | false |
 * | `DB_PREPARED_STATEMENTS` | `preparedStatements`: `auto`, `true` (`on`, `1`), `false` (`off`, `0`) | `auto` |
 * | `DB_EVENTS` | `events`: `true` or `false` | false |
 * | `DATABASE_EVENTS_URL` | `eventsUrl` (PostgreSQL) | `DATABASE_URL` |
 * | `DB_EVENT_RETENTION_MS` | `eventRetentionMs` (SQLite) | 86400000 |
 *
 * @throws {@link ConfigError} naming the variable, its value (password masked) and what is allowed.
 * @example
 * ```ts
 * const db = await openDatabase({ ...databaseOptionsFromEnv(), migrate: true });
 * ```
 */
export function databaseOptionsFromEnv(env: DatabaseEnv = process.env): DatabaseOptions {
  const url = env['DATABASE_URL']?.trim() || DEFAULT_DATABASE_URL;
  parseDatabaseUrl(url, 'DATABASE_URL');
  const options: DatabaseOptions = { url };
  const replicasRaw = env['DATABASE_READ_REPLICA_URLS']?.trim();
  if (replicasRaw) {
    options.replicas = replicasRaw
      .split(',')
      .map((r) => r.trim())
      .filter((r) => r !== '')
      .map((r) => {
        const target = parseDatabaseUrl(r, 'DATABASE_READ_REPLICA_URLS');
        if (target.engine !== 'postgres') {
          throw new ConfigError('DATABASE_READ_REPLICA_URLS', `"${maskUrl(r)}" must be a postgres:// URL`);
        }
        return r;
      });
  }
  const poolSize = envInteger(env, 'DB_POOL_SIZE', 1);
  if (poolSize !== undefined) options.poolSize = poolSize;
  const idle = envInteger(env, 'DB_POOL_IDLE_TIMEOUT_MS', 0);
  if (idle !== undefined) options.poolIdleTimeoutMs = idle;
  const connect = envInteger(env, 'DB_CONNECT_TIMEOUT_MS', 0);
  if (connect !== undefined) options.connectTimeoutMs = connect;
  const statement = envInteger(env, 'DB_STATEMENT_TIMEOUT_MS', 0);
  if (statement !== undefined) options.statementTimeoutMs = statement;
  const slow = envInteger(env, 'DB_SLOW_QUERY_MS', 0);
  if (slow !== undefined) options.slowQueryMs = slow;
  const logging = envLogging(env);
  if (logging !== undefined) options.logging = logging;
  const ssl = envSsl(env);
  if (ssl !== undefined) options.ssl = ssl;
  const prepared = envPreparedStatements(env);
  if (prepared !== undefined) options.preparedStatements = prepared;
  const events = envBoolean(env, 'DB_EVENTS');
  if (events !== undefined) options.events = events;
  const eventsUrl = env['DATABASE_EVENTS_URL']?.trim();
  if (eventsUrl) {
    const t = parseDatabaseUrl(eventsUrl, 'DATABASE_EVENTS_URL');
    if (t.engine !== 'postgres' || !/^postgres/i.test(url)) throw new ConfigError('DATABASE_EVENTS_URL', `"${maskUrl(eventsUrl)}" must be a postgres:// URL, with a PostgreSQL DATABASE_URL`);
    options.eventsUrl = eventsUrl;
  }
  const retention = envInteger(env, 'DB_EVENT_RETENTION_MS', 1000);
  if (retention !== undefined) options.eventRetentionMs = retention;
  if (options.replicas && options.replicas.length > 0 && !/^postgres/i.test(url)) {
    throw new ConfigError('DATABASE_READ_REPLICA_URLS', 'read replicas need a PostgreSQL DATABASE_URL');
  }
  return options;
}
