// Writes dist/<entry>.mjs and .d.mts that re-export the CommonJS build, so an
// ESM import and a require() in one process see the very same classes.
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const root = join(import.meta.dirname, '..');
const dist = join(root, 'dist');
const require = createRequire(join(dist, 'noop.js'));
const ident = /^[A-Za-z_$][\w$]*$/;

// The entries are those of package.json "exports" (index, entities, testing, typeorm, meta):
// each one's `import.default` is the wrapper written here for its `require.default`.
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const entries = Object.values(pkg.exports)
  .filter((conditions) => typeof conditions === 'object')
  .map((conditions) => basename(conditions.require.default, '.js'));

for (const entry of entries) {
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
