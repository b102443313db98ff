/**
 * The entities and enums only, for scripts that want to import them without
 * loading a database driver: `import { User, LeadStage } from '@migochat/db/entities'`.
 *
 * @module @migochat/db/entities
 */
export * from './entities/index';
export * from './enums';
export * from './enum-utils';
