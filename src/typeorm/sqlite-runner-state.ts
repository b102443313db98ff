import type { DataSource } from 'typeorm';

/** What TypeORM's shared SQLite query runner keeps about "its" transaction. */
interface RunnerState {
  isTransactionActive: boolean;
  transactionDepth: number;
}

/**
 * SQLite: whether TypeORM's shared query runner believes a transaction is
 * open that the connection does not have, and if so resets it. SQLite rolls
 * a transaction back by itself when COMMIT fails (SQLITE_FULL, SQLITE_IOERR);
 * the runner's ROLLBACK then fails too and it keeps `isTransactionActive`,
 * so every later transaction would become a SAVEPOINT inside one that is
 * never committed. Call it only when no transaction of ours may be open.
 * @internal
 */
export function resetStaleRunnerState(dataSource: DataSource, connectionInTransaction: boolean): boolean {
  const runner = (dataSource.driver as unknown as { queryRunner?: RunnerState }).queryRunner;
  if (!runner || connectionInTransaction || (!runner.isTransactionActive && runner.transactionDepth === 0)) return false;
  runner.isTransactionActive = false;
  runner.transactionDepth = 0;
  return true;
}
