#!/usr/bin/env bash
# Checks the npm tarball the way a consumer meets it:
#   1. `npm pack` holds dist/, README.md, LICENSE, CHANGELOG.md, package.json and nothing else;
#   2. publint and @arethetypeswrong/cli pass on the tarball;
#   3. every example in examples/ type-checks (tsc, NodeNext) against the installed tarball
#      and runs with node, once in an ESM project and once in a CommonJS project (with
#      experimentalDecorators and emitDecoratorMetadata, as a NestJS project has, for examples/nest.ts);
#   4. the source maps hold no absolute path of the build machine.
# Needs a built dist/ (`npm run build`) and the repo's node_modules. No network.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

[ -f dist/index.js ] && [ -f dist/index.mjs ] || { echo "dist/ is not built: run npm run build" >&2; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/migochat-db-pack.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

echo "--- npm pack"
TGZ_NAME="$(npm pack --silent --pack-destination "$WORK" 2>/dev/null | tail -n 1)"
TGZ="$WORK/$TGZ_NAME"
[ -f "$TGZ" ] || { echo "npm pack produced no tarball" >&2; exit 1; }

echo "--- tarball contents"
tar -tzf "$TGZ" | sed 's|^package/||' | sort > "$WORK/contents.txt"
unexpected="$(grep -Ev '^(dist/.+|README\.md|LICENSE|CHANGELOG\.md|package\.json)$' "$WORK/contents.txt" || true)"
if [ -n "$unexpected" ]; then
  echo "unexpected files in the tarball:" >&2
  echo "$unexpected" >&2
  exit 1
fi
for required in package.json README.md LICENSE CHANGELOG.md dist/index.js dist/index.mjs dist/index.d.ts \
  dist/index.d.mts dist/entities.js dist/entities.mjs dist/entities.d.ts dist/entities.d.mts dist/testing.js \
  dist/testing.mjs dist/testing.d.ts dist/testing.d.mts dist/typeorm.js dist/typeorm.mjs dist/typeorm.d.ts \
  dist/typeorm.d.mts dist/meta.js dist/meta.mjs dist/meta.d.ts dist/meta.d.mts dist/cli.js; do
  grep -qx "$required" "$WORK/contents.txt" || { echo "missing from the tarball: $required" >&2; exit 1; }
done
tests_in_dist="$(grep -Ei '(\.test\.|\.spec\.|(^|/)(test|tests|__tests__)/)' "$WORK/contents.txt" || true)"
if [ -n "$tests_in_dist" ]; then
  echo "test files in the tarball:" >&2
  echo "$tests_in_dist" >&2
  exit 1
fi
echo "$(wc -l < "$WORK/contents.txt") files, $(du -k "$TGZ" | cut -f1) kB"

echo "--- source maps"
# scripts/relative-sourcemaps.mjs rewrites the absolute paths tsup's CommonJS splitting leaves.
absolute_maps="$(cd "$ROOT/dist" && node -e '
  const fs = require("fs"), path = require("path");
  for (const f of fs.readdirSync(".").filter((n) => n.endsWith(".map"))) {
    const m = JSON.parse(fs.readFileSync(f, "utf8"));
    const paths = [m.file, m.sourceRoot, ...(m.sources || [])].filter((p) => typeof p === "string");
    if (paths.some((p) => path.isAbsolute(p) || p.includes(process.argv[1]))) console.log(f);
  }' "$ROOT")"
if [ -n "$absolute_maps" ]; then
  echo "source maps with absolute paths (run npm run build):" >&2
  echo "$absolute_maps" >&2
  exit 1
fi

echo "--- publint"
npx --no-install publint run "$TGZ" --strict

echo "--- attw"
# --profile node16: we support Node >= 20 (require and import); the `node10`
# resolution (no exports map) is not a target. ESM entry points are wrappers
# that re-export the CommonJS build (one copy of every entity class across
# module systems), which attw accepts as it stands.
npx --no-install attw "$TGZ" --profile node16 --format table-flipped

echo "--- consumer projects (ESM and CommonJS)"
TSC="$ROOT/node_modules/.bin/tsc"
for mode in esm cjs; do
  app="$WORK/consumer-$mode"
  mkdir -p "$app/node_modules/@migochat/db" "$app/src"
  # "Install" the tarball: npm extracts it the same way; dependencies and peers
  # (typeorm, reflect-metadata, class-validator, better-sqlite3, pg, commander...)
  # are linked from the repo's node_modules so nothing is downloaded or rebuilt.
  tar -xzf "$TGZ" -C "$app/node_modules/@migochat/db" --strip-components=1
  for dep in "$ROOT"/node_modules/* "$ROOT"/node_modules/.bin; do
    name="$(basename "$dep")"
    [ "$name" = "@migochat" ] && continue
    ln -s "$dep" "$app/node_modules/$name"
  done
  if [ "$mode" = esm ]; then type=module; else type=commonjs; fi
  cat > "$app/package.json" <<JSON
{ "name": "consumer-$mode", "private": true, "type": "$type",
  "dependencies": { "@migochat/db": "file:$TGZ" } }
JSON
  cat > "$app/tsconfig.json" <<'JSON'
{
  "compilerOptions": {
    "target": "ES2022",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "lib": ["ES2022"],
    "types": ["node"],
    "strict": true,
    "esModuleInterop": true,
    "skipLibCheck": true,
    "experimentalDecorators": true,
    "emitDecoratorMetadata": true,
    "outDir": "out",
    "rootDir": "src"
  },
  "include": ["src"]
}
JSON
  cp "$ROOT"/examples/*.ts "$app/src/"
  echo "[$mode] tsc"
  (cd "$app" && "$TSC" -p tsconfig.json)
  # Prove the module system: ESM output has import statements, CJS output require().
  if [ "$mode" = esm ]; then
    grep -q "from '@migochat/db'" "$app/out/service.js" || { echo "[$mode] not compiled as ESM" >&2; exit 1; }
  else
    grep -q 'require("@migochat/db")' "$app/out/service.js" || { echo "[$mode] not compiled as CommonJS" >&2; exit 1; }
  fi
  for js in "$app"/out/*.js; do
    name="$(basename "$js" .js)"
    echo "[$mode] node $name.js"
    if ! (cd "$app" && DATABASE_URL="sqlite:$WORK/$mode-$name.db" node "out/$name.js" > "$WORK/$mode-$name.log" 2>&1); then
      cat "$WORK/$mode-$name.log" >&2
      echo "[$mode] $name.js failed" >&2
      exit 1
    fi
  done
  # The bin runs from the installed package too.
  (cd "$app" && node node_modules/@migochat/db/dist/cli.js --help > /dev/null)
done
echo "package checks passed"
