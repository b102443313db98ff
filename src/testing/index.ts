export { createTestDatabase, type TestDatabaseOptions } from './test-database';
