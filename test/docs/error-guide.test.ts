// docs/guides/errors.md has a table of every error code: a code added to
// src/errors.ts without a row there fails here, as does a row for a code
// that no longer exists.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as library from '../../src/index';

const ROOT = join(__dirname, '..', '..');
const guide = readFileSync(join(ROOT, 'docs', 'guides', 'errors.md'), 'utf8');

/** The members of the `MigochatDbErrorCode` union, read from its declaration. */
function declaredCodes(): string[] {
  const source = readFileSync(join(ROOT, 'src', 'errors.ts'), 'utf8');
  const union = /export type MigochatDbErrorCode =([^;]*);/.exec(source)?.[1] ?? '';
  return [...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]!);
}

/** The codes in the first column of the guide's table. */
function tableCodes(): string[] {
  return [...guide.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]!);
}

describe('the error guide', () => {
  it('has a row for every code of MigochatDbErrorCode, and no other', () => {
    const declared = declaredCodes();
    expect(declared.length).toBeGreaterThan(10);
    expect([...tableCodes()].sort()).toEqual([...declared].sort());
  });

  it('names every exported error class in the row of its code', () => {
    const codeByClass = codesByClass();
    const classes = (Object.entries(library) as Array<[string, unknown]>).filter(
      (entry): entry is [string, Function] => typeof entry[1] === 'function' && entry[1].prototype instanceof library.MigochatDbError,
    );
    expect(classes.length).toBeGreaterThan(15);
    for (const [name, value] of classes) {
      // A subclass (ImportLineError) carries the code of the class it extends (BackupError).
      let ctor: Function | null = value;
      while (ctor && !codeByClass.has(ctor.name)) ctor = Object.getPrototypeOf(ctor) as Function | null;
      const code = ctor && codeByClass.get(ctor.name);
      expect(code, `the code of ${name}`).toBeTruthy();
      const row = guide.split('\n').find((line) => line.startsWith(`| \`${code}\` |`));
      expect(row, `${name} (${code})`).toContain(`{@link ${name}}`);
    }
  });
});

/** Each error class's code, from the `readonly code = '...'` of its declaration. */
function codesByClass(): Map<string, string> {
  const source = readFileSync(join(ROOT, 'src', 'errors.ts'), 'utf8');
  const pairs = [...source.matchAll(/export class (\w+) extends \w+ \{\s*readonly code = '([A-Z_]+)'/g)];
  return new Map(pairs.map((m) => [m[1]!, m[2]!]));
}
