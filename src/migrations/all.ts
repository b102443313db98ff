import { InitialSchema1763900000000 } from './1763900000000-initial-schema';

/** Every migration, oldest first. A plain array, so it fits TypeORM's `migrations` option as it is. */
export const MIGRATIONS = [InitialSchema1763900000000];
