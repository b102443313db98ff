// The checked-in API report (api/public-api.md) against the built declarations:
// scripts/api-report.mjs regenerates it from dist/*.d.ts in a child process,
// type-checks those declarations without skipLibCheck, checks each entry
// point's run-time exports against them, and fails with a diff when the
// public surface changed without the report being regenerated.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from '../support/build';

beforeAll(() => {
  ensureBuilt();
}, 300_000);

describe('the public API report', () => {
  it('api/public-api.md matches the built declarations (else: run npm run api:report and commit the result)', () => {
    const result = spawnSync(process.execPath, [join(ROOT, 'scripts', 'api-report.mjs'), '--check'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (result.status !== 0) {
      expect.fail(
        `${result.stderr || result.stdout || String(result.error)}\n` +
          'The public API changed: if that is intended, run npm run api:report and commit the result.',
      );
    }
    expect(result.stdout).toContain('is up to date');
  });
});
