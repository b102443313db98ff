#!/usr/bin/env node
import 'reflect-metadata';
import { runCli } from './program';

/**
 * A reader that goes away (`migochat-db stats | head -1`, `| true`) closes the
 * pipe: the next write fails with EPIPE. That is not an error of ours: stop
 * writing there, quietly, and let the command finish (the exit code stays the
 * command's own). Any other write error (a full disk under `> file`) is said
 * once on stderr and makes the exit code 1.
 */
function quietOnClosedPipe(stream: NodeJS.WriteStream, name: string): void {
  let reported = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
    process.exitCode = 1;
    if (reported || stream === process.stderr) return;
    reported = true;
    if (!process.stderr.destroyed) process.stderr.write(`error: cannot write to ${name}: ${error.message}\n`);
  });
}

quietOnClosedPipe(process.stdout, 'standard output');
quietOnClosedPipe(process.stderr, 'standard error');

void runCli(process.argv.slice(2), {
  io: { out: process.stdout, err: process.stderr },
  env: process.env,
  stdinIsTTY: Boolean(process.stdin.isTTY),
}).then((code) => {
  if (typeof process.exitCode !== 'number' || process.exitCode === 0) process.exitCode = code;
  // The work is done: a connection still being set up (a server that stopped
  // answering, given up on by `health --timeout`) must not hold the process.
  setTimeout(() => process.exit(), 300).unref();
});
