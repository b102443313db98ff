/**
 * Live events: `db.events`.
 *
 * @module
 */
export * from './types';
export { DatabaseEvents } from './database-events';
