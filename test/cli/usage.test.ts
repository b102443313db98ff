// The built CLI's help, usage errors (exit 2) and failures a person can act
// on (exit 1, no stack trace unless --verbose, never a password).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgUrl } from '../support/engines';
import { canTestOnTty, ESCAPE, packageVersion, runCli, runCliOnTty, runShell, useCliCopy } from './run-cli';

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

});

describe('no command at all: the help on stdout and exit 1, as git does', () => {
  it.each([[[]], [['--verbose']], [['--no-color']], [['--url', 'sqlite::memory:']]])('migochat-db %j', async (args) => {
    const result = await runCli(args, { DATABASE_URL: sqliteUrl });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Usage: migochat-db');
    expect(result.stdout).toContain('  migrate');
    expect(result.stderr).toBe('');
  });
});

describe('--version', () => {
  it.each(['--version', '-V'])('%s prints the version of package.json and exits 0', async (flag) => {
    const result = await runCli([flag]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${packageVersion()}\n`);
    expect(result.stderr).toBe('');
  });

  it('is listed in the help', async () => {
    expect((await runCli(['--help'])).stdout).toMatch(/-V, --version/);
  });
});

describe('a reader that goes away (| head -1, | true) ends the output quietly', () => {
  it.each([[['--help']], [['help', 'seed']], [['--version']], [['seed', '--help']]])('%j into a closed pipe exits 0 without EPIPE or a stack trace', async (args) => {
    const result = await runCli(args, { DATABASE_URL: sqliteUrl }, { closeStdout: true });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('--help | head -1 prints the first line, and the CLI exits 0', async () => {
    const result = await runShell('$CLI --help | head -1; echo "exit=${PIPESTATUS[0]}"');
    expect(result.stdout).toBe('Usage: migochat-db [options] [command]\nexit=0\n');
    expect(result.stderr).toBe('');
  });
});

describe('a bad DATABASE_URL exits 1 with a message naming it', () => {
  it('an unsupported scheme given with --url is reported as --url, the setting typed', async () => {
    const result = await runCli(['--url', `mysql://root:${SECRET}@localhost/app`, 'health'], { DATABASE_URL: sqliteUrl });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error \[CONFIG_ERROR\]: --url: "mysql:\/\/root:\*\*\*\*@localhost\/app" is not a supported database URL/);
    expect(result.stderr).not.toContain('DATABASE_URL');
    expect(result.stderr).not.toContain(SECRET);
    expect(result.stderr).not.toMatch(STACK_LINE);
  });

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
    const result = await runCli(['health', '--json'], { DATABASE_URL: `postgres://app:${SECRET}@127.0.0.1:1/app`, DB_CONNECT_TIMEOUT_MS: '300' });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { status: string; error: string };
    expect(report.status).toBe('unhealthy');
    expect(report.error).toContain('unavailable');
    expect(result.stdout).not.toContain(SECRET);
  });

  it('health --json prints an unhealthy report on stdout for a bad URL', async () => {
    const result = await runCli(['health', '--json'], { DATABASE_URL: `mysql://root:${SECRET}@localhost/app` });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { status: string; error: string; code: string; database: string | null };
    expect(report).toMatchObject({ status: 'unhealthy', code: 'CONFIG_ERROR', database: null });
    expect(report.error).toContain('DATABASE_URL');
    expect(result.stdout).not.toContain(SECRET);
    expect(result.stderr).toMatch(/^error \[CONFIG_ERROR\]/);
  });

  it('health --json prints an unhealthy report on stdout for a bad DB_POOL_SIZE, naming it', async () => {
    const result = await runCli(['health', '--json'], { DATABASE_URL: `postgres://app:${SECRET}@127.0.0.1:1/app`, DB_POOL_SIZE: 'lots' });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { status: string; error: string; code: string; database: string; engine: string };
    expect(report).toMatchObject({ status: 'unhealthy', code: 'CONFIG_ERROR', engine: 'postgres', database: 'postgres://app:****@127.0.0.1:1/app' });
    expect(report.error).toContain('DB_POOL_SIZE');
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

describe('a server that accepts connections and never answers', () => {
  let server: Server;
  let port = 0;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    server = createServer((socket) => {
      sockets.add(socket); // read nothing, answer nothing
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('health --json --timeout 1000 prints an unhealthy report within the timeout and exits 1', async () => {
    const started = Date.now();
    const result = await runCli(['health', '--json', '--timeout', '1000'], { DATABASE_URL: `postgres://app:${SECRET}@127.0.0.1:${port}/app` });
    const elapsed = Date.now() - started;
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { status: string; error: string; database: string };
    expect(report).toMatchObject({ status: 'unhealthy', database: `postgres://app:****@127.0.0.1:${port}/app` });
    expect(report.error).toContain('1000 ms');
    expect(result.stdout).not.toContain(SECRET);
    // The timeout, node's start and the exit: well under the 10 s connect timeout it used to wait out.
    expect(elapsed).toBeLessThan(8000);
  });

  it('health (text) says it got no answer, names DATABASE_URL, and exits 1', async () => {
    const result = await runCli(['health', '--timeout', '1000'], { DATABASE_URL: `postgres://app:${SECRET}@127.0.0.1:${port}/app` });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no answer within 1000 ms');
    expect(result.stderr).toContain(`check DATABASE_URL (now postgres://app:****@127.0.0.1:${port}/app)`);
    expect(result.stderr).not.toMatch(STACK_LINE);
  });
});

describe('colour', () => {
  it('is off in a pipe', async () => {
    const result = await runCli(['frobnicate']);
    expect(result.stderr).toMatch(/^error: unknown command/);
    expect(result.stderr).not.toMatch(ESCAPE);
  });

  it('FORCE_COLOR turns it on in a pipe, and NO_COLOR wins over it', async () => {
    expect((await runCli(['frobnicate'], { FORCE_COLOR: '1' })).stderr).toMatch(/\u001b\[31merror/);
    expect((await runCli(['frobnicate'], { FORCE_COLOR: '1', NO_COLOR: '1' })).stderr).not.toMatch(ESCAPE);
  });

  it('--no-color is listed in the help', async () => {
    expect((await runCli(['--help'])).stdout).toContain('--no-color');
  });

  describe.runIf(canTestOnTty())('on a terminal', () => {
    it('errors are red', async () => {
      const result = await runCliOnTty(['frobnicate'], {});
      expect(result.code).toBe(2);
      expect(result.stdout).toMatch(/\u001b\[31merror\u001b\[39m\u001b\[22m: unknown command 'frobnicate'/);
    });

    it('a failure of a command is red too, still without a stack trace', async () => {
      const result = await runCliOnTty(['stats'], { DATABASE_URL: `sqlite:${join(dir, 'missing.db')}` });
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/\u001b\[31merror \[DATABASE_NOT_FOUND\]/);
      expect(result.stdout).not.toMatch(STACK_LINE);
    });

    it.each([
      ['NO_COLOR=1', ['frobnicate'], { NO_COLOR: '1' }],
      ['--no-color', ['--no-color', 'frobnicate'], {}],
      ['--no-color after the command', ['health', '--no-color', '--frobnicate'], {}],
      ['TERM=dumb', ['frobnicate'], { TERM: 'dumb' }],
    ])('%s turns it off', async (_name, args, env) => {
      const result = await runCliOnTty(args, env);
      expect(result.code).toBe(2);
      expect(result.stdout).toMatch(/error: unknown (command|option)/);
      expect(result.stdout).not.toMatch(ESCAPE);
    });
  });
});

describe('read-only commands on a SQLite file that does not exist', () => {
  const cases: Array<[string, (missing: string) => string[]]> = [
    ['stats', () => ['stats']],
    ['stats --json', () => ['stats', '--json']],
    ['health', () => ['health']],
    ['migrate:status', () => ['migrate:status']],
    ['migrate:revert', () => ['migrate:revert', '--yes']],
    ['export', () => ['export', join(dir, 'out.ndjson')]],
    ['backup', () => ['backup', join(dir, 'out.db')]],
  ];

  it.each(cases)('%s says the file does not exist, exits 1 and creates nothing', async (_name, args) => {
    const missing = join(dir, 'typo', 'app.db');
    const result = await runCli(args(missing), { DATABASE_URL: `sqlite:${missing}` });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`The SQLite database ${missing} does not exist`);
    expect(result.stderr).toContain('check DATABASE_URL');
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(existsSync(missing)).toBe(false);
    expect(existsSync(join(dir, 'typo'))).toBe(false);
    expect(existsSync(join(dir, 'out.ndjson'))).toBe(false);
    expect(existsSync(join(dir, 'out.db'))).toBe(false);
  });

  it('a relative path is resolved in the working folder and named in full; --url is named when it came from there', async () => {
    const result = await runCli(['--url', 'sqlite:./tpyo.db', 'stats'], {}, { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`The SQLite database ${join(dir, 'tpyo.db')} does not exist`);
    expect(result.stderr).toContain('check --url');
    expect(existsSync(join(dir, 'tpyo.db'))).toBe(false);
  });

  it('health --json still prints an unhealthy report, naming the file', async () => {
    const missing = join(dir, 'nope.db');
    const result = await runCli(['health', '--json'], { DATABASE_URL: `sqlite:${missing}` });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { status: string; error: string; database: string; engine: string };
    expect(report).toMatchObject({ status: 'unhealthy', engine: 'sqlite', database: `sqlite:${missing}` });
    expect(report.error).toContain('does not exist');
    expect(existsSync(missing)).toBe(false);
  });
});
