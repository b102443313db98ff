// Writes dist/<entry>.mjs and .d.mts that re-export the CommonJS build, so an
// ESM import and a require() in one process see the very same classes.
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dist = join(import.meta.dirname, '..', 'dist');
const require = createRequire(join(dist, 'noop.js'));
const ident = /^[A-Za-z_$][\w$]*$/;

for (const entry of ['index', 'entities', 'testing']) {
  const names = Object.keys(require(`./${entry}.js`)).filter((n) => ident.test(n) && n !== 'default');
  const js = [
    '// Generated: re-exports the CommonJS build so both module systems share one copy.',
    "import { createRequire } from 'node:module';",
    `const cjs = createRequire(import.meta.url)('./${entry}.js');`,
    `export const { ${names.join(', ')} } = cjs;`,
    '',
  ].join('\n');
  writeFileSync(join(dist, `${entry}.mjs`), js);
  writeFileSync(join(dist, `${entry}.d.mts`), `export * from './${entry}.js';\n`);
}
console.log('esm wrappers written');
