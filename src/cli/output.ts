import { styleText } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { isMigochatDbError } from '../errors';
import { scrubMessage } from '../driver-errors';

/** A stream the CLI writes to (the process's stdout or stderr, or a test's). */
export type CliStream = NodeJS.WritableStream & { isTTY?: boolean; destroyed?: boolean };

/** Where the CLI writes; swapped in tests. */
export interface CliIo {
  /** Results: what a script reads. */
  out: CliStream;
  /** Errors, prompts and progress bars. */
  err: CliStream;
}

/** Writes `text` unless the reader has gone away (`| head -1`): a closed pipe ends output quietly. */
export function writeTo(stream: CliStream, text: string): void {
  if (stream.destroyed || (stream as { writable?: boolean }).writable === false) return;
  stream.write(text);
}

type Format = Parameters<typeof styleText>[0];

/** Colours for one stream, or plain text when colour is off. */
export interface Palette {
  /** Whether this palette adds colour at all. */
  readonly enabled: boolean;
  /** `text` in `format` (e.g. `'green'`, `['bold', 'red']`), or `text` itself when colour is off. */
  paint(format: Format, text: string): string;
  /** A status word coloured by what it means: healthy/executed green, degraded/pending yellow, unhealthy/failed red. */
  status(word: string): string;
}

const STATUS_COLOURS: Record<string, Format> = {
  healthy: 'green',
  executed: 'green',
  ok: 'green',
  degraded: 'yellow',
  pending: 'yellow',
  unhealthy: 'red',
  failed: 'red',
};

/**
 * Whether to colour a stream: only a terminal, never when `NO_COLOR` is set
 * to anything non-empty (https://no-color.org), `--no-color` is given, or
 * `TERM=dumb`; `FORCE_COLOR` (other than `0`) turns it on even in a pipe.
 */
export function wantsColour(stream: CliStream, env: Partial<Record<string, string | undefined>>, noColorFlag: boolean): boolean {
  if (noColorFlag) return false;
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '') return force !== '0' && force.toLowerCase() !== 'false';
  if (env['TERM'] === 'dumb') return false;
  return stream.isTTY === true;
}

/** A palette that colours when `enabled`. */
export function palette(enabled: boolean): Palette {
  const paint = (format: Format, text: string): string => (enabled ? styleText(format, text, { validateStream: false }) : text);
  return {
    enabled,
    paint,
    status: (word) => {
      const format = STATUS_COLOURS[word];
      return format ? paint(format, word) : word;
    },
  };
}

/** A progress reporter: a bar on a terminal, nothing otherwise (so pipes get only results). */
export interface Progress {
  update(done: number, total?: number): void;
  stop(): void;
}

/** How a progress bar shows its amounts. */
export interface ProgressUnit {
  /** The amount done of the total, e.g. `12.3 of 27.0 MB` or `1,500/20,000 users`. */
  amount(done: number, total: number): string;
}

/** Counts of things: `1,500/20,000 users`. */
export function countOf(noun: string): ProgressUnit {
  return { amount: (done, total) => `${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} ${noun}` };
}

/** Bytes, shown in MB (`12.3 of 27.0 MB`); `bytesPerUnit` converts the reported units (e.g. SQLite pages) to bytes. */
export function megabytes(bytesPerUnit = 1): ProgressUnit {
  const mb = (units: number) => ((units * bytesPerUnit) / 1_000_000).toFixed(1);
  return { amount: (done, total) => `${mb(done)} of ${mb(total)} MB` };
}

/** Every bar drawn and not yet stopped, so an interruption can put the cursor back. */
const activeBars = new Set<Progress>();

/** Stops every bar still drawn (showing the cursor again). */
export function stopAllProgress(): void {
  for (const bar of [...activeBars]) bar.stop();
}

/**
 * A progress bar on `io.err` when it is a terminal (percentage, amount,
 * ETA); nothing otherwise. `stop()` shows the cursor again and is safe to
 * call twice.
 */
export function progress(io: CliIo, label: string, unit: ProgressUnit): Progress {
  if (!io.err.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {amount} | ETA {eta_formatted}`,
      stream: io.err as never,
      hideCursor: true,
      etaBuffer: 20,
      // The bar is ours to stop (see stopAllProgress); its own SIGINT handler would swallow Ctrl-C.
      gracefulExit: false,
    },
    Presets.shades_classic,
  );
  let started = false;
  let total = 0;
  const reporter: Progress = {
    update(done, newTotal) {
      if (newTotal !== undefined) total = newTotal;
      const amount = unit.amount(done, total);
      if (!started) {
        bar.start(total, done, { amount });
        started = true;
        activeBars.add(reporter);
      } else {
        if (newTotal !== undefined) bar.setTotal(newTotal);
        bar.update(done, { amount });
      }
    },
    stop() {
      if (started) bar.stop();
      activeBars.delete(reporter);
    },
  };
  return reporter;
}

/** A size for people: `812 B`, `4.1 kB`, `27.0 MB`, `1.2 GB` (powers of 1000). */
export function humanBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 'B';
  for (const next of units) {
    if (value < 1000) break;
    value /= 1000;
    unit = next;
  }
  return `${value.toFixed(1)} ${unit}`;
}

/** A count for people: `20,000`. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
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
export function describeError(error: unknown, verbose: boolean, colours: Palette = palette(false)): string {
  const base = error instanceof Error ? error.message : String(error);
  const known = isMigochatDbError(error) ? error.code : error instanceof CliError ? error.code : undefined;
  const code = known ? ` [${known}]` : '';
  let text = `${colours.paint(['bold', 'red'], `error${code}`)}: ${scrubMessage(base)}`;
  if (verbose && error instanceof Error && error.stack) {
    text += `\n${scrubMessage(error.stack)}`;
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof Error && cause.stack) text += `\ncaused by: ${scrubMessage(cause.stack)}`;
  }
  return text;
}

/**
 * Prints rows as an aligned text table. `style` may colour a cell; widths
 * are measured on the plain text, so colour never breaks the alignment.
 */
export function table(
  rows: Array<Record<string, string | number | null>>,
  style: (column: string, text: string) => string = (_c, text) => text,
): string {
  if (rows.length === 0) return '(none)\n';
  const columns = Object.keys(rows[0] ?? {});
  const cell = (v: string | number | null) => (v === null ? '-' : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c] ?? null).length)));
  const line = (values: string[], styled: boolean) =>
    values
      .map((v, i) => {
        const padded = v.padEnd(widths[i] ?? 0);
        if (!styled) return padded;
        const column = columns[i] ?? '';
        // Colour the text, not the padding after it.
        return style(column, v) + padded.slice(v.length);
      })
      .join('  ')
      .trimEnd();
  return (
    [line(columns, false), line(widths.map((w) => '-'.repeat(w)), false), ...rows.map((r) => line(columns.map((c) => cell(r[c] ?? null)), true))].join('\n') + '\n'
  );
}
