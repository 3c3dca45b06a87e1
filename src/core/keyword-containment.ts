/**
 * Does every match of a rule's regex contain one of its keywords (as the keyword automaton sees them: ASCII
 * case-insensitively)? Read from the pattern's RE2 syntax (our trusted rule strings, never scanned content).
 *
 * When it does, running the rule only around keyword occurrences finds every match a whole-fragment run finds
 * (gitleaks' semantics); when it cannot be proven, the scanner runs the rule over the whole window once one of its
 * keywords occurs there. The analysis is conservative: `true` only when proven; anything not understood is `false`.
 *
 * Proof shape: every string a run of consecutive literal atoms can match contains a keyword, in every branch of
 * every alternation on the way. Literal atoms: characters, small ASCII classes (`[pe]`), alternations of literals,
 * and small repeats of them (`[_-]?`); groups and quantifiers with a minimum ≥ 1 pass a proof through.
 * Not modelled: under `(?i)` RE2 also folds `k` with U+212A KELVIN SIGN and `s` with U+017F LONG S, which the
 * ASCII keyword automaton does not see as `k`/`s` (the keyword filter itself misses those spellings too).
 */
import { readFlagGroup } from './regex-width.js';

interface Node {
  /** every match contains a keyword */
  readonly must: boolean;
  /** the node matches only these (lower-cased) strings, when they are few and fixed */
  readonly lits: readonly string[] | null;
  /** every match starts with one of these (lower-cased) strings; [''] when nothing is known */
  readonly first: readonly string[];
  /** every match ends with one of these */
  readonly last: readonly string[];
}

function exact(lits: readonly string[]): Node {
  return { must: false, lits, first: lits, last: lits };
}

class Unsupported extends Error {}

/** Largest literal set followed through a pattern (`xox[pe]-`, `access[_-]?key`); larger sets end the run. */
const MAX_LITS = 64;

const NONE: Node = { must: false, lits: null, first: [''], last: [''] };

function cross(a: readonly string[], b: readonly string[]): string[] | null {
  if (a.length * b.length > MAX_LITS) return null;
  const out = new Set<string>();
  for (const x of a) for (const y of b) out.add(x + y);
  return [...out];
}

interface State {
  readonly p: string;
  i: number;
  readonly kws: readonly string[];
}

export function matchesContainKeyword(pattern: string, keywords: readonly string[]): boolean {
  const kws = keywords.filter((k) => k.length > 0).map((k) => k.toLowerCase());
  if (kws.length === 0) return false;
  try {
    const st: State = { p: pattern, i: 0, kws };
    const n = parseAlt(st, false);
    return st.i === pattern.length && n.must;
  } catch {
    return false;
  }
}

function hasKeyword(run: string, kws: readonly string[]): boolean {
  for (const k of kws) if (run.includes(k)) return true;
  return false;
}

function parseAlt(st: State, ciIn: boolean): Node {
  const branches: Node[] = [];
  let ci = ciIn;
  for (;;) {
    const [node, ciAfter] = parseSeq(st, ci);
    ci = ciAfter;
    branches.push(node);
    if (st.p[st.i] === '|') {
      st.i++;
      continue;
    }
    break;
  }
  if (branches.length === 1) return branches[0]!;
  const must = branches.every((b) => b.must);
  const union = (sets: (readonly string[] | null)[]): string[] | null => {
    if (sets.some((x) => x === null)) return null;
    const u = [...new Set(sets.flatMap((x) => x!))];
    return u.length <= MAX_LITS ? u : null;
  };
  return {
    must,
    lits: union(branches.map((b) => b.lits)),
    first: union(branches.map((b) => b.first)) ?? [''],
    last: union(branches.map((b) => b.last)) ?? [''],
  };
}

/** One branch: returns the node and the case flag in force at its end (a bare `(?i)` lasts to the group's end). */
function parseSeq(st: State, ciIn: boolean): [Node, boolean] {
  let ci = ciIn;
  let must = false;
  let run: string[] = [''];
  let allLit = true;
  let first: string[] | null = null; // set at the first atom that is not an exact literal set
  const p = st.p;
  while (st.i < p.length && p[st.i] !== '|' && p[st.i] !== ')') {
    let atom: Node;
    const c = p[st.i]!;
    if (c === '(') {
      st.i++;
      let innerCi = ci;
      if (p[st.i] === '?') {
        st.i++;
        if (p[st.i] === 'P' && p[st.i + 1] === '<') skipName(st, 2);
        else if (p[st.i] === '<') skipName(st, 1);
        else if (p[st.i] === ':') st.i++;
        else {
          const g = readFlagGroup(p, st.i, ci);
          if (!g) throw new Unsupported();
          st.i = g.end;
          if (!g.scoped) {
            ci = g.ci;
            continue; // a flag change matches nothing
          }
          innerCi = g.ci;
        }
      }
      atom = parseAlt(st, innerCi);
      if (p[st.i] !== ')') throw new Unsupported();
      st.i++;
    } else if (c === '[') {
      atom = parseClass(st);
    } else if (c === '\\') {
      const e = p[st.i + 1];
      if (e === undefined || e === 'Q' || e === 'E') throw new Unsupported();
      st.i += 2;
      atom = /[A-Za-z0-9]/.test(e) ? NONE : literal(e);
      if (e === 'p' || e === 'P') skipProperty(st);
      else if (e === 'x') skipHex(st);
    } else if (c === '*' || c === '+' || c === '?' || c === '{') {
      throw new Unsupported(); // a quantifier with nothing before it
    } else {
      const cp = p.codePointAt(st.i)!;
      st.i += cp > 0xffff ? 2 : 1;
      atom = c === '.' || c === '^' || c === '$' || cp > 0x7f ? NONE : literal(c);
    }
    const q = readQuantifier(st);
    if (q !== null) atom = repeat(atom, q[0], q[1]);
    const next = atom.lits !== null ? cross(run, atom.lits) : null;
    if (next !== null) {
      run = next;
      if (run.every((r) => hasKeyword(r, st.kws))) must = true;
    } else {
      // the run continues into the atom's first characters, and the atom's last characters start a new run
      const into = cross(run, atom.first);
      if (into !== null && into.every((r) => hasKeyword(r, st.kws))) must = true;
      if (allLit) first = into ?? run;
      allLit = false;
      run = [...atom.last];
      if (atom.must) must = true;
    }
  }
  if (allLit) return [{ ...exact(run), must }, ci];
  return [{ must, lits: null, first: first ?? [''], last: run }, ci];
}

function literal(ch: string): Node {
  return exact([ch.toLowerCase()]);
}

/** `atom{min,max}`: a literal set is expanded while small (`x?` = {'', x}); otherwise only `must` survives a min ≥ 1. */
function repeat(atom: Node, min: number, max: number): Node {
  if (atom.lits !== null && max !== Infinity && max <= 8) {
    let all: string[] = [];
    let cur: string[] | null = [''];
    for (let n = 0; n <= max && cur !== null; n++) {
      if (n >= min) all.push(...cur);
      if (n < max) cur = cross(cur, atom.lits);
    }
    if (cur !== null) {
      all = [...new Set(all)];
      if (all.length <= MAX_LITS) return { ...exact(all), must: min >= 1 && atom.must };
    }
  }
  if (min === 0) return NONE;
  return { must: atom.must, lits: null, first: atom.first, last: atom.last };
}

/** A class of a few ASCII characters (no ranges, no escapes of letters) is a literal set. */
function parseClass(st: State): Node {
  const p = st.p;
  let j = st.i + 1;
  const members: string[] = [];
  let plain = p[j] !== '^';
  if (p[j] === ']') { members.push(']'); j++; }
  for (; j < p.length && p[j] !== ']'; j++) {
    const c = p[j]!;
    if (c === '\\') {
      const e = p[j + 1];
      if (e === undefined) throw new Unsupported();
      if (/[A-Za-z0-9]/.test(e)) plain = false;
      if (e === 'p' || e === 'P') {
        plain = false;
        j++;
        if (p[j + 1] === '{') { const close = p.indexOf('}', j); if (close < 0) throw new Unsupported(); j = close; }
        else j++;
        continue;
      }
      members.push(e);
      j++;
    } else if (c === '[' && p[j + 1] === ':') {
      const e = p.indexOf(':]', j + 2);
      if (e < 0) throw new Unsupported();
      plain = false;
      j = e + 1;
    } else {
      // a '-' between two members is a range (not followed); first or last it is itself
      if ((c === '-' && members.length > 0 && p[j + 1] !== ']') || c.charCodeAt(0) > 0x7f) plain = false;
      members.push(c);
    }
  }
  if (j >= p.length) throw new Unsupported();
  st.i = j + 1;
  if (!plain || members.length === 0 || members.length > 16) return NONE;
  const lits = new Set<string>();
  for (const m of members) {
    const l = literal(m).lits;
    if (l === null) return NONE;
    lits.add(l[0]!);
  }
  return exact([...lits]);
}

function skipName(st: State, prefix: number): void {
  const close = st.p.indexOf('>', st.i + prefix);
  if (close < 0) throw new Unsupported();
  st.i = close + 1;
}

function skipProperty(st: State): void {
  if (st.p[st.i] === '{') {
    const close = st.p.indexOf('}', st.i);
    if (close < 0) throw new Unsupported();
    st.i = close + 1;
  } else st.i++;
}

function skipHex(st: State): void {
  if (st.p[st.i] === '{') {
    const close = st.p.indexOf('}', st.i);
    if (close < 0) throw new Unsupported();
    st.i = close + 1;
  } else st.i += 2;
}

/** Reads a quantifier if one follows; returns [min, max], or null when none. */
function readQuantifier(st: State): [number, number] | null {
  const p = st.p;
  const c = p[st.i];
  let min: number;
  let max: number;
  if (c === '*') { min = 0; max = Infinity; st.i++; }
  else if (c === '?') { min = 0; max = 1; st.i++; }
  else if (c === '+') { min = 1; max = Infinity; st.i++; }
  else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(st.i));
    if (!m) return null; // a literal '{' (RE2 reads it so); the caller sees it as the next atom
    min = Number(m[1]);
    max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    st.i += m[0].length;
  } else return null;
  if (p[st.i] === '?') st.i++; // lazy
  if (p[st.i] === '*' || p[st.i] === '+' || p[st.i] === '{') throw new Unsupported();
  return [min, max];
}
