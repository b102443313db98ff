export { MIGRATIONS } from './all';
export { InitialSchema1763900000000 } from './1763900000000-initial-schema';
