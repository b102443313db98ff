// TypeORM's own CLI with a data-source file built from the built package's
// dataSourceOptions(): after migration:run (or the library's migrate), the
// schema matches the entities, so `migration:generate --check` finds nothing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST, ROOT } from '../support/build';
import { engines, type EngineName } from '../support/engines';
import { useEmptyUrls } from '../support/empty-urls';

const TYPEORM_CLI = join(ROOT, 'node_modules', 'typeorm', 'cli.js');

let tmp: string;
/** A CommonJS data-source file, as a service keeps one for the TypeORM CLI; reads DATABASE_URL. */
let dataSourceFile: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'migochat-typeorm-cli-'));
  dataSourceFile = join(tmp, 'data-source.js');
  writeFileSync(
    dataSourceFile,
    [
      `const { DataSource } = require(${JSON.stringify(join(ROOT, 'node_modules', 'typeorm'))});`,
      `const { dataSourceOptions } = require(${JSON.stringify(join(DIST, 'index.js'))});`,
      'module.exports = { dataSource: new DataSource(dataSourceOptions({ url: process.env.DATABASE_URL })) };',
      '',
    ].join('\n'),
  );
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const empty = useEmptyUrls('migochat-typeorm-cli-dbs-');
const emptyUrl = (engine: EngineName): Promise<string> => empty.url(engine);

function typeorm(url: string, ...args: string[]): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [TYPEORM_CLI, ...args], {
    cwd: tmp,
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: url, NO_COLOR: '1', FORCE_COLOR: '0' },
    timeout: 60_000,
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

const check = (url: string) => typeorm(url, 'migration:generate', join(tmp, 'migrations', 'Drift'), '--check', '-d', dataSourceFile);

describe.each(engines())('the TypeORM CLI with dataSourceOptions on %s', (engine) => {
  it('migration:run applies the migrations, then migration:generate --check reports no changes', async () => {
    const url = await emptyUrl(engine);
    // The check does look: on an empty database it wants every table.
    const before = check(url);
    expect(before.status, before.output).toBe(1);
    expect(before.output).toMatch(/CREATE TABLE "users"/);

    const run = typeorm(url, 'migration:run', '-d', dataSourceFile);
    expect(run.status, run.output).toBe(0);

    const after = check(url);
    expect(after.status, after.output).toBe(0);
    expect(after.output).toContain('No changes in database schema were found');
  });

  it('finds no changes after the library migrated the database', async () => {
    const url = await emptyUrl(engine);
    const { openDatabase } = (await import(join(DIST, 'index.js'))) as typeof import('../../src/index');
    const db = await openDatabase({ url, migrate: true });
    await db.close();
    const after = check(url);
    expect(after.status, after.output).toBe(0);
    expect(after.output).toContain('No changes in database schema were found');
  });
});
