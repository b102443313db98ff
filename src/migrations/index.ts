export { MIGRATIONS } from './all';
export { InitialSchema1763900000000 } from './1763900000000-initial-schema';
export { MessageKindsAndReceipts1764000000000 } from './1764000000000-message-kinds-and-receipts';
export { DataErasures1764100000000 } from './1764100000000-data-erasures';
export { MessageSearch1764200000000 } from './1764200000000-message-search';
export { DomainEvents1764300000000 } from './1764300000000-domain-events';
