/**
 * Plain-text tables and number formatting for benchmark output. Generic: any bench can print
 * its rows with {@link printTable}.
 *
 * @module
 */

/** One column of a table: its header and how to render a row's cell. */
export interface Column<R> {
  /** The header text. */
  readonly header: string;
  /** Renders the cell of `row`. */
  readonly cell: (row: R) => string;
  /** Text alignment. @default 'right' */
  readonly align?: 'left' | 'right';
}

/** Renders `rows` as an aligned text table (header, rule, one line per row). */
export function formatTable<R>(columns: readonly Column<R>[], rows: readonly R[]): string {
  const cells = rows.map((row) => columns.map((column) => column.cell(row)));
  const widths = columns.map((column, at) => Math.max(column.header.length, ...cells.map((line) => line[at]!.length)));
  const pad = (text: string, at: number): string =>
    columns[at]!.align === 'left' ? text.padEnd(widths[at]!) : text.padStart(widths[at]!);
  const lines = [columns.map((column, at) => pad(column.header, at)), widths.map((width) => '-'.repeat(width)), ...cells.map((line) => line.map(pad))];
  return lines.map((line) => line.join('  ').trimEnd()).join('\n');
}

/** Prints {@link formatTable} to stdout. */
export function printTable<R>(columns: readonly Column<R>[], rows: readonly R[]): void {
  console.log(formatTable(columns, rows));
}

/** A number with thousands separators and at most `digits` decimals. */
export function num(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return String(value);
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Bytes as MiB with one decimal. */
export function mib(bytes: number): string {
  return num(bytes / 2 ** 20, 1);
}
