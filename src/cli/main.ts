#!/usr/bin/env node
console.error('migochat-db: the CLI is not built yet');
process.exit(1);
