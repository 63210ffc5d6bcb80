/**
 * The logger contract handed to plugins and flows, with a silent and a console implementation.
 *
 * @module
 */

/** Structured fields attached to a log line. */
export type LogFields = Readonly<Record<string, unknown>>;

/** A minimal structured logger (pino, winston and console all fit behind it). */
export interface Logger {
  /** Detail for debugging. */
  debug(message: string, fields?: LogFields): void;
  /** Normal progress. */
  info(message: string, fields?: LogFields): void;
  /** Something odd that did not stop the work. */
  warn(message: string, fields?: LogFields): void;
  /** Something failed. */
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

/** A logger writing one JSON line per entry to stderr, at `minLevel` and above. */
export function createConsoleLogger(minLevel: 'debug' | 'info' | 'warn' | 'error' = 'info', bound: LogFields = {}): Logger {
  const levels = ['debug', 'info', 'warn', 'error'] as const;
  const min = levels.indexOf(minLevel);
  const line =
    (level: (typeof levels)[number]) =>
    (message: string, fields?: LogFields): void => {
      if (levels.indexOf(level) < min) return;
      process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...bound, ...fields })}\n`);
    };
  return {
    debug: line('debug'),
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
    child: (fields) => createConsoleLogger(minLevel, { ...bound, ...fields }),
  };
}
