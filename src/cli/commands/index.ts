/** The commands of `migochat-db`, one module per group; each registers its command(s) on the program. */
export { registerMigrateCommands } from './migrate';
export { registerHealthCommand } from './health';
export { registerBackupCommands } from './backup';
export { registerTransferCommands } from './transfer';
export { registerSeedCommand } from './seed';
export { registerStatsCommand } from './stats';
export { registerRebuildCommand } from './rebuild';
