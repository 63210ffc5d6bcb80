/**
 * A dependency-free progress bar, on stdout with the steps it belongs to. On a terminal it
 * redraws one line in place; when the stream is not a terminal (a pipe, a log file, a test) it
 * writes a line only when the bar passes another quarter, so logs stay short.
 */

/** A progress bar for one long step. */
export interface ProgressBar {
  /** Shows `percent` (0–100) with a short detail such as `3/5 resources`. */
  update(percent: number, detail?: string): void;
  /** Ends the bar's line. */
  done(): void;
}

const WIDTH = 30;

/** Formats bytes as B, KiB, MiB or GiB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Starts a bar labelled `label` on `stream` (stdout by default). */
export function createProgressBar(label: string, stream: NodeJS.WriteStream = process.stdout): ProgressBar {
  const live = stream.isTTY === true;
  let lastQuarter = -1;
  let last = '';
  const render = (percent: number, detail: string): string => {
    const filled = Math.round((WIDTH * percent) / 100);
    return `    ${label} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${percent.toFixed(0).padStart(3)}%${detail ? `  ${detail}` : ''}`;
  };
  return {
    update(percent, detail = '') {
      const clamped = Math.max(0, Math.min(100, percent));
      last = render(clamped, detail);
      if (live) stream.write(`\r${last}\x1b[K`);
      else {
        const quarter = Math.floor(clamped / 25);
        if (quarter > lastQuarter) {
          lastQuarter = quarter;
          stream.write(`${last}\n`);
        }
      }
    },
    done() {
      if (live && last !== '') stream.write('\n');
    },
  };
}
