/**
 * The only file that imports `re2` (STYLE habit 4). Scanned content never goes through JavaScript `RegExp`.
 * (lead: `checkRegex` is used by the config loader; engine owns the rest of this file.)
 *
 * Rule patterns are gitleaks / Go RE2 syntax (`(?i)`, `(?P<name>…)`, `\z`, `[[:alnum:]]`); node-re2 passes them to
 * the C++ RE2 unchanged (tested in test/core/regex.test.ts). With Buffer input node-re2 reports byte offsets
 * (`index`, `lastIndex`, and `indices` with the `d` flag), and a search started at `lastIndex` still sees the bytes
 * before it, so `\b` and `^` at the start offset are judged on the real context. One `exec` costs ~250 ns of
 * overhead whatever the buffer size (measured: 8 MiB buffer with lastIndex near the end ≈ 300 ns).
 */
import { createRequire } from 'node:module';
import { maxMatchBytes } from './regex-width.js';
import { isMainThread } from 'node:worker_threads';
import { WasmRE2, WasmRE2Set } from './re2-wasm.js';

/** The part of node-re2's API this file uses; `re2-wasm.ts` provides the same for the fallback engine. */
interface RE2 {
  lastIndex: number;
  exec(input: Buffer): { readonly index: number; readonly indices?: unknown } | null;
  test(input: Buffer | string): boolean;
}
interface RE2Set {
  match(input: Buffer): number[];
}
interface Engine {
  readonly name: RegexEngineName;
  readonly RE2: new (pattern: string, flags: string) => RE2;
  readonly Set: new (patterns: readonly string[], flags: string, options: { maxMem: number }) => RE2Set;
}

/** `native`: the `re2` npm package's C++ module; `wasm`: the same RE2 compiled to WebAssembly (slower). */
export type RegexEngineName = 'native' | 'wasm';

/** Environment variable that picks the engine: `wasm` forces the fallback, `native` refuses it. */
export const REGEX_ENGINE_ENV = 'LEAKWARD_REGEX_ENGINE';

/**
 * The native engine when it loads, else the WebAssembly one, with one line on stderr saying why and how to get the
 * native engine (the main thread only: worker threads load this module too). `re2` is an optional dependency: an
 * install without a C++ toolchain leaves it out (or half-built) and leakward still works.
 */
function loadEngine(): Engine {
  const wanted = process.env[REGEX_ENGINE_ENV];
  if (wanted !== 'wasm') {
    try {
      // `require`, not `import`: loading a CommonJS package through the ESM loader lexes its source for named
      // exports (~2 ms of every CLI start-up; re2 is loaded by every command that scans).
      const require = createRequire(import.meta.url);
      const native = require('re2') as Engine['RE2'] & { Set: Engine['Set'] };
      return { name: 'native', RE2: native, Set: native.Set };
    } catch (err) {
      const why = nativeLoadFailure(err);
      if (wanted === 'native') throw new Error(`leakward: ${REGEX_ENGINE_ENV}=native but ${why}`);
      if (isMainThread) {
        process.stderr.write(
          `leakward: ${why}; using RE2 compiled to WebAssembly, which is slower (scans take about 1.5x as long). For the native engine ` +
            'install a C++ compiler, make and Python 3, then run `npm rebuild re2` (or `npm install re2`).\n',
        );
      }
    }
  }
  return { name: 'wasm', RE2: WasmRE2, Set: WasmRE2Set };
}

function nativeLoadFailure(err: unknown): string {
  const code = typeof err === 'object' && err !== null && 'code' in err ? (err as { code: unknown }).code : undefined;
  const first = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  if (code === 'MODULE_NOT_FOUND') {
    return /re2\.node/.test(first ?? '') ? 'the native RE2 engine (npm package re2) was not built' : 'the native RE2 engine (npm package re2) is not installed';
  }
  return `the native RE2 engine (npm package re2) did not load (${first})`;
}

const engine = loadEngine();
const RE2 = engine.RE2;

/** Which engine this process matches with. */
export function regexEngine(): RegexEngineName {
  return engine.name;
}

/** Why a pattern is not valid RE2 syntax, or undefined when it compiles. */
export function checkRegex(pattern: string): string | undefined {
  try {
    new RE2(pattern, 'u');
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** How many capture groups a valid pattern has (`(?:…|)` matches the empty string, which reports them all). */
export function captureGroupCount(pattern: string): number {
  const r = new RE2(`(?:${pattern})|`, 'd').exec(Buffer.alloc(0));
  return r === null ? 0 : (r.indices as ArrayLike<unknown>).length - 1;
}

/** A pattern that RE2 rejects; `message` says why (the config loader adds file/line/rule). */
export class RegexSyntaxError extends Error {
  override readonly name = 'RegexSyntaxError';
  constructor(readonly pattern: string, readonly reason: string) {
    super(`invalid regex (RE2 syntax): ${reason}`);
  }
}

/**
 * One match, reused between calls (read it before the next `exec`). Offsets are bytes into the searched buffer.
 * `groups[2g]`, `groups[2g+1]` bound capture group g (1-based g; -1 when the group did not take part).
 */
export interface ByteMatch {
  start: number;
  end: number;
  /** Number of capture groups in the pattern. */
  groupCount: number;
  groups: number[];
}

/**
 * Counted repetitions with an upper bound at least this large are searched unbounded (see `relaxCountedRepeats`).
 * Measured on the bench corpus: generic-password's `{8,128}`, `{0,16}` … ran at 5 MB/s; relaxed, 560 MB/s, with
 * the same matches.
 */
const RELAX_MIN_BOUND = 16;
/** Failed confirmations in one `exec` before it falls back to the exact pattern alone (linear, just slower). */
const MAX_FAILED_CONFIRMS = 32;
/**
 * Candidate starts one relaxed search covers when the exact pattern's width is known: the search sees only
 * [at, at + span + width], so a relaxed match cannot run on to the end of a long line. Without the bound a relaxed
 * `{15,}` run matched to the end of a 1 MiB line at every `api_key=` of `api_key=api_key=…` (each failed confirmation
 * cost a pass over the rest of the line: quadratic).
 */
const SEARCH_SPAN = 64 << 10;

/**
 * The pattern with every counted repetition `{n,m}` (m ≥ `minBound`) turned into `{n,}`. RE2 expands a counted
 * repetition into m copies of its operand, and under `(?i)` a handful of them make the DFA's state cache overflow, so
 * RE2 falls back to its NFA, 20–100× slower. The relaxed pattern accepts a superset of the strings the exact one
 * accepts, from any start position — so its leftmost match start is never after the exact pattern's.
 * Braces inside classes, escaped braces and `{n}` are left alone.
 */
export function relaxCountedRepeats(pattern: string, minBound = RELAX_MIN_BOUND): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i]!;
    if (c === '\\') {
      out += pattern.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === '[' && pattern[i + 1] === ':') {
        // A POSIX class such as [:alnum:] inside a bracket expression.
        const close = pattern.indexOf(':]', i + 2);
        if (close !== -1) {
          out += pattern.slice(i, close + 2);
          i = close + 2;
          continue;
        }
      }
      if (c === ']') inClass = false;
      out += c;
      i++;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      i++;
      // A ']' right after '[' or '[^' is a literal member, not the end of the class.
      if (pattern[i] === '^') out += pattern[i++];
      if (pattern[i] === ']') out += pattern[i++];
      continue;
    }
    if (c === '{') {
      const close = pattern.indexOf('}', i);
      const body = close === -1 ? '' : pattern.slice(i + 1, close);
      const comma = body.indexOf(',');
      if (comma > 0 && isDigits(body.slice(0, comma)) && isDigits(body.slice(comma + 1)) && Number(body.slice(comma + 1)) >= minBound) {
        out += `{${body.slice(0, comma)},}`;
        i = close + 1;
        continue;
      }
    }
    out += c;
    i++;
  }
  return out;
}

/**
 * The pattern with every capturing group made non-capturing (`(x)`, `(?P<n>x)`, `(?<n>x)` → `(?:x)`). The relaxed
 * search only needs where a candidate starts; with capture groups RE2 extracts submatches with its NFA over the whole
 * match (~300 ns/byte), without them it stays in its DFA.
 */
export function withoutCaptures(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i]!;
    if (c === '\\') {
      out += pattern.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === '[' && pattern[i + 1] === ':') {
        const close = pattern.indexOf(':]', i + 2);
        if (close !== -1) {
          out += pattern.slice(i, close + 2);
          i = close + 2;
          continue;
        }
      }
      if (c === ']') inClass = false;
      out += c;
      i++;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      i++;
      if (pattern[i] === '^') out += pattern[i++];
      if (pattern[i] === ']') out += pattern[i++];
      continue;
    }
    if (c === '(') {
      if (pattern[i + 1] !== '?') {
        out += '(?:';
        i++;
        continue;
      }
      const named = pattern.startsWith('(?P<', i) ? 4 : pattern.startsWith('(?<', i) && pattern[i + 3] !== '=' && pattern[i + 3] !== '!' ? 3 : 0;
      if (named > 0) {
        const close = pattern.indexOf('>', i + named);
        if (close !== -1) {
          out += '(?:';
          i = close + 1;
          continue;
        }
      }
    }
    out += c;
    i++;
  }
  return out;
}

function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * A compiled RE2 pattern used over Buffers (byte offsets) and, for paths and allowlists, over short strings.
 *
 * A pattern with large counted repetitions is matched in two steps: the relaxed pattern (`relaxCountedRepeats`)
 * finds the leftmost candidate start fast, then the exact pattern, anchored there (sticky), decides and gives the
 * match. A start where the exact pattern fails is skipped; the exact pattern cannot match earlier than the relaxed
 * one, so the result is the exact pattern's leftmost-first match. After `MAX_FAILED_CONFIRMS` failures in one call
 * the exact pattern searches alone, so adversarial input costs linear time at the exact pattern's speed.
 */
export class ByteRegex {
  /** The exact pattern, searching on its own: compiled up front when there is no relaxed form, else on demand. */
  private re: RE2 | undefined;
  private readonly search: RE2 | undefined;
  /** The exact pattern, sticky: compiled at the relaxed search's first candidate (latency: most texts give none,
   * and a big exact pattern costs 5–7 ms to compile — generic-name-value-secret in every pre-commit hook). */
  private confirm: RE2 | undefined;
  private stringRe: RE2 | undefined;
  private readonly m: ByteMatch = { start: 0, end: 0, groupCount: 0, groups: [] };
  /** Longest possible exact match (bytes; Infinity when unbounded): bounds the relaxed search's view. */
  private readonly width: number = Infinity;

  constructor(readonly source: string) {
    const relaxed = relaxCountedRepeats(source);
    try {
      if (relaxed === source) {
        this.re = new RE2(source, 'gd');
      } else {
        this.search = new RE2(withoutCaptures(relaxed), 'g');
        this.width = maxMatchBytes(source, Infinity);
      }
    } catch (err) {
      throw new RegexSyntaxError(source, err instanceof Error ? err.message : String(err));
    }
  }

  /**
   * The leftmost match in `buf` starting at or after byte `from`, or null. Bytes before `from` still count as context
   * for `\b` / `^`; the end of `buf` is the end of the text (pass a subarray to bound the search).
   * Do not change a Buffer's bytes between calls that pass the same Buffer object: the WebAssembly engine copies
   * the text into its memory once per Buffer object (pass a fresh `subarray` view after refilling a buffer).
   */
  exec(buf: Buffer, from: number): ByteMatch | null {
    const search = this.search;
    if (search === undefined) return this.exact(buf, from);
    const len = buf.length;
    const width = this.width;
    let at = from;
    let span = SEARCH_SPAN;
    for (let failures = 0; failures < MAX_FAILED_CONFIRMS; ) {
      // Every exact match starting in [at, at + span) lies whole in the view, with the byte after it (for `\b`):
      // the relaxed pattern matches there too, so a search that finds nothing proves none starts in that range.
      // Matches the view's end creates (`\z`, `$`) are only candidates: the confirmation sees the whole buffer.
      const bounded = width + span + 1 < len - at;
      const view = bounded ? buf.subarray(0, at + span + width + 1) : buf;
      search.lastIndex = at;
      const candidate = search.exec(view);
      if (candidate === null) {
        if (!bounded) return null;
        at += span;
        while (at < len && (buf[at]! & 0xc0) === 0x80) at++;
        span = Math.min(SEARCH_SPAN, span * 2);
        continue;
      }
      const confirm = (this.confirm ??= this.compileExact('yd'));
      confirm.lastIndex = candidate.index;
      const r = confirm.exec(buf);
      if (r !== null) return this.fill(r);
      failures++;
      at = candidate.index + 1;
      // Resume on a character boundary: never inside a UTF-8 sequence.
      while (at < len && (buf[at]! & 0xc0) === 0x80) at++;
      if (at > len) return null;
      // where a candidate failed, relaxed matches may run long: look at a short stretch at a time
      span = Math.max(256, Math.min(SEARCH_SPAN, width));
    }
    return this.exact(buf, at);
  }

  private compileExact(flags: string): RE2 {
    try {
      return new RE2(this.source, flags);
    } catch (err) {
      throw new RegexSyntaxError(this.source, err instanceof Error ? err.message : String(err));
    }
  }

  private exact(buf: Buffer, from: number): ByteMatch | null {
    const re = (this.re ??= this.compileExact('gd'));
    re.lastIndex = from;
    const r = re.exec(buf);
    return r === null ? null : this.fill(r);
  }

  private fill(r: { readonly indices?: unknown }): ByteMatch {
    const ind = r.indices as unknown as ArrayLike<readonly [number, number] | undefined>;
    const m = this.m;
    const whole = ind[0]!;
    m.start = whole[0];
    m.end = whole[1];
    const n = ind.length - 1;
    m.groupCount = n;
    const g = m.groups;
    for (let i = 1; i <= n; i++) {
      const p = ind[i];
      g[2 * i] = p ? p[0] : -1;
      g[2 * i + 1] = p ? p[1] : -1;
    }
    return m;
  }

  /** Does the pattern match anywhere in `text`? (paths, allowlist targets: short strings). */
  test(text: string): boolean {
    this.stringRe ??= new RE2(this.source, 'u');
    return this.stringRe.test(text);
  }

  /** Same, over bytes (no string conversion). */
  testBytes(buf: Buffer): boolean {
    this.stringRe ??= new RE2(this.source, 'u');
    return this.stringRe.test(buf);
  }
}

/** Compiles a pattern for byte matching; throws RegexSyntaxError with RE2's reason. */
export function compileRegex(pattern: string): ByteRegex {
  return new ByteRegex(pattern);
}

/**
 * Several patterns at once (RE2::Set): which of them match somewhere in the buffer. Kept for the prefilter
 * benchmark (bench/core.bench.ts); the scanner uses the keyword automaton instead (faster, see the report there).
 */
export class RegexSet {
  private readonly set: RE2Set;
  constructor(patterns: readonly string[], maxMem = 64 << 20) {
    this.set = new engine.Set(patterns, 'u', { maxMem });
  }
  match(buf: Buffer): number[] {
    return this.set.match(buf);
  }
}
