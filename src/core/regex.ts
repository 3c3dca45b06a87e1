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
import RE2 from 're2';

/** Why a pattern is not valid RE2 syntax, or undefined when it compiles. */
export function checkRegex(pattern: string): string | undefined {
  try {
    new RE2(pattern, 'u');
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
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

/** A compiled RE2 pattern used over Buffers (byte offsets) and, for paths and allowlists, over short strings. */
export class ByteRegex {
  private readonly re: RE2;
  private stringRe: RE2 | undefined;
  private readonly m: ByteMatch = { start: 0, end: 0, groupCount: 0, groups: [] };

  constructor(readonly source: string) {
    try {
      this.re = new RE2(source, 'gd');
    } catch (err) {
      throw new RegexSyntaxError(source, err instanceof Error ? err.message : String(err));
    }
  }

  /**
   * The leftmost match in `buf` starting at or after byte `from`, or null. Bytes before `from` still count as context
   * for `\b` / `^`; the end of `buf` is the end of the text (pass a subarray to bound the search).
   */
  exec(buf: Buffer, from: number): ByteMatch | null {
    const re = this.re;
    re.lastIndex = from;
    const r = re.exec(buf);
    if (r === null) return null;
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
  private readonly set: InstanceType<typeof RE2.Set>;
  constructor(patterns: readonly string[], maxMem = 64 << 20) {
    this.set = new RE2.Set(patterns, 'u', { maxMem });
  }
  match(buf: Buffer): number[] {
    return this.set.match(buf);
  }
}
