import { SingleBar, Presets } from 'cli-progress';
import { isMigochatDbError } from '../errors';
import { scrubMessage } from '../driver-errors';

/** Where the CLI writes; swapped in tests. */
export interface CliIo {
  out: NodeJS.WritableStream & { isTTY?: boolean };
  err: NodeJS.WritableStream;
}

/** A progress reporter: a bar on a TTY, nothing otherwise (so pipes get only results). */
export interface Progress {
  update(done: number, total?: number): void;
  stop(): void;
}

export function progress(io: CliIo, label: string): Progress {
  if (!io.out.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar(
    { format: `${label} [{bar}] {percentage}% | {value}/{total}`, stream: io.out as NodeJS.WritableStream as never, hideCursor: true },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total ?? 0, done);
        started = true;
      } else {
        if (total !== undefined) bar.setTotal(total);
        bar.update(done);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** A failure the CLI explains itself (e.g. which setting to check), keeping the original as `cause`. */
export class CliError extends Error {
  override readonly name = 'CliError';
  /** The code of the error it explains, if it had one. */
  readonly code: string | undefined;

  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = options.code;
  }
}

/** The message a person sees for an error: ours with its code, others scrubbed of secrets. */
export function describeError(error: unknown, verbose: boolean): string {
  const base = error instanceof Error ? error.message : String(error);
  const known = isMigochatDbError(error) ? error.code : error instanceof CliError ? error.code : undefined;
  const code = known ? ` [${known}]` : '';
  let text = `error${code}: ${scrubMessage(base)}`;
  if (verbose && error instanceof Error && error.stack) {
    text += `\n${scrubMessage(error.stack)}`;
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof Error && cause.stack) text += `\ncaused by: ${scrubMessage(cause.stack)}`;
  }
  return text;
}

/** Prints rows as an aligned text table. */
export function table(rows: Array<Record<string, string | number | null>>): string {
  if (rows.length === 0) return '(none)\n';
  const columns = Object.keys(rows[0] ?? {});
  const cell = (v: string | number | null) => (v === null ? '-' : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c] ?? null).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(columns.map((c) => cell(r[c] ?? null))))].join('\n') + '\n';
}
