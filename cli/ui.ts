/**
 * Terminal output: colour and spinners only on a TTY (and never with NO_COLOR or TERM=dumb),
 * plain lines otherwise, so CI logs and pipes get no escape codes.
 */

export interface Writer {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Ui {
  readonly tty: boolean;
  readonly color: boolean;
  out(text?: string): void;
  err(text: string): void;
  json(value: unknown): void;
  style: Style;
  /** Shows a spinner with `text` on a TTY; prints `text` once otherwise. */
  progress(text: string): Progress;
}

export interface Progress {
  update(text: string): void;
  stop(finalLine?: string): void;
}

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** ANSI styles when `color` is on; identity functions otherwise. */
export function makeStyle(color: boolean): Style {
  const wrap = (open: number, close: number) => (s: string) =>
    color ? `\u001b[${open}m${s}\u001b[${close}m` : s;
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
  };
}

/**
 * Whether colour is allowed: a TTY, and neither NO_COLOR nor TERM=dumb. no-color.org: NO_COLOR
 * "when present and not an empty string" turns colour off, so `NO_COLOR=` leaves it on.
 */
export function colorEnabled(tty: boolean, env: NodeJS.ProcessEnv): boolean {
  return tty && (env.NO_COLOR ?? '') === '' && env.TERM !== 'dumb';
}

/** Builds the output helper for the given streams and environment. */
export function createUi(stdout: Writer, stderr: Writer, env: NodeJS.ProcessEnv): Ui {
  const tty = Boolean(stdout.isTTY);
  const color = colorEnabled(tty, env);
  const style = makeStyle(color);
  return {
    tty,
    color,
    style,
    out: (text = '') => stdout.write(`${text}\n`),
    err: (text) => stderr.write(`${text}\n`),
    json: (value) => stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    progress(text) {
      if (!tty) {
        stdout.write(`${text}\n`);
        let last = text;
        return {
          update(next) {
            if (next !== last) stdout.write(`${next}\n`);
            last = next;
          },
          stop(finalLine) {
            if (finalLine) stdout.write(`${finalLine}\n`);
          },
        };
      }
      let frame = 0;
      let current = text;
      const draw = () => {
        stdout.write(`\r\u001b[2K${style.cyan(FRAMES[frame % FRAMES.length]!)} ${current}`);
        frame++;
      };
      draw();
      const timer = setInterval(draw, 100);
      timer.unref();
      return {
        update(next) {
          current = next;
          draw();
        },
        stop(finalLine) {
          clearInterval(timer);
          stdout.write('\r\u001b[2K');
          if (finalLine) stdout.write(`${finalLine}\n`);
        },
      };
    },
  };
}

/** Formats a duration in milliseconds as `1h 02m`, `4m 05s` or `12s`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

/** Parses `90`, `90m`, `2h`, `1h30m` into minutes; undefined when it is not such a duration. */
export function parseMinutes(text: string): number | undefined {
  const match = /^(?:(\d+)h)?(?:(\d+)m?)?$/.exec(text.trim());
  if (!match || !text.trim()) return undefined;
  const total = Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0);
  return total > 0 ? total : undefined;
}

/** Lays out rows as aligned columns (no borders), the header first. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

export interface LiveBlock {
  /** Shows the current state: redrawn in place on a TTY, only the changed lines otherwise. */
  render(lines: string[]): void;
  /** Leaves the last state on screen. */
  done(): void;
}

/** A block of lines that follows a changing state (used by every `--watch`). */
export function liveBlock(stdout: Writer): LiveBlock {
  const tty = Boolean(stdout.isTTY);
  let drawn = 0;
  const seen = new Set<string>();
  return {
    render(lines) {
      if (tty) {
        const up = drawn > 0 ? `\u001b[${drawn}F\u001b[0J` : '';
        stdout.write(`${up}${lines.map((l) => `${l}\n`).join('')}`);
        drawn = lines.length;
        return;
      }
      for (const line of lines) {
        if (seen.has(line)) continue;
        seen.add(line);
        stdout.write(`${line}\n`);
      }
    },
    done() {
      drawn = 0;
    },
  };
}
