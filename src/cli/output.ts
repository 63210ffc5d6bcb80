/**
 * What the `karbor-ts` command prints: tables (cli-table3, no colours) for people, JSON for
 * scripts, and a live progress line on stderr for `--wait` — redrawn in place on a terminal,
 * one line per update otherwise (logs, CI, pipes).
 *
 * @module
 */
import Table from 'cli-table3';
import type { ProgressView } from '../client/index.js';

/** Where the command writes. */
export interface OutputStream {
  /** Writes text. */
  write(text: string): unknown;
  /** Whether it is a terminal (progress is redrawn in place). */
  readonly isTTY?: boolean;
  /** The terminal's width. */
  readonly columns?: number;
}

const PLAIN = { head: [] as string[], border: [] as string[] };

/** One column of a list table: its header and how to read a row. */
export interface Column<T> {
  /** The header. */
  readonly header: string;
  /** The cell of a row. */
  readonly cell: (row: T) => unknown;
}

/** A table of `rows` with `columns`. */
export function listTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const table = new Table({ head: columns.map((column) => column.header), style: PLAIN });
  for (const row of rows) table.push(columns.map((column) => cellText(column.cell(row))));
  return `${table.toString()}\n`;
}

/**
 * A Property/Value table of a record, keys in order (objects as JSON, progress in words),
 * `width` characters wide at most: long values (an error's reason) wrap.
 */
export function propertyTable(record: Readonly<Record<string, unknown>>, width = 120): string {
  const keyWidth = Math.max('Property'.length, ...Object.keys(record).map((key) => key.length)) + 2;
  const valueWidth = Math.max(40, width - keyWidth - 3);
  const table = new Table({ head: ['Property', 'Value'], style: PLAIN, colWidths: [keyWidth, valueWidth], wordWrap: true, wrapOnWordBoundary: true });
  for (const [key, value] of Object.entries(record)) {
    table.push([key, key === 'progress' && isProgress(value) ? progressText(value) : cellText(value, true)]);
  }
  return `${table.toString()}\n`;
}

/** A cell: strings as they are, `null` empty, objects as JSON (pretty in a property table). */
export function cellText(value: unknown, pretty = false): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object' && Object.keys(value).length === 0) return Array.isArray(value) ? '[]' : '{}';
  return pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value);
}

/** JSON for scripts: two-space indented, with a newline. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** `1.5 MiB`. */
export function bytesText(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** `3/5 resources, 1.2 MiB/4.0 MiB (40%)`. */
export function progressText(progress: ProgressView): string {
  return `${progress.resources_done}/${progress.resources_total} resources, ${bytesText(progress.bytes_done)}/${bytesText(progress.bytes_total)} (${progress.percent}%)`;
}

function isProgress(value: unknown): value is ProgressView {
  return typeof value === 'object' && value !== null && 'resources_done' in value && 'percent' in value;
}

/** A progress bar of `width` cells for a percentage. */
export function bar(percent: number, width = 24): string {
  const filled = Math.max(0, Math.min(width, Math.round((percent / 100) * width)));
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/**
 * The live progress of a `--wait`, on `stream` (stderr): on a terminal one line redrawn in
 * place; otherwise one line per update, so logs keep the history.
 */
export class ProgressLine {
  readonly #stream: OutputStream;
  readonly #label: string;
  #last = '';
  #drawn = false;

  /** A progress line for the operation named `label` (`copy 1f2e…`). */
  constructor(stream: OutputStream, label: string) {
    this.#stream = stream;
    this.#label = label;
  }

  /** Shows the status and progress (nothing when neither changed). */
  update(status: string, progress: ProgressView | null): void {
    const figures = progress ? ` ${bar(progress.percent)} ${progressText(progress)}` : '';
    const line = `${this.#label}: ${status}${figures}`;
    if (line === this.#last) return;
    this.#last = line;
    if (this.#stream.isTTY) {
      const width = this.#stream.columns ?? 0;
      const fitted = width > 1 && line.length >= width ? `${line.slice(0, width - 2)}…` : line;
      this.#stream.write(`\r\x1b[2K${fitted}`);
      this.#drawn = true;
    } else {
      this.#stream.write(`${line}\n`);
    }
  }

  /** Ends the redrawn line (on a terminal). */
  end(): void {
    if (this.#drawn) this.#stream.write('\n');
    this.#drawn = false;
  }
}
