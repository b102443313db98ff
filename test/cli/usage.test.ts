// The built CLI's help, usage errors (exit 2) and failures a person can act
// on (exit 1, no stack trace unless --verbose, never a password).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgUrl } from '../support/engines';
import { runCli, useCliCopy } from './run-cli';

const COMMANDS = ['migrate', 'migrate:status', 'migrate:revert', 'health', 'backup', 'restore', 'export', 'import', 'seed', 'stats', 'rebuild'];
const STACK_LINE = /^\s+at /m;
const SECRET = 'Sup3r-Secret-Pw';

let removeCopy: () => void = () => undefined;
let dir = '';
let sqliteUrl = '';
beforeAll(async () => {
  removeCopy = await useCliCopy();
  dir = mkdtempSync(join(tmpdir(), 'migochat-cli-usage-'));
  sqliteUrl = `sqlite:${join(dir, 'app.db')}`;
});
afterAll(() => {
  removeCopy();
  rmSync(dir, { recursive: true, force: true });
});

describe('migochat-db --help', () => {
  it('prints the usage and every command, exiting 0', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: migochat-db');
    expect(result.stdout).toContain('DATABASE_URL');
    for (const command of COMMANDS) expect(result.stdout).toContain(`  ${command}`);
  });

  it.each(COMMANDS)('%s --help prints its usage and exits 0', async (command) => {
    const result = await runCli([command, '--help'], { DATABASE_URL: sqliteUrl });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Usage: migochat-db ${command}`);
    expect(result.stderr).toBe('');
  });

  it('help <command> prints that command usage and exits 0', async () => {
    const result = await runCli(['help', 'seed']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--users <n>');
    expect(result.stdout).toContain('--seed <s>');
  });
});

describe('bad usage exits 2', () => {
  it('an unknown command', async () => {
    const result = await runCli(['frobnicate'], { DATABASE_URL: sqliteUrl });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown command 'frobnicate'");
    expect(result.stderr).not.toMatch(STACK_LINE);
  });

  it('an unknown option', async () => {
    const result = await runCli(['health', '--frobnicate'], { DATABASE_URL: sqliteUrl });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option '--frobnicate'");
  });

  it('a missing argument', async () => {
    const result = await runCli(['backup'], { DATABASE_URL: sqliteUrl });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("missing required argument 'file'");
  });

  it('an option value that is not a whole number', async () => {
    const result = await runCli(['seed', '--users', 'many'], { DATABASE_URL: sqliteUrl });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--users');
  });

  it('no command at all', async () => {
    const result = await runCli([], { DATABASE_URL: sqliteUrl });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Usage: migochat-db');
  });
});

describe('a bad DATABASE_URL exits 1 with a message naming it', () => {
  it('an unsupported scheme is named, without a stack trace', async () => {
    const result = await runCli(['health'], { DATABASE_URL: `mysql://root:${SECRET}@localhost/app` });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error \[CONFIG_ERROR\]: DATABASE_URL/);
    expect(result.stderr).not.toContain(SECRET);
    expect(result.stderr).not.toMatch(STACK_LINE);
  });

  it('an unreachable server names DATABASE_URL and masks the password', async () => {
    const result = await runCli(['migrate'], { DATABASE_URL: `postgres://app:${SECRET}@127.0.0.1:1/app` });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error \[DATABASE_UNAVAILABLE\]/);
    expect(result.stderr).toContain('check DATABASE_URL (now postgres://app:****@127.0.0.1:1/app)');
    expect(result.stderr).not.toContain(SECRET);
    expect(result.stderr).not.toMatch(STACK_LINE);
  });

  it('--url is named instead when the URL came from --url', async () => {
    const result = await runCli(['--url', `postgres://app:${SECRET}@127.0.0.1:1/app`, 'stats'], {});
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('check --url (now postgres://app:****@127.0.0.1:1/app)');
    expect(result.stderr).not.toContain(SECRET);
  });

  it('--verbose adds the stack trace, still without the password', async () => {
    const result = await runCli(['--verbose', 'migrate'], { DATABASE_URL: `postgres://app:${SECRET}@127.0.0.1:1/app` });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(STACK_LINE);
    expect(result.stderr).toContain('caused by: DatabaseUnavailableError');
    expect(result.stderr).not.toContain(SECRET);
  });

  it('health --json still prints an unhealthy report for monitoring', async () => {
    const result = await runCli(['health', '--json'], { DATABASE_URL: `postgres://app:${SECRET}@127.0.0.1:1/app` });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { status: string; error: string };
    expect(report.status).toBe('unhealthy');
    expect(report.error).toContain('unavailable');
    expect(result.stdout).not.toContain(SECRET);
  });

  it('a wrong password on the real server is reported without it', async () => {
    const url = new URL(pgUrl() || 'postgres://postgres@127.0.0.1:1/postgres');
    url.password = SECRET;
    const result = await runCli(['health'], { DATABASE_URL: url.toString() });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('check DATABASE_URL');
    expect(result.stderr).toContain(':****@');
    expect(result.stderr).not.toContain(SECRET);
    expect(result.stderr).not.toMatch(STACK_LINE);
  });
});
