/**
 * Runs the real `karbor` CLI (python3-karborclient 2.1.0, the Debian package) against a test
 * API, and reads what it prints: prettytable tables (lists, and the Property/Value tables of
 * show, create and update) and the Python bytes repr it writes errors in.
 *
 * The CLI is run in no-auth mode: `karbor --os-no-client-auth --karbor-url <base> --os-auth-token
 * <token> ...`, with a clean environment (no `OS_*`, `ALL_TENANTS` or `KARBORCLIENT_DEBUG` from
 * the caller's shell leaks in).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';

/** Where the Debian package installs the CLI. */
export const KARBOR_CLI = '/usr/bin/karbor';

/** Why a CLI test cannot run, when the CLI is missing. */
export const KARBOR_CLI_MISSING =
  `The karbor CLI is not installed at ${KARBOR_CLI}: run \`bash scripts/karbor-client-up.sh\` ` +
  '(as root; it installs the Debian package python3-karborclient) and run the tests again.';

/** Throws {@link KARBOR_CLI_MISSING} when the CLI is not installed. */
export function assertKarborCli(): void {
  if (!existsSync(KARBOR_CLI)) throw new Error(KARBOR_CLI_MISSING);
}

/** What one CLI invocation did. */
export interface KarborCliResult {
  /** The exit code (0 success, 1 a failed command, 2 a usage error). */
  readonly code: number;
  /** What it printed on stdout (the tables). */
  readonly stdout: string;
  /** What it printed on stderr (the errors, as a Python bytes repr). */
  readonly stderr: string;
  /** The subcommand and its arguments, for messages. */
  readonly command: string;
}

/** Runs CLI subcommands with one token against one base URL. */
export interface KarborCli {
  /** Runs `karbor <args>`; resolves whatever the exit code. */
  run(...args: string[]): Promise<KarborCliResult>;
  /** Runs `karbor <args>` and returns its stdout; rejects (with its stderr) unless it exits 0. */
  ok(...args: string[]): Promise<string>;
}

/**
 * A CLI bound to `base` (`http://host:port/v1/<project>`, used verbatim as `--karbor-url`) and
 * `token` (sent verbatim as `X-Auth-Token`).
 */
export function karborCli(base: string, token: string, timeoutMs = 120_000): KarborCli {
  const run = (...args: string[]): Promise<KarborCliResult> => {
    assertKarborCli();
    const command = args.join(' ');
    const argv = ['--os-no-client-auth', '--karbor-url', base, '--os-auth-token', token, ...args];
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? tmpdir(), LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
    return new Promise((resolve, reject) => {
      execFile(KARBOR_CLI, argv, { env, timeout: timeoutMs, maxBuffer: 16 << 20, encoding: 'utf8' }, (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`karbor ${command} did not run to an exit code (${error.message}); stderr: ${stderr}`));
          return;
        }
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr, command });
      });
    });
  };
  return {
    run,
    async ok(...args) {
      const result = await run(...args);
      if (result.code !== 0) {
        throw new Error(`karbor ${result.command} exited ${result.code}\nstderr: ${errorText(result.stderr)}\nstdout: ${result.stdout}`);
      }
      return result.stdout;
    },
  };
}

/** A parsed prettytable: its column titles and one record per row (title → cell text). */
export interface CliTable {
  /** The column titles, in order. */
  readonly columns: readonly string[];
  /** The rows; a multi-line cell's lines are joined with `\n` (indentation kept). */
  readonly rows: readonly Readonly<Record<string, string>>[];
}

const BORDER = /^\+(?:-+\+)+$/;

/**
 * Every prettytable in `text`. Column bounds come from the `+----+` border (so a `|` inside a
 * cell does no harm). A line whose first cell is blank continues the previous row: this is how
 * prettytable prints multi-line cells (pretty JSON, the checkpoint's "Name: …\nId: …").
 */
export function parseTables(text: string): CliTable[] {
  const tables: CliTable[] = [];
  const lines = text.split('\n').map((line) => line.trimEnd());
  for (let at = 0; at < lines.length; at++) {
    if (!BORDER.test(lines[at]!) || !lines[at + 1]?.startsWith('|') || !BORDER.test(lines[at + 2] ?? '')) continue;
    const border = lines[at]!;
    const bounds = [...border].flatMap((char, index) => (char === '+' ? [index] : []));
    const cells = (line: string): string[] => bounds.slice(0, -1).map((start, index) => line.slice(start + 2, bounds[index + 1]! - 1).trimEnd());
    const columns = cells(lines[at + 1]!).map((title) => title.trim());
    const rows: Record<string, string>[] = [];
    for (at += 3; at < lines.length && lines[at]!.startsWith('|'); at++) {
      const values = cells(lines[at]!);
      const previous = rows.at(-1);
      if (values[0]!.trim() === '' && previous) {
        values.forEach((value, index) => {
          if (value.trim() === '') return;
          const column = columns[index]!;
          previous[column] = previous[column] === '' ? value : `${previous[column]}\n${value}`;
        });
      } else rows.push(Object.fromEntries(columns.map((column, index) => [column, values[index]!])));
    }
    tables.push({ columns, rows });
  }
  return tables;
}

/** The one table `text` holds; throws (showing the text) when there is not exactly one. */
export function parseTable(text: string): CliTable {
  const tables = parseTables(text);
  if (tables.length !== 1) throw new Error(`Expected one table in the karbor output, found ${tables.length}:\n${text}`);
  return tables[0]!;
}

/** The Property → Value table that show, create and update print, as an object. */
export function parseProperties(text: string): Record<string, string> {
  const table = parseTable(text);
  if (table.columns.join() !== 'Property,Value') throw new Error(`Expected a Property/Value table, got columns ${table.columns.join(', ')}:\n${text}`);
  return Object.fromEntries(table.rows.map((row) => [row['Property']!, row['Value']!]));
}

/**
 * The message the CLI printed on stderr. It prints exceptions as a Python bytes repr
 * (`b'Plan X not found (HTTP 404) (Request-ID: req-…)'`); this undoes the repr's quoting.
 */
export function errorText(stderr: string): string {
  const text = stderr.trim();
  const repr = /^b(['"])([\s\S]*)\1$/.exec(text);
  if (!repr) return text;
  return repr[2]!.replace(/\\(x[0-9a-fA-F]{2}|[\\'"nrt])/g, (_, escape: string) =>
    escape.startsWith('x') ? String.fromCharCode(parseInt(escape.slice(1), 16)) : ({ n: '\n', r: '\r', t: '\t' } as Record<string, string>)[escape] ?? escape,
  );
}
