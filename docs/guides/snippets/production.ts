// Snippets of docs/guides/production.md (run by test/docs/guide-snippets.test.ts).
import { databaseOptionsFromEnv, LeadStage, openDatabase, type Database, type DatabaseOptions } from '@migochat/db';

/** The options of a production service, as an object rather than variables. */
export function productionOptions(): DatabaseOptions {
  // #region options
  const options: DatabaseOptions = {
    url: 'postgres://app:secret@db-primary:5432/crm',
    replicas: ['postgres://app:secret@db-replica-1:5432/crm'], // plain reads go here
    poolSize: 10, // per process, and as many again per replica
    poolIdleTimeoutMs: 10_000,
    connectTimeoutMs: 10_000, // openDatabase retries the first connection this long
    statementTimeoutMs: 30_000, // PostgreSQL cancels longer statements: QUERY_TIMEOUT
    slowQueryMs: 1_000, // logged as a warning
    ssl: true, // verify the server's certificate
  };
  // #endregion options
  return options;
}

/** The same from the environment, with one setting overridden in code. */
export async function openFromEnv(env: NodeJS.ProcessEnv): Promise<Database> {
  // #region env
  // DATABASE_URL, DATABASE_READ_REPLICA_URLS, DB_POOL_SIZE, ... (see the table above);
  // a bad value fails here with a ConfigError naming the variable.
  const db = await openDatabase({ ...databaseOptionsFromEnv(env), poolSize: 20 });
  // #endregion env
  return db;
}

export async function readYourWrites(db: Database, id: number) {
  // #region primary
  await db.users.changeLeadStage(id, LeadStage.HOT);
  const fresh = await db.primary.users.getById(id); // never stale: read from the primary
  // #endregion primary
  return fresh;
}

export async function healthEndpoint(db: Database) {
  // #region health
  // GET /health: never throws, answers within its timeout.
  const report = await db.health({ timeoutMs: 2_000 });
  // 'degraded': the primary answers, but a replica does not, a table is missing or a migration is pending.
  const status = report.status === 'unhealthy' ? 503 : 200;
  // #endregion health
  return { status, report };
}
