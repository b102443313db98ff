export { createTestDatabase, type TestDatabaseOptions } from './test-database';
export { makeUser, makeConversation, makeMessage, makePost, makeAdCampaign } from './factories';
export { SeededRandom } from './random';
