#!/usr/bin/env node
import 'reflect-metadata';
import { runCli } from './program';

void runCli(process.argv.slice(2), {
  io: { out: process.stdout, err: process.stderr },
  env: process.env,
  stdinIsTTY: Boolean(process.stdin.isTTY),
}).then((code) => {
  process.exitCode = code;
});
