import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  databaseOptionsFromEnv,
  DEFAULT_DATABASE_URL,
  maskUrl,
  parseDatabaseUrl,
  resolveDatabaseOptions,
  type DatabaseEnv,
} from '../src/config';
import { ConfigError } from '../src/errors';

/** The ConfigError `fn` throws (fails the test when it throws nothing or something else). */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const PG = 'postgres://crm:s3cret@db.internal:5432/crm';

describe('databaseOptionsFromEnv: DATABASE_URL', () => {
  it('defaults to the embedded SQLite file ./data/migochat.db', () => {
    expect(DEFAULT_DATABASE_URL).toBe('sqlite:./data/migochat.db');
    expect(databaseOptionsFromEnv({})).toEqual({ url: 'sqlite:./data/migochat.db' });
  });

  it('uses the default for an empty or blank DATABASE_URL', () => {
    expect(databaseOptionsFromEnv({ DATABASE_URL: '' }).url).toBe(DEFAULT_DATABASE_URL);
    expect(databaseOptionsFromEnv({ DATABASE_URL: '   ' }).url).toBe(DEFAULT_DATABASE_URL);
  });

  it.each(['sqlite::memory:', 'sqlite:/var/lib/crm.db', 'sqlite:./crm.db', PG, 'postgresql://crm:pw@localhost/crm'])(
    'accepts %s',
    (url) => {
      expect(databaseOptionsFromEnv({ DATABASE_URL: url }).url).toBe(url);
    },
  );

  it('trims surrounding whitespace', () => {
    expect(databaseOptionsFromEnv({ DATABASE_URL: '  sqlite::memory:\n' }).url).toBe('sqlite::memory:');
  });

  it('refuses an unsupported scheme, naming the variable and the allowed forms, password masked', () => {
    const error = configError(() => databaseOptionsFromEnv({ DATABASE_URL: 'mysql://crm:s3cret@db/crm' }));
    expect(error.setting).toBe('DATABASE_URL');
    expect(error.message).toContain('mysql://crm:****@db/crm');
    expect(error.message).not.toContain('s3cret');
    expect(error.message).toContain('sqlite:<path>');
    expect(error.message).toContain('postgres://');
    expect(error.message).toContain('sqlite::memory:');
  });

  it('masks a password with an unencoded slash, which makes the URL invalid', () => {
    const error = configError(() => databaseOptionsFromEnv({ DATABASE_URL: 'postgres://crm:s3cr/et@db/crm' }));
    expect(error.setting).toBe('DATABASE_URL');
    expect(error.message).toContain('postgres://crm:****@db/crm');
    expect(error.message).not.toContain('s3cr');
    expect(error.message).toContain('is not a valid URL');
  });

  it('refuses a SQLite URL without a path', () => {
    const error = configError(() => databaseOptionsFromEnv({ DATABASE_URL: 'sqlite:' }));
    expect(error.setting).toBe('DATABASE_URL');
    expect(error.message).toContain('"sqlite:" has no file path');
  });

  it('refuses a PostgreSQL URL without a host', () => {
    const error = configError(() => databaseOptionsFromEnv({ DATABASE_URL: 'postgres:///crm' }));
    expect(error.setting).toBe('DATABASE_URL');
    expect(error.message).toMatch(/no host|not a valid URL/);
  });
});

const INTEGER_VARIABLES: Array<[string, 'poolSize' | 'poolIdleTimeoutMs' | 'connectTimeoutMs' | 'statementTimeoutMs' | 'slowQueryMs', number]> = [
  ['DB_POOL_SIZE', 'poolSize', 1],
  ['DB_POOL_IDLE_TIMEOUT_MS', 'poolIdleTimeoutMs', 0],
  ['DB_CONNECT_TIMEOUT_MS', 'connectTimeoutMs', 0],
  ['DB_STATEMENT_TIMEOUT_MS', 'statementTimeoutMs', 0],
  ['DB_SLOW_QUERY_MS', 'slowQueryMs', 0],
];

describe.each(INTEGER_VARIABLES)('databaseOptionsFromEnv: %s', (variable, option, min) => {
  it('reads a whole number, surrounding whitespace allowed', () => {
    expect(databaseOptionsFromEnv({ [variable]: ' 25 ' })[option]).toBe(25);
  });

  it('accepts its minimum', () => {
    expect(databaseOptionsFromEnv({ [variable]: String(min) })[option]).toBe(min);
  });

  it('leaves the option unset when the variable is missing or empty, so the default applies', () => {
    expect(databaseOptionsFromEnv({})[option]).toBeUndefined();
    expect(databaseOptionsFromEnv({ [variable]: '' })[option]).toBeUndefined();
  });

  it.each(['abc', '-1', '1.5', '1e3', '12ms', '99999999999999999999', String(min - 1)])(
    'refuses %j, naming the variable, the value and what is allowed',
    (bad) => {
      const error = configError(() => databaseOptionsFromEnv({ [variable]: bad } as DatabaseEnv));
      expect(error.setting).toBe(variable);
      expect(error.message).toContain(variable);
      expect(error.message).toContain(`"${bad}"`);
      expect(error.message).toContain(`whole number >= ${min}`);
    },
  );
});

describe('databaseOptionsFromEnv: DB_LOGGING', () => {
  it.each([['true', true], ['1', true], ['all', true], ['on', true], ['false', false], ['off', false], ['0', false]] as const)(
    'reads %s as %s',
    (raw, expected) => {
      expect(databaseOptionsFromEnv({ DB_LOGGING: raw }).logging).toBe(expected);
    },
  );

  it('reads a comma list of levels, case and spaces ignored', () => {
    expect(databaseOptionsFromEnv({ DB_LOGGING: 'Query, error,migration' }).logging).toEqual(['query', 'error', 'migration']);
  });

  it('refuses an unknown level, naming the variable, the value and the levels', () => {
    const error = configError(() => databaseOptionsFromEnv({ DB_LOGGING: 'query,verbose' }));
    expect(error.setting).toBe('DB_LOGGING');
    expect(error.message).toContain('"query,verbose"');
    expect(error.message).toContain('query, error, schema, warn, info, log, migration');
  });

  it('leaves logging unset when the variable is missing', () => {
    expect(databaseOptionsFromEnv({}).logging).toBeUndefined();
  });
});

describe('databaseOptionsFromEnv: DB_SSL', () => {
  it.each([['true', true], ['require', true], ['verify-full', true], ['1', true], ['false', false], ['disable', false], ['off', false]] as const)(
    'reads %s as %s',
    (raw, expected) => {
      expect(databaseOptionsFromEnv({ DATABASE_URL: PG, DB_SSL: raw }).ssl).toBe(expected);
    },
  );

  it('reads no-verify as TLS that accepts self-signed certificates', () => {
    expect(databaseOptionsFromEnv({ DATABASE_URL: PG, DB_SSL: 'no-verify' }).ssl).toEqual({ rejectUnauthorized: false });
  });

  it('refuses an unknown value, naming the variable, the value and what is allowed', () => {
    const error = configError(() => databaseOptionsFromEnv({ DB_SSL: 'maybe' }));
    expect(error.setting).toBe('DB_SSL');
    expect(error.message).toContain('"maybe"');
    expect(error.message).toContain('true, false, require or no-verify');
  });
});

describe('databaseOptionsFromEnv: DB_PREPARED_STATEMENTS', () => {
  it.each([['auto', 'auto'], ['AUTO', 'auto'], ['true', true], ['on', true], ['1', true], ['false', false], ['off', false], ['0', false]] as const)(
    'reads %s as %s',
    (raw, expected) => {
      expect(databaseOptionsFromEnv({ DATABASE_URL: PG, DB_PREPARED_STATEMENTS: raw }).preparedStatements).toBe(expected);
    },
  );

  it('leaves the option unset when the variable is missing or blank, so auto applies', () => {
    expect(databaseOptionsFromEnv({ DATABASE_URL: PG }).preparedStatements).toBeUndefined();
    expect(databaseOptionsFromEnv({ DATABASE_URL: PG, DB_PREPARED_STATEMENTS: ' ' }).preparedStatements).toBeUndefined();
    expect(resolveDatabaseOptions(databaseOptionsFromEnv({ DATABASE_URL: PG })).preparedStatements).toBe('auto');
  });

  it('refuses an unknown value, naming the variable, the value and what is allowed', () => {
    const error = configError(() => databaseOptionsFromEnv({ DB_PREPARED_STATEMENTS: 'sometimes' }));
    expect(error.setting).toBe('DB_PREPARED_STATEMENTS');
    expect(error.message).toContain('"sometimes"');
    expect(error.message).toContain('auto, true or false');
  });
});

describe('databaseOptionsFromEnv: DB_EVENTS, DATABASE_EVENTS_URL, DB_EVENT_RETENTION_MS', () => {
  it.each([['true', true], ['on', true], ['1', true], ['false', false], ['off', false], ['0', false]] as const)('reads DB_EVENTS=%s as %s', (raw, expected) => {
    expect(databaseOptionsFromEnv({ DB_EVENTS: raw }).events).toBe(expected);
  });

  it('leaves events off by default', () => {
    expect(databaseOptionsFromEnv({}).events).toBeUndefined();
    expect(resolveDatabaseOptions(databaseOptionsFromEnv({})).events).toBe(false);
  });

  it('refuses a DB_EVENTS that is not a boolean, naming the variable', () => {
    const error = configError(() => databaseOptionsFromEnv({ DB_EVENTS: 'maybe' }));
    expect(error.setting).toBe('DB_EVENTS');
    expect(error.message).toContain('"maybe"');
  });

  it('reads the listener URL, only for a PostgreSQL DATABASE_URL, with its password masked in errors', () => {
    const direct = 'postgres://crm:s3cret@db-direct:5432/crm';
    expect(databaseOptionsFromEnv({ DATABASE_URL: PG, DATABASE_EVENTS_URL: direct }).eventsUrl).toBe(direct);
    expect(resolveDatabaseOptions({ url: PG, eventsUrl: direct }).eventsUrl).toBe(direct);
    expect(resolveDatabaseOptions({ url: PG }).eventsUrl).toBeNull();
    const error = configError(() => databaseOptionsFromEnv({ DATABASE_URL: 'sqlite::memory:', DATABASE_EVENTS_URL: direct }));
    expect(error.setting).toBe('DATABASE_EVENTS_URL');
    expect(error.message).not.toContain('s3cret');
    expect(configError(() => resolveDatabaseOptions({ url: PG, eventsUrl: 'sqlite:x.db' })).setting).toBe('eventsUrl');
  });

  it('reads the retention and refuses one under a second', () => {
    expect(databaseOptionsFromEnv({ DB_EVENT_RETENTION_MS: '3600000' }).eventRetentionMs).toBe(3_600_000);
    expect(resolveDatabaseOptions({ url: 'sqlite::memory:' }).eventRetentionMs).toBe(86_400_000);
    expect(configError(() => databaseOptionsFromEnv({ DB_EVENT_RETENTION_MS: '10' })).setting).toBe('DB_EVENT_RETENTION_MS');
    expect(configError(() => resolveDatabaseOptions({ url: 'sqlite::memory:', eventRetentionMs: 0 })).setting).toBe('eventRetentionMs');
  });

  it('refuses an events option that is not a boolean', () => {
    expect(configError(() => resolveDatabaseOptions({ url: 'sqlite::memory:', events: 'yes' as unknown as boolean })).setting).toBe('events');
  });
});

describe('databaseOptionsFromEnv: DATABASE_READ_REPLICA_URLS', () => {
  const R1 = 'postgres://reader:r3ad@replica-1:5432/crm';
  const R2 = 'postgresql://reader:r3ad@replica-2/crm';

  it('reads a comma-separated list, ignoring blanks and whitespace', () => {
    expect(databaseOptionsFromEnv({ DATABASE_URL: PG, DATABASE_READ_REPLICA_URLS: ` ${R1} ,, ${R2},` }).replicas).toEqual([R1, R2]);
  });

  it('leaves replicas unset when the variable is missing or blank', () => {
    expect(databaseOptionsFromEnv({ DATABASE_URL: PG }).replicas).toBeUndefined();
    expect(databaseOptionsFromEnv({ DATABASE_URL: PG, DATABASE_READ_REPLICA_URLS: '  ' }).replicas).toBeUndefined();
  });

  it('refuses a replica that is not a URL we know, password masked', () => {
    const error = configError(() =>
      databaseOptionsFromEnv({ DATABASE_URL: PG, DATABASE_READ_REPLICA_URLS: `${R1},mysql://reader:t0psecret@r3/crm` }),
    );
    expect(error.setting).toBe('DATABASE_READ_REPLICA_URLS');
    expect(error.message).toContain('mysql://reader:****@r3/crm');
    expect(error.message).not.toContain('t0psecret');
    expect(error.message).toContain('postgres://');
  });

  it('refuses a SQLite replica', () => {
    const error = configError(() => databaseOptionsFromEnv({ DATABASE_URL: PG, DATABASE_READ_REPLICA_URLS: 'sqlite:./replica.db' }));
    expect(error.setting).toBe('DATABASE_READ_REPLICA_URLS');
    expect(error.message).toContain('"sqlite:./replica.db" must be a postgres:// URL');
  });

  it('refuses replicas behind a SQLite primary', () => {
    const error = configError(() => databaseOptionsFromEnv({ DATABASE_READ_REPLICA_URLS: R1 }));
    expect(error.setting).toBe('DATABASE_READ_REPLICA_URLS');
    expect(error.message).toContain('PostgreSQL DATABASE_URL');
  });

  it('gives options that resolveDatabaseOptions accepts', () => {
    const resolved = resolveDatabaseOptions(databaseOptionsFromEnv({ DATABASE_URL: PG, DATABASE_READ_REPLICA_URLS: R1 }));
    expect(resolved.replicas).toEqual([R1]);
  });
});

describe('databaseOptionsFromEnv: process.env', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('reads process.env when no environment is given', () => {
    vi.stubEnv('DATABASE_URL', 'sqlite::memory:');
    vi.stubEnv('DB_POOL_SIZE', '7');
    expect(databaseOptionsFromEnv()).toMatchObject({ url: 'sqlite::memory:', poolSize: 7 });
  });

  it('reads every variable together', () => {
    const options = databaseOptionsFromEnv({
      DATABASE_URL: PG,
      DB_POOL_SIZE: '20',
      DB_POOL_IDLE_TIMEOUT_MS: '5000',
      DB_CONNECT_TIMEOUT_MS: '3000',
      DB_STATEMENT_TIMEOUT_MS: '15000',
      DB_SLOW_QUERY_MS: '250',
      DB_LOGGING: 'error,warn',
      DB_SSL: 'no-verify',
      DB_PREPARED_STATEMENTS: 'off',
    });
    expect(options).toEqual({
      url: PG,
      poolSize: 20,
      poolIdleTimeoutMs: 5000,
      connectTimeoutMs: 3000,
      statementTimeoutMs: 15000,
      slowQueryMs: 250,
      logging: ['error', 'warn'],
      ssl: { rejectUnauthorized: false },
      preparedStatements: false,
    });
  });
});

describe('parseDatabaseUrl', () => {
  it('reads sqlite::memory:', () => {
    expect(parseDatabaseUrl('sqlite::memory:')).toEqual({ engine: 'sqlite', path: ':memory:' });
  });

  it('reads relative and absolute SQLite paths', () => {
    expect(parseDatabaseUrl('sqlite:./data/crm.db')).toEqual({ engine: 'sqlite', path: './data/crm.db' });
    expect(parseDatabaseUrl('sqlite:data/crm.db')).toEqual({ engine: 'sqlite', path: 'data/crm.db' });
    expect(parseDatabaseUrl('sqlite:/var/lib/crm.db')).toEqual({ engine: 'sqlite', path: '/var/lib/crm.db' });
  });

  it('reads the sqlite:/// form of an absolute path', () => {
    expect(parseDatabaseUrl('sqlite:///var/lib/crm.db')).toEqual({ engine: 'sqlite', path: '/var/lib/crm.db' });
  });

  it('reads sqlite://relative paths as relative, not at the filesystem root', () => {
    expect(parseDatabaseUrl('sqlite://data/crm.db')).toEqual({ engine: 'sqlite', path: 'data/crm.db' });
    expect(parseDatabaseUrl('sqlite://./data/crm.db')).toEqual({ engine: 'sqlite', path: './data/crm.db' });
    expect(parseDatabaseUrl('sqlite://:memory:')).toEqual({ engine: 'sqlite', path: ':memory:' });
  });

  it('refuses sqlite:// without a path', () => {
    expect(configError(() => parseDatabaseUrl('sqlite://')).message).toContain('has no file path');
  });

  it('reads postgres:// and postgresql:// URLs, keeping them whole', () => {
    expect(parseDatabaseUrl(PG)).toEqual({ engine: 'postgres', url: PG });
    const pgql = 'postgresql://crm:pw@127.0.0.1:6543/crm?sslmode=disable';
    expect(parseDatabaseUrl(pgql)).toEqual({ engine: 'postgres', url: pgql });
  });

  it('ignores the case of the scheme', () => {
    expect(parseDatabaseUrl('SQLite::memory:').engine).toBe('sqlite');
    expect(parseDatabaseUrl('POSTGRES://crm:pw@h/crm').engine).toBe('postgres');
  });

  it.each(['mysql://u:p@h/db', 'http://h/db', 'file:./crm.db', 'crm.db', 'postgres:crm', 'sqlite3:crm.db'])(
    'refuses the unsupported URL %s',
    (url) => {
      const error = configError(() => parseDatabaseUrl(url));
      expect(error.setting).toBe('url');
      expect(error.message).toContain('is not a supported database URL');
    },
  );

  it('refuses an empty or blank URL', () => {
    expect(configError(() => parseDatabaseUrl('')).message).toContain('is empty');
    expect(configError(() => parseDatabaseUrl('  ')).message).toContain('is empty');
  });

  it('names the setting it is given', () => {
    expect(configError(() => parseDatabaseUrl('nope', 'replicas[0]')).setting).toBe('replicas[0]');
  });
});

describe('maskUrl', () => {
  it('masks the password of a URL', () => {
    expect(maskUrl('postgres://crm:s3cret@db/crm')).toBe('postgres://crm:****@db/crm');
    expect(maskUrl('postgresql://crm:s3cret@db:5432/crm?sslmode=require')).toBe('postgresql://crm:****@db:5432/crm?sslmode=require');
  });

  it('masks an empty user name with a password', () => {
    expect(maskUrl('postgres://:s3cret@db/crm')).toBe('postgres://:****@db/crm');
  });

  it('masks passwords holding unencoded @, /, ? or #, whole', () => {
    expect(maskUrl('postgres://crm:p@ss@db/crm')).toBe('postgres://crm:****@db/crm');
    expect(maskUrl('postgres://crm:pa/ss@db/crm')).toBe('postgres://crm:****@db/crm');
    expect(maskUrl('postgres://crm:pa?ss#w@db/crm')).toBe('postgres://crm:****@db/crm');
  });

  it('leaves URLs without a password alone', () => {
    expect(maskUrl('postgres://crm@db/crm')).toBe('postgres://crm@db/crm');
    expect(maskUrl('postgres://db:5432/crm')).toBe('postgres://db:5432/crm');
    expect(maskUrl('postgres://db:5432/crm?application_name=a@b')).toBe('postgres://db:5432/crm?application_name=a@b');
    expect(maskUrl('sqlite:./data/migochat.db')).toBe('sqlite:./data/migochat.db');
    expect(maskUrl('sqlite::memory:')).toBe('sqlite::memory:');
  });
});

describe('resolveDatabaseOptions', () => {
  it('fills in every default', () => {
    const resolved = resolveDatabaseOptions({ url: 'sqlite::memory:' });
    expect(resolved).toMatchObject({
      migrate: false,
      poolSize: 10,
      poolIdleTimeoutMs: 10_000,
      connectTimeoutMs: 10_000,
      statementTimeoutMs: 30_000,
      slowQueryMs: 1000,
      busyTimeoutMs: 5000,
      logging: ['warn'],
      ssl: false,
      replicas: [],
      preparedStatements: 'auto',
      target: { engine: 'sqlite', path: ':memory:' },
    });
  });

  it('keeps preparedStatements as given and refuses anything but auto, true or false, naming the option', () => {
    expect(resolveDatabaseOptions({ url: PG, preparedStatements: false }).preparedStatements).toBe(false);
    expect(resolveDatabaseOptions({ url: PG, preparedStatements: true }).preparedStatements).toBe(true);
    const error = configError(() => resolveDatabaseOptions({ url: PG, preparedStatements: 'yes' as 'auto' }));
    expect(error.setting).toBe('preparedStatements');
    expect(error.message).toContain("'yes' is not allowed; expected 'auto', true or false");
  });

  it('turns ssl: true into certificate-verifying TLS', () => {
    expect(resolveDatabaseOptions({ url: PG, ssl: true }).ssl).toEqual({});
  });

  it('refuses a bad number, naming the option', () => {
    const error = configError(() => resolveDatabaseOptions({ url: PG, poolSize: 0 }));
    expect(error.setting).toBe('poolSize');
    expect(error.message).toContain('whole number >= 1');
  });

  it('refuses an unknown log level', () => {
    expect(configError(() => resolveDatabaseOptions({ url: PG, logging: ['loud' as 'query'] })).setting).toBe('logging');
  });

  it('refuses replicas for a SQLite database and a non-PostgreSQL replica', () => {
    expect(configError(() => resolveDatabaseOptions({ url: 'sqlite::memory:', replicas: [PG] })).setting).toBe('replicas');
    const error = configError(() => resolveDatabaseOptions({ url: PG, replicas: ['mysql://r:hidden@h/db'] }));
    expect(error.setting).toBe('replicas[0]');
    expect(error.message).not.toContain('hidden');
  });

  it('refuses options that are not an object', () => {
    expect(configError(() => resolveDatabaseOptions(null as unknown as { url: string })).setting).toBe('options');
  });
});
