// The public API report: api/public-api.md lists, for every entry point of
// package.json "exports", each exported name with its kind and its published
// declaration, read with the TypeScript compiler API from the built dist/*.d.ts
// (so after stripInternal: what a consumer's compiler sees).
//
//   node scripts/api-report.mjs          writes api/public-api.md (npm run api:report)
//   node scripts/api-report.mjs --check  fails with a diff when the file is out of date
//
// Either way the published declarations are type-checked first (our .d.ts
// only, without skipLibCheck), so a declaration that refers to something
// stripInternal removed fails here rather than in a consumer's build.
// Needs a built dist/ (npm run build).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { createRequire } from 'node:module';
import ts from 'typescript';

const require = createRequire(import.meta.url);

const ROOT = join(import.meta.dirname, '..');
const DIST = join(ROOT, 'dist');
const REPORT = join(ROOT, 'api', 'public-api.md');
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

/** The entry points, in package.json order: import path and the .d.ts of each condition. */
function entryPoints() {
  return Object.entries(PACKAGE.exports)
    .filter(([, conditions]) => typeof conditions === 'object')
    .map(([subpath, conditions]) => ({
      name: PACKAGE.name + subpath.slice(1),
      require: join(ROOT, conditions.require.types),
      import: join(ROOT, conditions.import.types),
    }));
}

/** Code-unit order, the same on every machine and locale. */
const byName = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

const isInDist = (fileName) => fileName.startsWith(DIST + sep) || fileName.startsWith(DIST + '/');

/** What a declaration is, in words. */
function kindOf(node) {
  if (ts.isClassDeclaration(node)) {
    const abstract = ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Abstract;
    return abstract ? 'abstract class' : 'class';
  }
  if (ts.isInterfaceDeclaration(node)) return 'interface';
  if (ts.isTypeAliasDeclaration(node)) return 'type';
  if (ts.isFunctionDeclaration(node)) return 'function';
  if (ts.isEnumDeclaration(node)) return 'enum';
  if (ts.isModuleDeclaration(node)) return 'namespace';
  if (ts.isVariableDeclaration(node)) {
    const flags = node.parent.flags;
    return flags & ts.NodeFlags.Const ? 'const' : flags & ts.NodeFlags.Let ? 'let' : 'var';
  }
  return ts.SyntaxKind[node.kind];
}

/** Modifiers that say what a declaration is, not how the bundle wrote it (`declare`, `export`). */
function meaningfulModifiers(node) {
  const dropped = new Set([ts.SyntaxKind.DeclareKeyword, ts.SyntaxKind.ExportKeyword, ts.SyntaxKind.DefaultKeyword]);
  return (ts.getModifiers(node) ?? []).filter((m) => !dropped.has(m.kind));
}

/** A class member a consumer cannot reach: `private`, or an ES `#private` field. */
function isPrivateMember(member) {
  if (member.name && ts.isPrivateIdentifier(member.name)) return true;
  return Boolean(ts.getCombinedModifierFlags(member) & ts.ModifierFlags.Private);
}

/** The node to print for a declaration: top-level modifiers normalised, private class members left out. */
function printable(node) {
  const f = ts.factory;
  if (ts.isVariableDeclaration(node)) {
    const statement = node.parent.parent;
    return f.createVariableStatement(meaningfulModifiers(statement), f.createVariableDeclarationList([node], node.parent.flags));
  }
  if (ts.isClassDeclaration(node)) {
    return f.updateClassDeclaration(
      node,
      meaningfulModifiers(node),
      node.name,
      node.typeParameters,
      node.heritageClauses,
      node.members.filter((m) => !isPrivateMember(m)),
    );
  }
  return f.replaceModifiers(node, meaningfulModifiers(node));
}

/** Every type name a declaration refers to (heritage clauses, type references, `typeof x`). */
function referencedNames(node, found = []) {
  if (ts.isClassDeclaration(node)) {
    for (const clause of node.heritageClauses ?? []) referencedNames(clause, found);
    for (const tp of node.typeParameters ?? []) referencedNames(tp, found);
    for (const member of node.members) if (!isPrivateMember(member)) referencedNames(member, found);
    return found;
  }
  if (ts.isTypeReferenceNode(node)) found.push(node.typeName);
  else if (ts.isExpressionWithTypeArguments(node)) found.push(node.expression);
  else if (ts.isTypeQueryNode(node)) found.push(node.exprName);
  ts.forEachChild(node, (child) => void referencedNames(child, found));
  return found;
}

/** The leftmost identifier of `A.B.C`. */
function leftmost(name) {
  let n = name;
  while (ts.isQualifiedName(n) || ts.isPropertyAccessExpression(n)) n = ts.isQualifiedName(n) ? n.left : n.expression;
  return n;
}

function resolved(checker, symbol) {
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

/** Type-checks the published declarations; returns the program, or throws with the errors. */
function checkedProgram(entries) {
  const roots = entries.flatMap((e) => [e.require, e.import]);
  const missing = roots.filter((f) => !existsSync(f));
  if (missing.length > 0) {
    throw new Error(`missing ${missing.map((f) => relative(ROOT, f)).join(', ')}: run npm run build first`);
  }
  const options = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts'],
    types: ['node'],
    strict: true,
    noEmit: true,
    skipLibCheck: false,
  };
  const program = ts.createProgram({ rootNames: roots, options });
  const diagnostics = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  for (const sf of program.getSourceFiles()) {
    if (!isInDist(sf.fileName)) continue;
    diagnostics.push(...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf));
  }
  if (diagnostics.length > 0) {
    const text = ts.formatDiagnostics(diagnostics, {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => ROOT,
      getNewLine: () => '\n',
    });
    throw new Error(`the published declarations in dist/ do not type-check:\n${text}`);
  }
  return program;
}

/**
 * The values an entry point's declarations export must be the names its
 * JavaScript exports: a name tagged `@internal` but still exported would be
 * reachable without a type, a declared name missing at run time would fail late.
 */
function checkRuntimeExports(entry, names, checker) {
  const runtime = Object.keys(require(entry.require.replace(/\.d\.ts$/, '.js'))).filter((n) => n !== '__esModule');
  const declared = [...names]
    .filter(([, symbol]) => {
      const spec = symbol.declarations?.find(ts.isExportSpecifier);
      const typeOnly = spec && (spec.isTypeOnly || spec.parent.parent.isTypeOnly);
      return !typeOnly && resolved(checker, symbol).flags & ts.SymbolFlags.Value;
    })
    .map(([name]) => name);
  const undeclared = runtime.filter((n) => !declared.includes(n)).sort(byName);
  const absent = declared.filter((n) => !runtime.includes(n)).sort(byName);
  const problems = [
    ...(undeclared.length ? [`exported at run time but not declared (tagged @internal?): ${undeclared.join(', ')}`] : []),
    ...(absent.length ? [`declared but not exported at run time: ${absent.join(', ')}`] : []),
  ];
  if (problems.length > 0) throw new Error(`${entry.name}: ${problems.join('; ')}`);
}

/** The report's markdown. */
export function buildReport() {
  const entries = entryPoints();
  const program = checkedProgram(entries);
  const checker = program.getTypeChecker();
  const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });

  /** Per entry point: exported name -> its resolved symbol. */
  const exportsOf = new Map();
  for (const entry of entries) {
    const names = new Map();
    for (const file of [entry.require, entry.import]) {
      const sf = program.getSourceFile(file);
      const moduleSymbol = sf && checker.getSymbolAtLocation(sf);
      if (!moduleSymbol) throw new Error(`${relative(ROOT, file)} is not a module`);
      const found = new Map(checker.getExportsOfModule(moduleSymbol).map((s) => [s.name, s]));
      if (file === entry.require) {
        for (const [name, symbol] of found) names.set(name, symbol);
      } else {
        const a = [...names.keys()].sort(byName).join(', ');
        const b = [...found.keys()].sort(byName).join(', ');
        if (a !== b) throw new Error(`${entry.name}: the import and require declarations export different names`);
      }
    }
    exportsOf.set(entry.name, names);
    checkRuntimeExports(entry, names, checker);
  }
  /** Resolved symbol -> the first entry point that exports it, and as what. */
  const home = new Map();
  for (const [entryName, names] of exportsOf) {
    for (const [name, symbol] of [...names].sort(([a], [b]) => byName(a, b))) {
      const target = resolved(checker, symbol);
      if (!home.has(target)) home.set(target, { entry: entryName, name });
    }
  }

  const out = [
    '# Public API of `' + PACKAGE.name + '`',
    '',
    '<!-- Generated by `npm run api:report` (scripts/api-report.mjs) from the built dist/*.d.ts. Do not edit by hand. -->',
    '',
    'Every name each entry point exports, with its kind and its published declaration (comments,',
    '`private` members and `@internal` declarations left out). test/package/api-report.test.ts fails',
    'when this file and the build disagree: a change here is a change to the public API, so it needs',
    'a CHANGELOG entry (breaking when a name or member disappears or a signature narrows).',
    '',
  ];
  for (const entry of entries) {
    const names = [...exportsOf.get(entry.name)].sort(([a], [b]) => byName(a, b));
    out.push(`- \`${entry.name}\`: ${names.length} names`);
  }
  for (const entry of entries) {
    const names = [...exportsOf.get(entry.name)].sort(([a], [b]) => byName(a, b));
    const own = exportsOf.get(entry.name);
    const ownTargets = new Set([...own.values()].map((s) => resolved(checker, s)));
    const referenced = new Map();
    out.push('', `## \`${entry.name}\``, '');
    for (const [name, symbol] of names) {
      const target = resolved(checker, symbol);
      const declarations = (target.declarations ?? []).filter((d) => isInDist(d.getSourceFile().fileName));
      const kinds = [...new Set(declarations.map(kindOf))].join(' + ') || 'unknown';
      const spec = symbol.declarations?.find(ts.isExportSpecifier);
      const typeOnly = spec && (spec.isTypeOnly || spec.parent.parent.isTypeOnly) && target.flags & ts.SymbolFlags.Value;
      const renamed = target.name !== name ? ` (declared as \`${target.name}\`)` : '';
      out.push(`### \`${name}\``, '', `${kinds}${typeOnly ? ', exported as a type only' : ''}${renamed}`, '');
      const first = home.get(target);
      if (first.entry !== entry.name || first.name !== name) {
        out.push(`Same declaration as \`${first.name}\` in \`${first.entry}\`.`, '');
        continue;
      }
      const text = declarations
        .map((d) => printer.printNode(ts.EmitHint.Unspecified, printable(d), d.getSourceFile()).replace(/ {4}/g, '  '))
        .join('\n');
      out.push('```ts', text, '```', '');
      for (const d of declarations) {
        for (const ref of referencedNames(d)) {
          const refSymbol = checker.getSymbolAtLocation(leftmost(ref));
          if (!refSymbol) continue;
          const refTarget = resolved(checker, refSymbol);
          const inDist = (refTarget.declarations ?? []).some((rd) => isInDist(rd.getSourceFile().fileName));
          if (!inDist || ownTargets.has(refTarget) || refTarget.flags & ts.SymbolFlags.TypeParameter) continue;
          const where = home.get(refTarget);
          referenced.set(refTarget.name, where ? `exported by \`${where.entry}\`` : 'not exported by any entry point');
        }
      }
    }
    if (referenced.size > 0) {
      out.push(`### Referenced by \`${entry.name}\` but exported elsewhere`, '');
      for (const [name, where] of [...referenced].sort(([a], [b]) => byName(a, b))) out.push(`- \`${name}\`: ${where}`);
      out.push('');
    }
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

/** A unified-style line diff of `before` and `after` (3 lines of context), or '' when equal. */
export function lineDiff(before, after) {
  const a = before.split('\n');
  const b = after.split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  if (start === endA && start === endB) return '';
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  /** Edit script of the changed middle: [' ' | '-' | '+', line]. */
  let ops;
  if (midA.length * midB.length > 25_000_000) {
    ops = [...midA.map((l) => ['-', l]), ...midB.map((l) => ['+', l])];
  } else {
    // Longest common subsequence, then walk it.
    const w = midB.length + 1;
    const lcs = new Uint32Array((midA.length + 1) * w);
    for (let i = midA.length - 1; i >= 0; i--) {
      for (let j = midB.length - 1; j >= 0; j--) {
        lcs[i * w + j] = midA[i] === midB[j] ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
      }
    }
    ops = [];
    let i = 0;
    let j = 0;
    while (i < midA.length || j < midB.length) {
      if (i < midA.length && j < midB.length && midA[i] === midB[j]) {
        ops.push([' ', midA[i]]);
        i++;
        j++;
      } else if (i < midA.length && (j === midB.length || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])) ops.push(['-', midA[i++]]);
      else ops.push(['+', midB[j++]]);
    }
  }
  // Every line with its number in the committed report, then the changes with
  // up to 3 unchanged lines around each; longer unchanged runs become a new @@ header.
  const all = [];
  for (let k = Math.max(0, start - 3); k < start; k++) all.push([' ', a[k], k + 1]);
  let lineNo = start + 1;
  for (const [op, line] of ops) {
    all.push([op, line, lineNo]);
    if (op !== '+') lineNo++;
  }
  for (let k = endA; k < Math.min(a.length, endA + 3); k++) all.push([' ', a[k], k + 1]);
  const lines = [];
  let run = [];
  let started = false;
  const context = 3;
  const header = (n) => lines.push(`@@ line ${n} of the committed report @@`);
  for (const entry of all) {
    if (entry[0] === ' ') {
      run.push(entry);
      continue;
    }
    if (!started) {
      header(run[0]?.[2] ?? entry[2]);
      lines.push(...run.map(([, l]) => `  ${l}`));
      started = true;
    } else if (run.length > 2 * context) {
      lines.push(...run.slice(0, context).map(([, l]) => `  ${l}`));
      const rest = run.slice(-context);
      header(rest[0][2]);
      lines.push(...rest.map(([, l]) => `  ${l}`));
    } else {
      lines.push(...run.map(([, l]) => `  ${l}`));
    }
    run = [];
    lines.push(`${entry[0]} ${entry[1]}`);
  }
  lines.push(...run.slice(0, context).map(([, l]) => `  ${l}`));
  return lines.join('\n');
}

function main() {
  const check = process.argv.includes('--check');
  let report;
  try {
    report = buildReport();
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
  const shown = relative(ROOT, REPORT);
  if (!check) {
    mkdirSync(dirname(REPORT), { recursive: true });
    writeFileSync(REPORT, report);
    console.log(`${shown} written`);
    return;
  }
  const committed = existsSync(REPORT) ? readFileSync(REPORT, 'utf8') : '';
  const diff = lineDiff(committed, report);
  if (diff === '') {
    console.log(`${shown} is up to date`);
    return;
  }
  console.error(
    `The public API in dist/*.d.ts differs from ${shown} (- committed, + built):\n\n${diff}\n\n` +
      'If the change is intended, run npm run api:report and commit the result (and note it in CHANGELOG.md); ' +
      'otherwise restore the API.',
  );
  process.exit(1);
}

if (process.argv[1] && import.meta.filename === process.argv[1]) main();
