/**
 * An upper bound on the number of BYTES a pattern can match, read from its RE2 syntax (our own trusted pattern
 * strings, not scanned content). The prefilter runs a rule's regex only within this distance of its keywords, and
 * the masker holds back this much. Unbounded repetition (`*`, `+`, `{n,}`) gives Infinity; callers cap it.
 *
 * Byte widths: ASCII literals and ASCII-only classes are 1 byte; `.`, negated classes, `\pL`, `\S`, non-ASCII
 * literals are 4 (any code point). Under `(?i)` RE2 folds `k` with U+212A KELVIN SIGN (3 bytes) and `s` with
 * U+017F LONG S (2 bytes), so those letters (and classes containing them) count 3. Anything this parser does not
 * understand makes the result Infinity (safe).
 */

interface State {
  readonly p: string;
  i: number;
}

class Unsupported extends Error {}

/**
 * Unbounded runs of blanks (`[ \t]*`, `\s+`, ` *`) count as at most this many characters: gitleaks-style rules put
 * them between a name and its value, and treating them as unbounded would make every such rule scan whole windows.
 * Used for the masker's hold-back; the scanner sizes keyword regions with the true width (pack-tables.ts keywordRadius).
 */
export const BLANK_RUN_CAP = 64;

/** Set by the atom parsers: the atom just parsed can only match blanks (space, tab, CR, LF, FF, VT). */
let atomIsBlank = false;

/** In force during one maxMatchBytes call. */
let blankCap = BLANK_RUN_CAP;

/**
 * Max bytes a match of `pattern` can span; Infinity when unbounded or not understood. Unbounded blank runs count
 * `blanks` characters (default BLANK_RUN_CAP; pass Infinity for a true upper bound).
 */
export function maxMatchBytes(pattern: string, blanks = BLANK_RUN_CAP): number {
  blankCap = blanks;
  try {
    const st: State = { p: pattern, i: 0 };
    const w = parseAlt(st, false);
    if (st.i !== pattern.length) return Infinity;
    return w;
  } catch {
    return Infinity;
  }
}

function utf8Len(cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

function foldWidth(cp: number, ci: boolean): number {
  if (ci && (cp === 0x6b || cp === 0x4b || cp === 0x73 || cp === 0x53)) return 3;
  return utf8Len(cp);
}

/** alternation; stops at ')' or end. `ci` is the case-insensitive flag in force at entry. */
function parseAlt(st: State, ciIn: boolean): number {
  let ci = ciIn;
  let best = 0;
  let cur = 0;
  let lastAtom = -1; // width of the last atom, for a following quantifier; -1 = none
  let beforeAtom = 0; // cur before the last atom was added
  let lastBlank = false;
  const p = st.p;
  while (st.i < p.length) {
    const c = p[st.i]!;
    if (c === ')') break;
    if (c === '|') {
      st.i++;
      best = Math.max(best, cur);
      cur = 0;
      lastAtom = -1;
      continue;
    }
    if (c === '*' || c === '+' || c === '?' || (c === '{' && isRepeat(st))) {
      if (lastAtom < 0) throw new Unsupported();
      const [min, max] = readQuantifier(st);
      void min;
      const reps = max === Infinity && lastBlank ? blankCap : max;
      cur = beforeAtom + (lastAtom === 0 || reps === 0 ? 0 : reps === Infinity ? Infinity : lastAtom * reps);
      if (p[st.i] === '?') st.i++; // lazy
      lastAtom = -1;
      continue;
    }
    let w: number;
    atomIsBlank = false;
    if (c === '(') {
      st.i++;
      if (p[st.i] === '?') {
        st.i++;
        if (p[st.i] === 'P' && p[st.i + 1] === '<') {
          skipName(st, 2);
          w = parseAlt(st, ci);
        } else if (p[st.i] === '<') {
          skipName(st, 1);
          w = parseAlt(st, ci);
        } else if (p[st.i] === ':') {
          st.i++;
          w = parseAlt(st, ci);
        } else {
          // flags: (?i) (?-i) (?i:...) (?s-i:...)
          const g = readFlagGroup(p, st.i, ci);
          if (!g) throw new Unsupported();
          st.i = g.end;
          if (!g.scoped) {
            ci = g.ci; // rest of the current group
            lastAtom = -1;
            continue;
          }
          w = parseAlt(st, g.ci);
        }
      } else {
        w = parseAlt(st, ci);
      }
      if (p[st.i] !== ')') throw new Unsupported();
      st.i++;
      atomIsBlank = false;
    } else if (c === '[') {
      w = parseClass(st, ci);
    } else if (c === '\\') {
      w = parseEscape(st, ci);
      if (w < 0) {
        // \Q...\E literal run: already summed, no quantifiable atom
        cur += -w - 1;
        lastAtom = -1;
        continue;
      }
    } else if (c === '.') {
      st.i++;
      w = 4;
    } else if (c === '^' || c === '$') {
      st.i++;
      w = 0;
    } else {
      const cp = p.codePointAt(st.i)!;
      st.i += cp > 0xffff ? 2 : 1;
      w = foldWidth(cp, ci);
      atomIsBlank = cp === 0x20 || cp === 0x09;
    }
    lastBlank = atomIsBlank;
    beforeAtom = cur;
    cur += w;
    lastAtom = w;
  }
  return Math.max(best, cur);
}

function skipName(st: State, skip: number): void {
  st.i += skip;
  const close = st.p.indexOf('>', st.i);
  if (close < 0) throw new Unsupported();
  st.i = close + 1;
}

function isRepeat(st: State): boolean {
  const p = st.p;
  let j = st.i + 1;
  let digits = 0;
  while (j < p.length && p[j]! >= '0' && p[j]! <= '9') { j++; digits++; }
  if (digits === 0) return false;
  if (p[j] === '}') return true;
  if (p[j] !== ',') return false;
  j++;
  while (j < p.length && p[j]! >= '0' && p[j]! <= '9') j++;
  return p[j] === '}';
}

function readQuantifier(st: State): [number, number] {
  const p = st.p;
  const c = p[st.i]!;
  st.i++;
  if (c === '*') return [0, Infinity];
  if (c === '+') return [1, Infinity];
  if (c === '?') return [0, 1];
  const close = p.indexOf('}', st.i);
  const body = p.slice(st.i, close);
  st.i = close + 1;
  const comma = body.indexOf(',');
  if (comma < 0) {
    const n = Number(body);
    return [n, n];
  }
  const min = Number(body.slice(0, comma));
  const maxText = body.slice(comma + 1);
  return [min, maxText === '' ? Infinity : Number(maxText)];
}

/** Width of an escape atom; for `\Q…\E` returns -(len+1) with len the literal run's byte width. */
function parseEscape(st: State, ci: boolean): number {
  const p = st.p;
  st.i++; // backslash
  const c = p[st.i];
  if (c === undefined) throw new Unsupported();
  st.i++;
  switch (c) {
    case 's': case 'n': case 't': case 'r': case 'f': case 'v':
      atomIsBlank = true;
      return 1;
    case 'd': case 'w': case 'a': case 'C':
      return 1;
    case 'D': case 'W': case 'S':
      return 4;
    case 'b': case 'B': case 'A': case 'z':
      return 0;
    case 'p': case 'P':
      if (p[st.i] === '{') {
        const close = p.indexOf('}', st.i);
        if (close < 0) throw new Unsupported();
        st.i = close + 1;
      } else {
        st.i++;
      }
      return 4;
    case 'x': {
      let cp: number;
      if (p[st.i] === '{') {
        const close = p.indexOf('}', st.i);
        cp = parseInt(p.slice(st.i + 1, close), 16);
        st.i = close + 1;
      } else {
        cp = parseInt(p.slice(st.i, st.i + 2), 16);
        st.i += 2;
      }
      if (Number.isNaN(cp)) throw new Unsupported();
      return foldWidth(cp, ci);
    }
    case 'Q': {
      let end = p.indexOf('\\E', st.i);
      if (end < 0) end = p.length;
      let w = 0;
      for (let j = st.i; j < end; ) {
        const cp = p.codePointAt(j)!;
        j += cp > 0xffff ? 2 : 1;
        w += foldWidth(cp, ci);
      }
      st.i = Math.min(p.length, end + 2);
      return -(w + 1);
    }
    default:
      if (c >= '0' && c <= '7') {
        while (st.i < p.length && p[st.i]! >= '0' && p[st.i]! <= '7') st.i++;
        return 1;
      }
      if (/[A-Za-z]/.test(c)) throw new Unsupported(); // unknown letter escape
      return foldWidth(c.codePointAt(0)!, ci);
  }
}

/** A bracket class: 1 (ASCII only), 3 (ASCII with k/s under (?i)), 4 (may match non-ASCII). */
function parseClass(st: State, ci: boolean): number {
  const p = st.p;
  st.i++; // [
  let wide = false;
  let foldK = false;
  if (p[st.i] === '^') {
    wide = true;
    st.i++;
  }
  let first = true;
  let blank = true; // every member so far is a blank
  let prev = -1; // previous single code point, for ranges
  while (st.i < p.length) {
    const c = p[st.i]!;
    if (c === ']' && !first) {
      st.i++;
      atomIsBlank = blank && !wide;
      if (wide) return 4;
      return foldK && ci ? 3 : 1;
    }
    first = false;
    if (c === '[' && p[st.i + 1] === ':') {
      const close = p.indexOf(':]', st.i + 2);
      if (close < 0) throw new Unsupported();
      const name = p.slice(st.i + 2, close);
      if (name.startsWith('^')) wide = true;
      if (name !== 'space' && name !== 'blank') blank = false;
      if (/^\^?(alpha|alnum|word|lower|upper|print|graph|ascii)$/.test(name)) foldK = true;
      st.i = close + 2;
      prev = -1;
      continue;
    }
    let cp: number;
    if (c === '\\') {
      const e = p[st.i + 1];
      if (e === undefined) throw new Unsupported();
      if ('dswDSWpP'.includes(e)) {
        if ('DSWpP'.includes(e)) wide = true;
        if (e !== 's') blank = false;
        if (e === 'w') foldK = true;
        if ((e === 'p' || e === 'P') && p[st.i + 2] === '{') st.i = p.indexOf('}', st.i) + 1;
        else st.i += (e === 'p' || e === 'P') ? 3 : 2;
        prev = -1;
        continue;
      }
      if (e === 'x') {
        if (p[st.i + 2] === '{') {
          const close = p.indexOf('}', st.i);
          cp = parseInt(p.slice(st.i + 3, close), 16);
          st.i = close + 1;
        } else {
          cp = parseInt(p.slice(st.i + 2, st.i + 4), 16);
          st.i += 4;
        }
        if (Number.isNaN(cp)) throw new Unsupported();
      } else {
        const map: Record<string, number> = { n: 10, t: 9, r: 13, f: 12, v: 11, a: 7 };
        cp = map[e] ?? e.codePointAt(0)!;
        st.i += 2;
      }
    } else {
      cp = p.codePointAt(st.i)!;
      st.i += cp > 0xffff ? 2 : 1;
    }
    if (p[st.i] === '-' && p[st.i + 1] !== ']' && prev === -1) {
      // range start: remember and consume '-'
      st.i++;
      prev = cp;
      continue;
    }
    const lo = prev === -1 ? cp : prev;
    const hi = cp;
    prev = -1;
    if (!(lo === hi && (lo === 0x20 || (lo >= 0x09 && lo <= 0x0d)))) blank = false;
    if (hi >= 0x80) wide = true;
    if ((lo <= 0x6b && hi >= 0x6b) || (lo <= 0x4b && hi >= 0x4b) || (lo <= 0x73 && hi >= 0x73) || (lo <= 0x53 && hi >= 0x53)) {
      foldK = true;
    }
  }
  throw new Unsupported();
}

/**
 * A flag group at `p[i]` (just after `(?`): `i)` / `-i)` change the flags for the rest of the enclosing group
 * (`scoped` false), `i:` / `s-i:` open a group with them (`scoped` true). `end` is the index after `)` or `:`;
 * `ci` the case-insensitivity in force after it. Undefined for a flag RE2 has that these analyses do not model.
 */
export function readFlagGroup(p: string, i: number, ci: boolean): { ci: boolean; scoped: boolean; end: number } | undefined {
  let neg = false;
  let flagCi = ci;
  while (i < p.length && p[i] !== ')' && p[i] !== ':') {
    const f = p[i]!;
    if (f === '-') neg = true;
    else if (f === 'i') flagCi = !neg;
    else if (f !== 'm' && f !== 's' && f !== 'U') return undefined;
    i++;
  }
  if (i >= p.length) return undefined;
  return { ci: flagCi, scoped: p[i] === ':', end: i + 1 };
}
