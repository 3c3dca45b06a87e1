/**
 * The matcher: runs a compiled rule set over one window of bytes and returns candidate matches with their secret
 * spans, after rule checks, allowlists, inline suppressions, decoding and de-duplication.
 *
 * Plan for one window (`scan`):
 * 1. One pass of the keyword automaton over the window records keyword occurrences.
 * 2. Each occurrence opens a region [start − radius, end + radius] for every rule with that keyword, where radius
 *    is the rule's longest possible match when every match provably contains one of its keywords
 *    (keyword-containment.ts), else WHOLE_WINDOW: as gitleaks, the rule then runs over the whole window (our
 *    fragment) once one of its keywords occurs in it. Overlapping regions of a rule are merged, so a rule's regex
 *    never runs twice over the same bytes. Rules without keywords get the whole window.
 * 3. Each (rule, region) pair is one RE2 search over `window[0, regionEnd)` from regionStart (the bytes before
 *    regionStart are context for `\b` and `^`).
 * 4. Matches go through the secretGroup choice, entropy (must be > rule.entropy, as gitleaks) and the validator.
 * 5. Encoded segments (decoders.ts) whose start lies in the window's own range are decoded and scanned again with
 *    the full rule set, recursively to maxDecodeDepth; results map back to encoded spans.
 * 6. Allowlists, inline `leakward:allow` / `gitleaks:allow` / `pragma: allowlist secret` mark candidates allowed.
 * 7. De-duplication: the same rule seeing the same place in plain and decoded text reports once (the decoded one
 *    unless both secrets are equal); a generic rule's candidate is dropped when a specific rule's candidate
 *    (allowed or not) overlaps its secret span.
 */
import { CompiledAllowlist, type FragmentVerdict } from './allowlist.js';
import { findSegments, mapSpan, type Segment } from './decoders.js';
import { shannonEntropy } from './entropy.js';
import { automatonFor, isChecked } from './pack-tables.js';
import { HitList, type KeywordAutomaton } from './prefilter.js';
import { ByteRegex } from './regex.js';
import type { AllowlistSpec, RuleSpec } from './types.js';
import type { Validator } from './validators.js';
import { PATH_DOC_EXAMPLES, PATH_TEST_FIXTURE, PATH_TYPE_DECLARATIONS, PATH_YAML_JSON, inCommentLine, inExamplesBlock, inLongLine, inUrn } from './text-context.js';
import {
  echoesName, isDocumentationUrlCredential, isIdentifierShaped, isNonRandomUuid, isPlaceholderValue, isUrlWithoutPassword, looksRandom,
  urlCredentialParts,
} from './value-signals.js';
import { ruleSeverity, type Severity } from './severity.js';

/** Longest match the scanner guarantees to see whole (bytes): also the window overlap. PEM key blocks fit. */
export const MAX_MATCH = 16 << 10;

/** A rule radius that makes one keyword occurrence open the whole window (see keywordRadius in pack-tables.ts). */
export const WHOLE_WINDOW = 1 << 30;

const INLINE_ALLOW = [Buffer.from('leakward:allow'), Buffer.from('gitleaks:allow'), Buffer.from('pragma: allowlist secret')];

/**
 * gitleaks-style rules start with an identifier prefix such as `(?i)[\w.-]{0,40}?` that only widens `match` to the
 * variable name; it multiplies RE2's DFA size (generic-api-key: 22 MB/s with it, 126 MB/s without, measured on
 * mixed source). Such a prefix is cut off at construction: the rest of the pattern runs alone, and the match start
 * is then extended backwards over up to N bytes of the class (bounded by the previous match). For the leftmost
 * match this gives the same secret and, but for pathological overlaps, the same match as the full pattern.
 */
interface LazyPrefix {
  readonly core: string;
  /** by ASCII byte: 1 if the prefix class matches it (non-ASCII bytes never extend) */
  readonly table: Uint8Array;
  readonly max: number;
}

const prefixTables = new Map<string, Uint8Array>();

export function splitLazyPrefix(pattern: string): LazyPrefix | undefined {
  let i = 0;
  let flags = '';
  if (pattern.startsWith('(?')) {
    const close = pattern.indexOf(')');
    const f = pattern.slice(2, close);
    if (close < 0 || !/^[imsU]+$/.test(f)) return undefined;
    flags = pattern.slice(0, close + 1);
    i = close + 1;
  }
  if (pattern[i] !== '[' || pattern[i + 1] === '^') return undefined;
  // class end
  let j = i + 1;
  if (pattern[j] === ']') j++;
  for (; j < pattern.length && pattern[j] !== ']'; j++) {
    if (pattern[j] === '\\') j++;
    else if (pattern[j] === '[' && pattern[j + 1] === ':') {
      const e = pattern.indexOf(':]', j + 2);
      if (e < 0) return undefined;
      j = e + 1;
    }
  }
  if (j >= pattern.length) return undefined;
  const cls = pattern.slice(i, j + 1);
  const rep = /^\{0,(\d+)\}\??/.exec(pattern.slice(j + 1));
  if (!rep) return undefined;
  const max = Number(rep[1]);
  const rest = pattern.slice(j + 1 + rep[0].length);
  if (rest === '' || '*+?{'.includes(rest[0]!) || hasTopLevelBar(rest)) return undefined;
  const key = flags + cls;
  let table = prefixTables.get(key);
  if (!table) {
    table = new Uint8Array(256);
    const re = new ByteRegex(`${flags}^${cls}$`);
    for (let b = 0; b < 128; b++) table[b] = re.test(String.fromCharCode(b)) ? 1 : 0;
    prefixTables.set(key, table);
  }
  return { core: flags + rest, table, max };
}

function hasTopLevelBar(p: string): boolean {
  let depth = 0;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') i++;
    else if (c === '[') {
      i++;
      if (p[i] === '^') i++;
      if (p[i] === ']') i++;
      for (; i < p.length && p[i] !== ']'; i++) {
        if (p[i] === '\\') i++;
        else if (p[i] === '[' && p[i + 1] === ':') i = p.indexOf(':]', i + 2) + 1;
      }
    } else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) return true;
  }
  return false;
}

export class CompiledRule {
  private re: ByteRegex | undefined;
  private prefix: LazyPrefix | undefined | null = null;
  readonly generic: boolean;
  readonly entropy: number;
  readonly high: boolean;
  readonly severity: Severity;
  /** a password rule: human-chosen values may be word-like, so only dotted/slashed identifiers count as code */
  readonly password: boolean;
  /** the secret is a URL's password (`scheme://user:password@host`) */
  readonly urlPassword: boolean;
  keywordIds: number[] = [];

  constructor(
    readonly index: number,
    readonly spec: RuleSpec,
    /** indices (into the scanner's allowlist table) of the rule-level allowlists, then the global ones that target it */
    readonly allowlistIds: Int32Array,
    readonly pathRe: ByteRegex | undefined,
    readonly validator: Validator | undefined,
    /** how far from a keyword a match can reach (bytes) */
    readonly radius: number,
  ) {
    this.generic = spec.id.startsWith('generic') || (spec.tags ?? []).includes('generic');
    this.entropy = spec.entropy ?? 0;
    this.high = spec.confidence === 'high';
    this.severity = ruleSeverity(spec);
    const tags = spec.tags ?? [];
    this.password = spec.id.includes('password') || tags.includes('password') || tags.includes('type:password');
    this.urlPassword = tags.includes('uri') || spec.id.endsWith('-uri');
  }

  get id(): string {
    return this.spec.id;
  }

  /** Compiled on first use, so start-up stays cheap (the prefix split too). */
  get regex(): ByteRegex {
    if (this.re) return this.re;
    this.prefix = splitLazyPrefix(this.spec.regex!);
    return (this.re = new ByteRegex(this.prefix ? this.prefix.core : this.spec.regex!));
  }

  /** The cut-off identifier prefix, once `regex` was read. */
  get lazyPrefix(): LazyPrefix | undefined {
    return this.prefix ?? undefined;
  }
}

/** What the scanner knows about the current fragment, computed once per fragment. */
export interface FragmentContext {
  /** by rule index: 1 = run the rule in this fragment */
  readonly active: Uint8Array;
  /** by allowlist index: 0 = deny, 1 = allow (whole fragment), 2 = check per finding */
  readonly verdicts: Uint8Array;
  /** text-context.ts path kind flags of the fragment (0 when absent) */
  readonly kind?: number;
}

export interface Candidate {
  readonly rule: CompiledRule;
  /** whole match, in window coordinates (the encoded span for decoded candidates) */
  start: number;
  end: number;
  /** secret span, in window coordinates */
  sStart: number;
  sEnd: number;
  /** position deciding which window reports it: match start, or the encoded segment's start */
  owner: number;
  readonly secret: string;
  readonly match: string;
  readonly entropy: number;
  readonly decodedBy: readonly string[] | undefined;
  allowed: boolean;
  dropped: boolean;
}

export interface MatcherOptions {
  readonly maxDecodeDepth: number;
  /** the scanner's allowlist table (CompiledRule.allowlistIds and FragmentContext.verdicts index it) */
  readonly allowlists: readonly LazyAllowlist[];
}

/**
 * An allowlist whose regexes are compiled when first needed: most lists are only ever consulted for a candidate,
 * and compiling the pack's ~100 allowlist regexes up front was half of `createScanner` (~7 ms of start-up).
 * A spec the config loader did not check (a Config built in code) is compiled at once, so a bad pattern still
 * fails at construction.
 */
export class LazyAllowlist {
  private c: CompiledAllowlist | undefined;
  /** no `paths`, no `commits`: the fragment never changes its verdict */
  readonly fixed: boolean;
  /** the verdict when no path or commit of the list matches: 0 = deny, 2 = check per candidate */
  readonly baseVerdict: 0 | 2;
  readonly pathSources: readonly string[];
  readonly hasCommits: boolean;
  private readonly perCandidate: boolean;
  private readonly and: boolean;
  private readonly targets: ReadonlySet<string> | undefined;

  constructor(readonly spec: AllowlistSpec) {
    if (!isChecked(spec)) this.c = new CompiledAllowlist(spec);
    this.pathSources = spec.paths ?? [];
    this.hasCommits = (spec.commits ?? []).length > 0;
    this.fixed = this.pathSources.length === 0 && !this.hasCommits;
    // as CompiledAllowlist.forFragment decides it when no path and no commit matches
    this.perCandidate = (spec.regexes ?? []).length > 0 || (spec.stopwords ?? []).length > 0;
    this.and = spec.condition === 'AND';
    this.baseVerdict = this.perCandidate && (!this.and || this.fixed) ? 2 : 0;
    this.targets = spec.targetRules && spec.targetRules.length > 0 ? new Set(spec.targetRules) : undefined;
  }

  /**
   * `CompiledAllowlist.forFragment` for a list with `paths` and no `commits`, whether a path matched being known
   * (the scanner's RE2::Set): the same verdict without compiling the list's regexes.
   */
  pathVerdict(pathHit: boolean): FragmentVerdict {
    if (this.and) return !pathHit ? 'deny' : this.perCandidate ? 'check' : 'allow';
    return pathHit ? 'allow' : this.perCandidate ? 'check' : 'deny';
  }

  get compiled(): CompiledAllowlist {
    return (this.c ??= new CompiledAllowlist(this.spec));
  }

  appliesTo(ruleId: string): boolean {
    return this.targets === undefined || this.targets.has(ruleId);
  }
}

/** The keyword list a Matcher over rules with these specs builds its automaton from (build step: pack-tables.ts). */
export function matcherKeywords(specs: readonly RuleSpec[]): string[] {
  const seen = new Set<string>();
  for (const spec of specs) {
    const kws = (spec.keywords ?? []).filter((k) => k.length > 0);
    for (const k of new Set(kws.map((k) => k.toLowerCase()))) seen.add(k);
  }
  return [...seen];
}

export class Matcher {
  private readonly ac: KeywordAutomaton;
  /** by keyword id: rules using it */
  private readonly kwRules: readonly CompiledRule[][];
  private readonly noKeyword: readonly CompiledRule[];
  private readonly hits = new HitList();
  private regions = new Int32Array(3 * 256);
  private readonly pendStart: Int32Array;
  private readonly pendEnd: Int32Array;
  private readonly byIndex: CompiledRule[];

  constructor(readonly rules: readonly CompiledRule[], private readonly opts: MatcherOptions) {
    const kwIndex = new Map<string, number>();
    const kwRules: CompiledRule[][] = [];
    const noKeyword: CompiledRule[] = [];
    for (const r of rules) {
      const kws = (r.spec.keywords ?? []).filter((k) => k.length > 0);
      if (kws.length === 0) {
        noKeyword.push(r);
        continue;
      }
      for (const k of new Set(kws.map((k) => k.toLowerCase()))) {
        let id = kwIndex.get(k);
        if (id === undefined) {
          id = kwRules.length;
          kwIndex.set(k, id);
          kwRules.push([]);
        }
        kwRules[id]!.push(r);
      }
    }
    this.ac = automatonFor([...kwIndex.keys()]);
    this.kwRules = kwRules;
    this.noKeyword = noKeyword;
    const n = rules.reduce((m, r) => Math.max(m, r.index + 1), 0);
    this.byIndex = new Array<CompiledRule>(n);
    for (const r of rules) this.byIndex[r.index] = r;
    this.pendStart = new Int32Array(n).fill(-1);
    this.pendEnd = new Int32Array(n).fill(-1);
  }

  /** Rules that run on every window (no keywords). */
  get unfilteredRules(): readonly CompiledRule[] {
    return this.noKeyword;
  }

  get keywordStates(): number {
    return this.ac.stateCount;
  }

  /**
   * Scans `buf` (one window); candidates whose owner lies in [ownFrom, ownTo) are the window's own; others are
   * returned too (they take part in de-duplication). Dropped (de-duplicated) candidates are removed; allowed ones
   * are kept with `allowed = true` (the caller drops them; an outer decoding level uses them for de-duplication).
   */
  scan(buf: Buffer, ownFrom: number, ownTo: number, ctx: FragmentContext, depth: number): Candidate[] {
    const out: Candidate[] = [];
    const nRegions = this.collectRegions(buf, ctx);
    const regions = this.regions;
    for (let i = 0; i < nRegions; i++) {
      const rule = this.byIndex[regions[3 * i]!]!;
      this.runRule(rule, buf, regions[3 * i + 1]!, regions[3 * i + 2]!, out);
    }
    for (const rule of this.noKeyword) {
      if (ctx.active[rule.index] === 1) this.runRule(rule, buf, 0, buf.length, out);
    }
    let marks: InlineMarks | undefined;
    const inline = (a: number, b: number): boolean => (marks ??= new InlineMarks(buf)).allows(a, b);
    for (const c of out) this.checkAllowed(c, buf, ctx, inline);

    if (depth < this.opts.maxDecodeDepth) {
      const segs: Segment[] = [];
      findSegments(buf, ownFrom, ownTo, segs);
      for (const seg of segs) {
        const inner = this.scan(seg.decoded, 0, seg.decoded.length, ctx, depth + 1);
        for (const c of inner) {
          const [ms, me] = mapSpan(seg, c.start, c.end);
          const [ss, se] = mapSpan(seg, c.sStart, c.sEnd);
          const d: Candidate = {
            rule: c.rule,
            start: ms,
            end: me,
            sStart: ss,
            sEnd: se,
            owner: seg.start,
            secret: c.secret,
            match: c.match,
            entropy: c.entropy,
            decodedBy: [seg.kind, ...(c.decodedBy ?? [])],
            allowed: c.allowed || inline(ss, se),
            dropped: false,
          };
          out.push(d);
        }
      }
    }
    if (out.length > 1) dedupe(out);
    return out.filter((c) => !c.dropped);
  }

  /** Fills this.regions with (rule index, start, end) triples; returns their count. */
  private collectRegions(buf: Buffer, ctx: FragmentContext): number {
    const hits = this.hits;
    hits.clear();
    this.ac.scan(buf, 0, buf.length, hits);
    const h = hits.data;
    const lengths = this.ac.lengths;
    const kwRules = this.kwRules;
    const active = ctx.active;
    const ps = this.pendStart;
    const pe = this.pendEnd;
    const len = buf.length;
    let n = 0;
    const touched: number[] = [];
    for (let i = 0; i < hits.length; i += 2) {
      const end = h[i]!;
      const kw = h[i + 1]!;
      const start = end - lengths[kw]!;
      const list = kwRules[kw]!;
      for (let j = 0; j < list.length; j++) {
        const r = list[j]!;
        const ri = r.index;
        if (active[ri] !== 1) continue;
        const rs = start - r.radius > 0 ? start - r.radius : 0;
        const re = end + r.radius < len ? end + r.radius : len;
        const cur = pe[ri]!;
        if (cur < 0) {
          ps[ri] = rs;
          pe[ri] = re;
          touched.push(ri);
        } else if (rs <= cur) {
          if (re > cur) pe[ri] = re;
          if (rs < ps[ri]!) ps[ri] = rs;
        } else {
          n = this.pushRegion(n, ri, ps[ri]!, cur);
          ps[ri] = rs;
          pe[ri] = re;
        }
      }
    }
    for (const ri of touched) {
      n = this.pushRegion(n, ri, ps[ri]!, pe[ri]!);
      ps[ri] = -1;
      pe[ri] = -1;
    }
    return n;
  }

  private pushRegion(n: number, ri: number, s: number, e: number): number {
    if (3 * n + 3 > this.regions.length) {
      const r = new Int32Array(this.regions.length * 2);
      r.set(this.regions);
      this.regions = r;
    }
    this.regions[3 * n] = ri;
    this.regions[3 * n + 1] = s;
    this.regions[3 * n + 2] = e;
    return n + 1;
  }

  /** One RE2 search loop of `rule` over buf[from, to). */
  private runRule(rule: CompiledRule, buf: Buffer, from: number, to: number, out: Candidate[]): void {
    const re = rule.regex;
    const prefix = rule.lazyPrefix;
    // A fresh view per search loop, even when it spans the whole buffer: the WebAssembly engine keys its copy of
    // the text on the Buffer object, and `buf` is refilled between chunks (see ByteRegex.exec).
    const view = buf.subarray(0, to);
    let pos = from;
    let floor = from; // the previous match's end: an extended start never goes below it
    while (pos < to) {
      const m = re.exec(view, pos);
      if (m === null) return;
      let start = m.start;
      const end = m.end;
      pos = end > start ? end : end + 1;
      if (end === start) continue;
      if (prefix) {
        const table = prefix.table;
        const low = Math.max(floor, start - prefix.max);
        while (start > low && table[buf[start - 1]!] === 1) start--;
      }
      floor = end;
      // secret group: explicit, else the first group that matched non-empty, else the whole match
      let ss = start;
      let se = end;
      const sg = rule.spec.secretGroup;
      if (sg !== undefined && sg > 0) {
        if (sg > m.groupCount) continue;
        ss = m.groups[2 * sg]!;
        se = m.groups[2 * sg + 1]!;
        if (ss < 0) continue;
      } else if (m.groupCount > 0) {
        for (let g = 1; g <= m.groupCount; g++) {
          const a = m.groups[2 * g]!;
          const b = m.groups[2 * g + 1]!;
          if (a >= 0 && b > a) {
            ss = a;
            se = b;
            break;
          }
        }
      }
      if (se <= ss) continue;
      const secret = buf.toString('utf8', ss, se);
      const entropy = shannonEntropy(secret);
      if (rule.entropy > 0 && entropy <= rule.entropy) continue;
      if (rule.validator && !rule.validator(secret)) continue;
      out.push({
        rule,
        start,
        end,
        sStart: ss,
        sEnd: se,
        owner: start,
        secret,
        match: buf.toString('utf8', start, end),
        entropy,
        decodedBy: undefined,
        allowed: false,
        dropped: false,
      });
    }
  }

  private checkAllowed(c: Candidate, buf: Buffer, ctx: FragmentContext, inline: (a: number, b: number) => boolean): void {
    let line: string | undefined;
    const lineText = (): string => (line ??= lineAround(buf, c.start, c.end));
    const ids = c.rule.allowlistIds;
    for (let k = 0; k < ids.length; k++) {
      const i = ids[k]!;
      if (ctx.verdicts[i] === 2 && this.opts.allowlists[i]!.compiled.allows(c.secret, c.match, lineText)) {
        c.allowed = true;
        return;
      }
    }
    if (inline(c.start, c.end)) c.allowed = true;
    else if (c.rule.severity !== 'high' && looksLikeDocumentation(c, buf, ctx.kind ?? 0)) c.allowed = true;
  }
}

/**
 * Precision on real code (value-signals.ts, text-context.ts) for rules that are not precise on their own: generic
 * rules, URL passwords and rules that find a value by the name before it. Never for checksum-validated or
 * fixed-prefix tokens and private keys (severity high), nor for a rule whose whole match is the token.
 */
function looksLikeDocumentation(c: Candidate, buf: Buffer, kind: number): boolean {
  const rule = c.rule;
  const secret = c.secret;
  // documentation-example files and fields, API docs in type declarations
  if (kind & PATH_DOC_EXAMPLES) return true;
  if (kind & PATH_TYPE_DECLARATIONS && inCommentLine(buf, c.sStart)) return true;
  if (kind & PATH_YAML_JSON && inExamplesBlock(buf, c.sStart)) return true;
  // value signals: only where the match is more than the token (a name, a URL around it), or the rule is generic
  if (!(rule.generic || rule.urlPassword || c.sStart > c.start)) return false;
  if (inUrn(buf, c.start)) return true;
  const nameText = buf.toString('utf8', c.start, Math.max(c.start, c.sStart));
  if (rule.urlPassword) {
    const parts = urlCredentialParts(c.match, c.sStart - c.start, secret, buf.toString('latin1', c.end, Math.min(buf.length, c.end + 256)));
    if (parts && isDocumentationUrlCredential(parts.user, parts.host, secret)) return true;
  }
  if (isPlaceholderValue(secret) || echoesName(nameText, secret)) return true;
  if (!rule.urlPassword && (isUrlWithoutPassword(secret) || isNonRandomUuid(secret))) return true;
  if (!(rule.password || rule.urlPassword) || hasPathSeparator(secret)) {
    if (isIdentifierShaped(secret)) return true;
  }
  // generic rules: minified code and test fixtures need a value that looks generated
  if (rule.generic && (kind & PATH_TEST_FIXTURE || inLongLine(buf, c.sStart)) && !looksRandom(secret, c.entropy)) return true;
  return false;
}

function hasPathSeparator(s: string): boolean {
  return s.charCodeAt(0) === 0x5f || s.indexOf('.') > 0 || s.indexOf('/') > 0 || s.indexOf(':') > 0;
}

function lineBounds(buf: Buffer, start: number, end: number): [number, number] {
  const ls = start > 0 ? buf.lastIndexOf(10, start - 1) + 1 : 0;
  let le = buf.indexOf(10, end > start ? end - 1 : end);
  if (le < 0) le = buf.length;
  return [ls, le];
}

function lineAround(buf: Buffer, start: number, end: number): string {
  const [ls, le] = lineBounds(buf, start, end);
  return buf.toString('utf8', ls, le);
}

/**
 * The lines of one buffer that carry an inline suppression marker, found once per buffer (each marker's line is
 * bounded once): asking per candidate by scanning its line was quadratic on a long line with many matches.
 */
export class InlineMarks {
  /** sorted, disjoint [lineStart, lineEnd] pairs (lineEnd = the '\n' or the buffer's end) */
  private readonly ranges: number[] = [];

  constructor(buf: Buffer) {
    const hits: [number, number][] = [];
    for (const m of INLINE_ALLOW) {
      for (let p = buf.indexOf(m); p >= 0; p = buf.indexOf(m, p + m.length)) hits.push([p, p + m.length]);
    }
    hits.sort((a, b) => a[0] - b[0]);
    const r = this.ranges;
    for (const [p, e] of hits) {
      if (r.length > 0 && p <= r[r.length - 1]!) continue; // on the line already recorded
      const ls = p > 0 ? buf.lastIndexOf(10, p - 1) + 1 : 0;
      let le = buf.indexOf(10, e - 1);
      if (le < 0) le = buf.length;
      r.push(ls, le);
    }
  }

  /** Does a line touched by [start, end) carry a marker? */
  allows(start: number, end: number): boolean {
    const r = this.ranges;
    if (r.length === 0) return false;
    const last = end > start ? end - 1 : end;
    // the first range whose end is ≥ start
    let lo = 0;
    let hi = r.length / 2;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (r[2 * mid + 1]! < start) lo = mid + 1;
      else hi = mid;
    }
    return lo < r.length / 2 && r[2 * lo]! <= last;
  }
}

/** Does a line touched by [start, end) carry an inline suppression marker? (one question; InlineMarks for many) */
export function inlineAllowed(buf: Buffer, start: number, end: number): boolean {
  const [ls, le] = lineBounds(buf, start, end);
  const line = buf.subarray(ls, le);
  for (const m of INLINE_ALLOW) if (line.indexOf(m) >= 0) return true;
  return false;
}

function overlaps(a: Candidate, b: Candidate): boolean {
  return a.sStart < b.sEnd && b.sStart < a.sEnd;
}

function dedupe(cs: Candidate[]): void {
  cs.sort((a, b) => a.sStart - b.sStart || a.rule.index - b.rule.index);
  for (let i = 0; i < cs.length; i++) {
    const a = cs[i]!;
    for (let j = i + 1; j < cs.length; j++) {
      const b = cs[j]!;
      if (b.sStart >= a.sEnd) break;
      if (!overlaps(a, b) || a.rule !== b.rule || a.dropped || b.dropped) continue;
      // same rule, same place: plain vs decoded, or two decodings
      const aPlain = a.decodedBy === undefined;
      const bPlain = b.decodedBy === undefined;
      if (aPlain !== bPlain) {
        const plain = aPlain ? a : b;
        const dec = aPlain ? b : a;
        if (plain.secret === dec.secret) dec.dropped = true;
        else plain.dropped = true;
      } else {
        b.dropped = true;
      }
    }
  }
  // generic vs specific: a sweep over the specific candidates in order of start, keeping the furthest end seen
  // (a pairwise check was quadratic on a long line full of matches)
  const specific = cs.filter((c) => !c.rule.generic && !c.dropped);
  if (specific.length === 0) return;
  const reach = new Int32Array(specific.length);
  let far = -1;
  specific.forEach((s, i) => { far = Math.max(far, s.sEnd); reach[i] = far; });
  for (const g of cs) {
    if (!g.rule.generic || g.dropped) continue;
    // the specific candidates starting before g's end: does any of them end after g's start?
    let lo = 0;
    let hi = specific.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (specific[mid]!.sStart < g.sEnd) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0 && reach[lo - 1]! > g.sStart) g.dropped = true;
  }
}
