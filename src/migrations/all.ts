import { InitialSchema1763900000000 } from './1763900000000-initial-schema';
import { MessageKindsAndReceipts1764000000000 } from './1764000000000-message-kinds-and-receipts';
import { DataErasures1764100000000 } from './1764100000000-data-erasures';
import { MessageSearch1764200000000 } from './1764200000000-message-search';
import { DomainEvents1764300000000 } from './1764300000000-domain-events';

/** Every migration, oldest first. A plain array, so it fits TypeORM's `migrations` option as it is. */
export const MIGRATIONS = [InitialSchema1763900000000, MessageKindsAndReceipts1764000000000, DataErasures1764100000000, MessageSearch1764200000000, DomainEvents1764300000000];
