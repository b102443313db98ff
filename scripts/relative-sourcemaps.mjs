// Makes the source maps in dist/ portable: tsup's CommonJS code-splitting step
// leaves the absolute path of the build folder in each map's "file" and first
// "sources" entry (e.g. "/home/ci/work/dist/index.js"), which would publish the
// build machine's paths. Every absolute path becomes relative to the map's
// folder, as the other sources ("../src/index.ts") already are.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';

const dist = join(import.meta.dirname, '..', 'dist');
const portable = (path) => (typeof path === 'string' && isAbsolute(path) ? relative(dist, path).split(sep).join('/') : path);

let fixed = 0;
for (const name of readdirSync(dist)) {
  if (!name.endsWith('.map')) continue;
  const file = join(dist, name);
  const map = JSON.parse(readFileSync(file, 'utf8'));
  const before = JSON.stringify([map.file, map.sources, map.sourceRoot]);
  map.file = portable(map.file);
  map.sources = (map.sources ?? []).map(portable);
  if (typeof map.sourceRoot === 'string' && isAbsolute(map.sourceRoot)) map.sourceRoot = '';
  if (JSON.stringify([map.file, map.sources, map.sourceRoot]) === before) continue;
  writeFileSync(file, JSON.stringify(map));
  fixed++;
}
console.log(`source maps made relative: ${fixed}`);
