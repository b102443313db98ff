import { defineConfig } from 'tsup';

// One implementation for `import` and `require`: tsup emits CommonJS only (with
// shared chunks, so `./entities` and `.` share one `User` class), and
// scripts/esm-wrappers.mjs adds thin .mjs files that re-export it.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    entities: 'src/entities.ts',
    testing: 'src/testing/index.ts',
    typeorm: 'src/advanced.ts',
    meta: 'src/meta/index.ts',
    cli: 'src/cli/main.ts',
  },
  format: ['cjs'],
  splitting: true,
  // stripInternal: members and constructors tagged `@internal` stay out of the
  // published declarations (scripts/api-report.mjs checks the rest still type-checks).
  dts: {
    entry: { index: 'src/index.ts', entities: 'src/entities.ts', testing: 'src/testing/index.ts', typeorm: 'src/advanced.ts', meta: 'src/meta/index.ts' },
    compilerOptions: { stripInternal: true },
  },
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  // TypeORM names entities after their classes: keep class names even in lazily initialised chunks.
  keepNames: true,
  clean: true,
  shims: false,
});
