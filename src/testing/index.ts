export { createTestDatabase, type TestDatabaseOptions } from './test-database';
export { makeUser, makeConversation, makeMessage, makePost, makeAdCampaign } from './factories';
export { seedDemoData, type SeedOptions, type SeedResult } from './seed';
export { SeededRandom } from './random';
