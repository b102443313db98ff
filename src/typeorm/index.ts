/**
 * Where this library adjusts TypeORM: each file is one patch, with its own
 * test under test/typeorm/. A TypeORM upgrade is checked here first.
 * @internal
 * @module
 */
export { adaptDriverTypes } from './driver-types';
export { adaptOnConstruction } from './construction';
export { usePerConnectionConnectTimeout } from './pg-client';
export { adaptSqliteFileCreation } from './sqlite-files';
export { bindNumbersAsParameters, sqliteParameters } from './sqlite-parameters';
export { adaptSqliteQueries, rewriteSqliteQuery } from './sqlite-queries';
export { resetStaleRunnerState } from './sqlite-runner-state';
