/**
 * `@migochat/db/testing`: helpers for the tests of a service that uses this
 * library: an isolated, migrated database per test (SQLite in memory or a
 * fresh PostgreSQL database), entity factories and a deterministic demo
 * dataset. Not for production code.
 *
 * @module @migochat/db/testing
 */
export { createTestDatabase, type TestDatabaseOptions } from './test-database';
export { makeUser, makeConversation, makeMessage, makePost, makeAdCampaign } from './factories';
export { seedDemoData, type SeedOptions, type SeedResult } from './seed';
export { SeededRandom } from './random';
