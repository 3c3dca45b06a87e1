/** ANSI colour for the text report, and the decision whether to use it. */

/**
 * Colour only on a TTY, unless the environment says otherwise:
 * - `FORCE_COLOR` set: colour on, except `FORCE_COLOR=0` / `false` (off). It wins over `NO_COLOR`, as in Node itself.
 * - `NO_COLOR` set to a non-empty value: off (https://no-color.org).
 * - otherwise: on when `stream.isTTY` and `TERM` is not `dumb`.
 */
export function shouldUseColor(stream: object, env: NodeJS.ProcessEnv = process.env): boolean {
  // `object`, not `{ isTTY?: boolean }`: a plain `Writable` has no `isTTY` and must be accepted (it is not a TTY).
  const force = env['FORCE_COLOR'];
  if (force !== undefined) {
    const v = force.trim().toLowerCase();
    return !(v === '0' || v === 'false');
  }
  const noColor = env['NO_COLOR'];
  if (noColor !== undefined && noColor !== '') return false;
  if (env['TERM'] === 'dumb') return false;
  return (stream as { readonly isTTY?: unknown }).isTTY === true;
}

export interface Paint {
  readonly bold: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly red: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly cyan: (s: string) => string;
  readonly green: (s: string) => string;
  readonly magenta: (s: string) => string;
}

const wrap = (open: number, close: number) => (s: string): string => `\x1b[${open}m${s}\x1b[${close}m`;
const plainFn = (s: string): string => s;

const COLORED: Paint = {
  bold: wrap(1, 22),
  dim: wrap(2, 22),
  red: wrap(31, 39),
  yellow: wrap(33, 39),
  cyan: wrap(36, 39),
  green: wrap(32, 39),
  magenta: wrap(35, 39),
};
const PLAIN: Paint = { bold: plainFn, dim: plainFn, red: plainFn, yellow: plainFn, cyan: plainFn, green: plainFn, magenta: plainFn };

/** Decided once per report (style habit 10): a no-op painter when colour is off. */
export function paint(color: boolean | undefined): Paint {
  return color ? COLORED : PLAIN;
}

/**
 * Escapes C0/C1 control characters (ESC, CR, BEL, …) so a file name or commit subject from a scanned repository
 * cannot drive the terminal. A plain loop, not a RegExp: these strings come from scanned content.
 */
export function printable(s: string): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || (c >= 0x80 && c < 0xa0)) {
      out += s.slice(last, i);
      out += c === 0x0a ? '\\n' : c === 0x0d ? '\\r' : c === 0x09 ? '\\t' : `\\x${c.toString(16).padStart(2, '0')}`;
      last = i + 1;
    }
  }
  return last === 0 ? s : out + s.slice(last);
}
