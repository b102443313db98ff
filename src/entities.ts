/**
 * `@migochat/db/entities`: the entities, enums and enum helpers only, for
 * scripts and shared code that want them without loading a database driver
 * (`pg`, `better-sqlite3`) or the repositories:
 * `import { User, LeadStage } from '@migochat/db/entities'`.
 *
 * These are the very classes `@migochat/db` exports (one copy: `User` from
 * either import is the same class, so TypeORM finds its metadata), so each
 * is documented once, under `@migochat/db`; the list below links there.
 *
 * @example
 * ```ts
 * import { LeadStage, User, enumToValue } from '@migochat/db/entities';
 *
 * function isWon(user: User): boolean {
 *   return enumToValue(user.leadStage) === LeadStage.CLOSED_WON;
 * }
 * ```
 *
 * @module @migochat/db/entities
 */
export * from './entities/index';
export * from './enums';
export * from './enum-utils';
