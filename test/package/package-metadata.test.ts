// What npm, bundlers and a new user see of the package beyond its code: the
// links of its npm page, the install-script policy, sideEffects, portable
// source maps, and the TypeScript settings the README promises.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DIST, ensureBuilt, ROOT } from '../support/build';

interface PackageJson {
  repository?: { type?: string; url?: string };
  homepage?: string;
  bugs?: { url?: string };
  keywords?: string[];
  sideEffects?: unknown;
  allowScripts?: Record<string, boolean>;
}

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

describe('the npm page leads somewhere', () => {
  it('names the repository, homepage, issue tracker and keywords', () => {
    expect(pkg.repository).toEqual({ type: 'git', url: expect.stringMatching(/^git\+https:\/\/github\.com\/[\w.-]+\/[\w.-]+\.git$/) });
    const repo = pkg.repository!.url!.replace(/^git\+/, '').replace(/\.git$/, '');
    // The homepage is the docs site (.github/workflows/docs.yml publishes it), which the README links.
    expect(pkg.homepage).toBe('https://migochat.github.io/db/');
    expect(readme).toContain(`**API docs:** <${pkg.homepage}>`);
    expect(pkg.bugs).toEqual({ url: `${repo}/issues` });
    expect(pkg.keywords).toEqual(expect.arrayContaining(['typeorm', 'sqlite', 'postgresql', 'nestjs']));
  });

  it('links the API docs from the README, where it says "see the API docs"', () => {
    const docs = /\*\*API docs:\*\* <(https:\/\/[^>\s]+)>/.exec(readme)?.[1];
    expect(docs).toBeDefined();
    expect(readme).not.toMatch(/see the API docs\.(?!\]\()/);
    expect(readme).toContain(`see the [API docs](${docs})`);
  });
});

describe('install scripts (npm 11 allowScripts)', () => {
  it('approves every dependency in the lock that has one, so npm ci warns about none', () => {
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { hasInstallScript?: boolean; os?: string[]; cpu?: string[] }>;
    };
    const withScripts = Object.entries(lock.packages)
      // npm does not flag other platforms' optional builds: their scripts never run here.
      .filter(([path, entry]) => path !== '' && entry.hasInstallScript && !entry.os && !entry.cpu)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(withScripts).toContain('better-sqlite3');
    const allowed = pkg.allowScripts ?? {};
    for (const name of new Set(withScripts)) {
      const approved = allowed[name] === true || Object.entries(allowed).some(([key, ok]) => ok && key.startsWith(`${name}@`));
      expect(approved, `${name} is not in package.json allowScripts (npm install-scripts approve ${name})`).toBe(true);
    }
  });

  it('tells users of the package why better-sqlite3 needs approving, and how', () => {
    expect(readme).toContain('install scripts');
    expect(readme).toContain('npm install-scripts approve better-sqlite3');
  });
});

describe('sideEffects', () => {
  it('is declared true', () => {
    expect(pkg.sideEffects).toBe(true);
  });

  it('is true because loading an entry point does work of its own (a bundler must keep the import)', () => {
    ensureBuilt();
    const out = execFileSync(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(join(DIST, 'entities.js'))});
         const storage = require(${JSON.stringify(join(ROOT, 'node_modules', 'typeorm'))}).getMetadataArgsStorage();
         console.log(JSON.stringify({ reflect: typeof Reflect.getMetadata, tables: storage.tables.map((t) => t.name).sort() }));`,
      ],
      { encoding: 'utf8', cwd: ROOT },
    );
    expect(JSON.parse(out)).toEqual({
      reflect: 'function',
      tables: ['ad_campaigns', 'app_settings', 'conversations', 'data_erasures', 'lead_activities', 'messages', 'pending_receipts', 'posts', 'users'],
    });
  });
});

describe('source maps', () => {
  let maps: string[];
  beforeAll(() => {
    ensureBuilt();
    maps = readdirSync(DIST).filter((name) => name.endsWith('.map'));
  });

  it('exist for the entry points', () => {
    expect(maps).toEqual(expect.arrayContaining(['index.js.map', 'entities.js.map', 'testing.js.map', 'typeorm.js.map', 'cli.js.map']));
  });

  it('hold no absolute path of the build machine', () => {
    for (const name of maps) {
      const text = readFileSync(join(DIST, name), 'utf8');
      const map = JSON.parse(text) as { file?: string; sourceRoot?: string; sources: string[] };
      for (const path of [map.file, map.sourceRoot, ...map.sources].filter((p): p is string => typeof p === 'string')) {
        expect(isAbsolute(path), `${name}: ${path}`).toBe(false);
      }
      expect(text.includes(ROOT), `${name} mentions ${ROOT}`).toBe(false);
    }
  });

  it('point at the sources relative to dist/', () => {
    for (const name of maps) {
      const map = JSON.parse(readFileSync(join(DIST, name), 'utf8')) as { sources: string[] };
      for (const source of map.sources) {
        expect(existsSync(resolve(DIST, source)), `${name}: ${source}`).toBe(true);
      }
    }
  });
});

describe('README compatibility table', () => {
  it('states the supported TypeScript settings, and that node10 resolution cannot see the subpaths', () => {
    const row = readme.split('\n').find((line) => line.startsWith('| TypeScript'));
    expect(row).toBeDefined();
    for (const setting of ['node16', 'nodenext', 'bundler', 'node10']) expect(row).toContain(`\`${setting}\``);
    expect(row).toMatch(/node10.*cannot see/);
  });
});
