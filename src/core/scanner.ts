/**
 * The scanner core: `createScanner(config)` compiles a rule set once; `scanBuffer` / `scanFragment` turn fragments
 * into findings; `matchSpans` serves the log masker.
 *
 * Invariants
 * 1. Findings are identical for every chunking of the same content: windows are cut at fixed absolute offsets
 *    (k·WINDOW), never where chunks happen to end.
 * 2. A window sees its own range [k·W, (k+1)·W) plus OVERLAP (= MAX_MATCH) bytes on each side; a match (or encoded
 *    segment) is reported by the window owning its first byte, so one straddling a boundary is reported once.
 *    Matches are complete up to MAX_MATCH bytes (16 KiB: PEM private-key blocks fit); longer ones may be cut.
 * 3. Memory per streamed fragment is one buffer of WINDOW + 2·OVERLAP bytes, whatever the file or line length.
 * 4. Binary content (a NUL byte in the first 8000 bytes, as git decides) skips content rules; path rules still run.
 *    UTF-16/UTF-32 text with a BOM is transcoded to UTF-8 first (text-encoding.ts), so it is text, not binary; its
 *    findings' `span` is then in the UTF-8 text, while lines and columns are those of the original characters.
 *    Unreadable files are reported through `onSkip` and never thrown out of the scan.
 * 5. Line/column bookkeeping only moves forward (lines.ts): 1-based lines (through `lineNumbers` / `startLine`),
 *    1-based columns in code points, `endColumn` inclusive. A finding's position and `span` are its SECRET's.
 */
import { open, readFile, stat } from 'node:fs/promises';
import { fingerprint as fingerprintOf, lazyFingerprint, DEFAULT_FINGERPRINT_SALT } from './fingerprint.js';
import { LineTracker } from './lines.js';
import { CompiledRule, LazyAllowlist, MAX_MATCH, Matcher, WHOLE_WINDOW, type Candidate, type FragmentContext } from './matcher.js';
import { ByteRegex, RegexSet } from './regex.js';
import { keywordRadius, regexWidth } from './pack-tables.js';
import type { Config, Finding, Fragment, FragmentMeta } from './types.js';
import { getValidator } from './validators.js';
import { pathKind } from './text-context.js';
import { toUtf8, utf8Chunks } from './text-encoding.js';

export type ContentSkipReason = 'binary' | 'too-large' | 'unreadable';

export interface ScanOptions {
  /** Decode Base64/percent/hex segments and rescan them, to this depth; default 2; 0 = off. */
  maxDecodeDepth?: number;
  /** HMAC key for Finding.fingerprint (the baseline's salt); default a fixed public key. */
  fingerprintSalt?: string;
  /** Run only these rule ids (unknown ids are an error). */
  enableRules?: readonly string[];
  /** Files (fragments with `filePath`) larger than this many bytes are skipped with reason 'too-large'. */
  maxFileSize?: number;
  /** Called when a fragment's content is not scanned (path rules still ran). */
  onSkip?: (path: string, reason: ContentSkipReason, detail?: string) => void;
}

/** Byte span of the secret of a high-confidence rule's match. */
export interface RuleMatch {
  readonly ruleId: string;
  readonly start: number;
  readonly end: number;
}

export interface Scanner {
  readonly config: Config;
  /** Whole buffer in memory (synchronous). */
  scanBuffer(content: Buffer, meta: FragmentMeta): Finding[];
  /** Streams fragment.content (Buffer | AsyncIterable<Buffer>) or reads fragment.filePath in chunks; bounded memory. */
  scanFragment(fragment: Fragment): AsyncIterable<Finding>;
  /** For the masker: spans of matches of rules with confidence = "high" in buf (secret spans, not whole matches). */
  matchSpans(buf: Buffer): RuleMatch[];
  /** Longest span any high-confidence rule can match (the masker's hold-back cap per rule). */
  readonly maxHighConfidenceMatch: number;
}

/** Bytes each window owns. */
export const WINDOW = 1 << 20;
/** Context on each side of a window: the longest match seen whole. */
export const OVERLAP = MAX_MATCH;
/** Bytes inspected for a NUL to call content binary (git's heuristic). */
export const BINARY_SNIFF = 8000;

export function createScanner(config: Config, options: ScanOptions = {}): Scanner {
  return new CoreScanner(config, options);
}

/** Is this content binary (a NUL byte among its first 8000 bytes)? */
export function isBinary(head: Uint8Array): boolean {
  const n = Math.min(head.length, BINARY_SNIFF);
  for (let i = 0; i < n; i++) if (head[i] === 0) return true;
  return false;
}

/** What `context` computes once per fragment path (and commit, when an allowlist names commits). */
interface PathContext {
  readonly ctx: FragmentContext;
  readonly anyActive: boolean;
  /** path patterns hit: rules [0, nRules), allowlists [nRules, nRules + nAl); undefined when none */
  readonly pathHits: Uint8Array | undefined;
}

/** Fragment contexts remembered per path (history: the same files over and over); cleared when full. */
const CONTEXT_CACHE = 4096;

class CoreScanner implements Scanner {
  readonly config: Config;
  readonly maxHighConfidenceMatch: number;
  private readonly rules: CompiledRule[];
  private readonly pathOnly: CompiledRule[];
  private readonly allowlists: LazyAllowlist[];
  private readonly matcher: Matcher;
  private highMatcher: Matcher | undefined;
  private highCtx: FragmentContext | undefined;
  private readonly salt: string;
  private readonly maxDepth: number;
  /** Every path pattern of the config (rule `path`s, allowlist `paths`) in one RE2::Set: one call per fragment. */
  private readonly pathSet: RegexSet | undefined;
  /** path patterns exist but did not fit one set: test them one by one */
  private readonly pathSlow: boolean;
  /** by pattern of pathSet: ≥ 0 rule index, < 0 −(allowlist index + 1) */
  private readonly pathOwners: Int32Array;
  private readonly allRules: CompiledRule[];
  /** allowlists whose verdict depends on the fragment (they have `paths` or `commits`) */
  private readonly dynamicLists: Int32Array;
  private readonly byCommit: boolean;
  /** The context of a fragment no path pattern and no commit list matches: decided here, shared by them all. */
  private readonly base: PathContext;
  private readonly contexts = new Map<string, PathContext>();

  constructor(config: Config, private readonly options: ScanOptions) {
    this.config = config;
    this.salt = options.fingerprintSalt ?? DEFAULT_FINGERPRINT_SALT;
    this.maxDepth = Math.max(0, Math.floor(options.maxDecodeDepth ?? 2));
    const enable = options.enableRules ? new Set(options.enableRules) : undefined;
    if (enable) {
      const known = new Set(config.rules.map((r) => r.id));
      const unknown = [...enable].filter((id) => !known.has(id));
      if (unknown.length > 0) throw new Error(`unknown rule id(s) in enableRules: ${unknown.join(', ')}`);
    }
    const globals = config.allowlists.map((a) => new LazyAllowlist(a));
    this.allowlists = [...globals];
    this.rules = [];
    this.pathOnly = [];
    for (const spec of config.rules) {
      if (enable && !enable.has(spec.id)) continue;
      const where = `rule '${spec.id}'`;
      let validator;
      if (spec.validate !== undefined) {
        validator = getValidator(spec.validate);
        if (!validator) throw new Error(`${where}: unknown validator '${spec.validate}'`);
      }
      const ids: number[] = [];
      for (const a of spec.allowlists ?? []) {
        ids.push(this.allowlists.length);
        this.allowlists.push(new LazyAllowlist(a));
      }
      globals.forEach((g, i) => { if (g.appliesTo(spec.id)) ids.push(i); });
      const pathRe = spec.path !== undefined ? new ByteRegex(spec.path) : undefined;
      const width = spec.regex !== undefined ? keywordRadius(spec.regex, spec.keywords ?? []) : 0;
      const radius = width <= MAX_MATCH ? width : WHOLE_WINDOW;
      const rule = new CompiledRule(this.rules.length + this.pathOnly.length, spec, Int32Array.from(ids), pathRe, validator, radius);
      (spec.regex !== undefined ? this.rules : this.pathOnly).push(rule);
    }
    this.allRules = [...this.rules, ...this.pathOnly].sort((a, b) => a.index - b.index);
    const patterns: string[] = [];
    const owners: number[] = [];
    for (const r of this.allRules) if (r.spec.path !== undefined) { patterns.push(r.spec.path); owners.push(r.index); }
    this.allowlists.forEach((a, i) => a.pathSources.forEach((p) => { patterns.push(p); owners.push(-(i + 1)); }));
    this.pathOwners = Int32Array.from(owners);
    let set: RegexSet | undefined;
    try {
      set = patterns.length > 0 ? new RegexSet(patterns) : undefined;
    } catch {
      set = undefined; // too big for one set: test the patterns one by one
    }
    this.pathSet = set;
    this.pathSlow = set === undefined && patterns.length > 0;
    const dynamic: number[] = [];
    this.allowlists.forEach((a, i) => { if (!a.fixed) dynamic.push(i); });
    this.dynamicLists = Int32Array.from(dynamic);
    this.byCommit = this.allowlists.some((a) => a.hasCommits);
    const verdicts = Uint8Array.from(this.allowlists, (a) => a.baseVerdict);
    const active = new Uint8Array(this.allRules.length);
    let anyActive = false;
    for (const r of this.rules) {
      if (r.spec.path !== undefined) continue;
      active[r.index] = 1;
      anyActive = true;
    }
    this.base = { ctx: { active, verdicts }, anyActive, pathHits: undefined };
    this.matcher = new Matcher(this.rules, { maxDecodeDepth: this.maxDepth, allowlists: this.allowlists });
    this.maxHighConfidenceMatch = this.rules.filter((r) => r.high).reduce((m, r) => Math.max(m, Math.min(regexWidth(r.spec.regex!), MAX_MATCH)), 0);
  }

  // --- per fragment -----------------------------------------------------------------------------------------

  /** The fragment's context: the shared base one unless a path pattern or a commit list matches it. */
  private context(meta: FragmentMeta): PathContext {
    if (this.pathSet === undefined && !this.pathSlow && this.dynamicLists.length === 0) return this.base;
    if (this.byCommit) return this.computeContext(meta);
    let c = this.contexts.get(meta.path);
    if (c === undefined) {
      c = this.computeContext(meta);
      if (this.contexts.size >= CONTEXT_CACHE) this.contexts.clear();
      this.contexts.set(meta.path, c);
    }
    return c;
  }

  private computeContext(meta: FragmentMeta): PathContext {
    const nRules = this.allRules.length;
    const nAl = this.allowlists.length;
    let pathHits: Uint8Array | undefined;
    if (this.pathSet) {
      const hit = this.pathSet.match(Buffer.from(meta.path));
      if (hit.length > 0) {
        pathHits = new Uint8Array(nRules + nAl);
        for (const i of hit) {
          const o = this.pathOwners[i]!;
          pathHits[o >= 0 ? o : nRules - o - 1] = 1;
        }
      }
    } else if (this.pathSlow) {
      for (const r of this.allRules) {
        if (r.pathRe?.test(meta.path)) (pathHits ??= new Uint8Array(nRules + nAl))[r.index] = 1;
      }
    }
    const base = this.base.ctx;
    let verdicts = base.verdicts;
    let anyAllow = false;
    for (let k = 0; k < this.dynamicLists.length; k++) {
      const i = this.dynamicLists[k]!;
      const a = this.allowlists[i]!;
      // With the path set, a list with paths is decided by its hits; without, by its own path regexes.
      const pathMatched = this.pathSet ? pathHits !== undefined && pathHits[nRules + i] === 1 : undefined;
      if (pathMatched === false && !a.hasCommits) continue; // nothing matched: its base verdict stands
      const v = pathMatched !== undefined && !a.hasCommits ? a.pathVerdict(pathMatched) : a.compiled.forFragment(meta.path, meta.commit, pathMatched);
      const code = v === 'deny' ? 0 : v === 'allow' ? 1 : 2;
      if (code === verdicts[i]) continue;
      if (verdicts === base.verdicts) verdicts = Uint8Array.from(base.verdicts);
      verdicts[i] = code;
      if (code === 1) anyAllow = true;
    }
    if (pathHits === undefined && !anyAllow) {
      return verdicts === base.verdicts ? this.base : { ctx: { active: base.active, verdicts }, anyActive: this.base.anyActive, pathHits };
    }
    const active = new Uint8Array(nRules);
    let anyActive = false;
    for (const r of this.rules) {
      if (r.pathRe && (pathHits === undefined || pathHits[r.index] !== 1)) continue;
      if (anyAllow && r.allowlistIds.some((i) => verdicts[i] === 1)) continue;
      active[r.index] = 1;
      anyActive = true;
    }
    return { ctx: { active, verdicts }, anyActive, pathHits };
  }

  /**
   * `head`: the file's first bytes (at most PATH_HEAD), for path-only rules with a validator (PKCS#12's DER header);
   * undefined when the bytes are not available (a diff of a binary file): the name decides alone then.
   */
  private pathFindings(meta: FragmentMeta, ctx: FragmentContext, pathHits: Uint8Array | undefined, head?: Buffer): Finding[] {
    if (pathHits === undefined) return [];
    const out: Finding[] = [];
    for (const r of this.pathOnly) {
      if (pathHits[r.index] !== 1) continue;
      if (r.validator && head !== undefined && !r.validator(head.toString('latin1'))) continue;
      const secret = meta.path;
      const match = `file detected: ${meta.path}`;
      let allowed = false;
      for (const i of r.allowlistIds) {
        const v = ctx.verdicts[i];
        if (v === 1 || (v === 2 && this.allowlists[i]!.compiled.allows(secret, match, () => match))) allowed = true;
      }
      if (allowed) continue;
      const line = this.realLine(meta, 0);
      out.push({
        ruleId: r.id,
        description: r.spec.description ?? '',
        tags: r.spec.tags ?? [],
        file: meta.path,
        startLine: line,
        endLine: line,
        startColumn: 1,
        endColumn: 1,
        // A path is not a secret: reports show it whole (SARIF uri, text location) rather than scrub it.
        secret: '',
        match,
        entropy: 0,
        fingerprint: fingerprintOf(r.id, secret, this.salt),
        ...(meta.commit ? { commit: meta.commit } : {}),
        ...(meta.image ? { image: meta.image } : {}),
        span: [0, 0],
        ...(r.spec.confidence ? { confidence: r.spec.confidence } : {}),
        severity: r.severity,
      });
    }
    return out;
  }

  private realLine(meta: FragmentMeta, idx: number): number {
    const ln = meta.lineNumbers;
    if (ln && ln.length > 0) {
      if (idx < ln.length) return ln[idx]!;
      return ln[ln.length - 1]! + (idx - ln.length + 1);
    }
    return (meta.startLine ?? 1) + idx;
  }

  /**
   * Scans one window `win` holding absolute bytes [winAbs, winAbs + win.length), owning absolute [ownFrom, ownTo);
   * converts its own candidates to findings; leaves `tracker` at ≤ ownTo.
   */
  private scanWindow(
    win: Buffer, winAbs: number, ownFrom: number, ownTo: number, ctx: FragmentContext, meta: FragmentMeta,
    tracker: LineTracker,
  ): Finding[] {
    // a piece of a long line owns only part of its content (FragmentMeta.ownFrom/ownTo)
    const lo = Math.max(ownFrom, meta.ownFrom ?? 0) - winAbs;
    const hi = Math.min(ownTo, meta.ownTo ?? ownTo) - winAbs;
    if (hi <= lo) return [];
    const cands = this.matcher.scan(win, lo, hi, ctx, 0);
    const own: Candidate[] = [];
    for (const c of cands) if (!c.allowed && c.owner >= lo && c.owner < hi) own.push(c);
    if (own.length === 0) return [];
    own.sort((a, b) => a.sStart - b.sStart || a.rule.index - b.rule.index);

    // positions to resolve: secret start, and the first byte of its last character
    const wanted: number[] = [];
    for (const c of own) {
      wanted.push(c.sStart);
      let last = c.sEnd - 1;
      while (last > c.sStart && (win[last]! & 0xc0) === 0x80) last--;
      wanted.push(last);
    }
    const sorted = [...new Set(wanted)].sort((a, b) => a - b);
    const at = new Map<number, [line: number, col: number]>();
    let t = tracker;
    for (const p of sorted) {
      const abs = winAbs + p;
      if (abs >= ownTo && t === tracker) {
        tracker.advance(win, winAbs, ownTo);
        t = tracker.clone();
      }
      t.advance(win, winAbs, abs);
      at.set(p, [t.line, t.col]);
    }

    const out: Finding[] = [];
    const colOff = meta.columnOffset ?? 0;
    for (const c of own) {
      let last = c.sEnd - 1;
      while (last > c.sStart && (win[last]! & 0xc0) === 0x80) last--;
      const [l0, c0] = at.get(c.sStart)!;
      const [l1, c1] = at.get(last)!;
      const spec = c.rule.spec;
      out.push({
        ruleId: spec.id,
        description: spec.description ?? '',
        tags: spec.tags ?? [],
        file: meta.path,
        startLine: this.realLine(meta, l0),
        endLine: this.realLine(meta, l1),
        startColumn: c0 + 1 + (l0 === 0 ? colOff : 0),
        endColumn: c1 + 1 + (l1 === 0 ? colOff : 0),
        secret: c.secret,
        match: c.match,
        entropy: c.entropy,
        // Computed on first read (a scrypt each): a text report never reads it, a baseline or JSON/SARIF does.
        fingerprint: '',
        ...(meta.commit ? { commit: meta.commit } : {}),
        ...(meta.image ? { image: meta.image } : {}),
        span: [winAbs + c.sStart, winAbs + c.sEnd],
        ...(c.decodedBy ? { decodedBy: c.decodedBy } : {}),
        ...(spec.confidence ? { confidence: spec.confidence } : {}),
        severity: c.rule.severity,
      });
      lazyFingerprint(out[out.length - 1]!, spec.id, c.secret, this.salt);
    }
    return out;
  }

  // --- public API ---------------------------------------------------------------------------------------------

  scanBuffer(content: Buffer, meta: FragmentMeta): Finding[] {
    const { ctx: pctx, anyActive, pathHits } = this.context(meta);
    const ctx = withPathKind(pctx, meta.path);
    const findings = this.pathFindings(meta, ctx, pathHits, content.length > 0 ? content.subarray(0, PATH_HEAD) : undefined);
    if (!anyActive) return findings;
    for (const f of this.contentFindings(content, meta, ctx)) findings.push(f);
    return findings;
  }

  async *scanFragment(fragment: Fragment): AsyncIterable<Finding> {
    const meta: FragmentMeta = fragment;
    const { ctx: pctx, anyActive, pathHits } = this.context(meta);
    const ctx = withPathKind(pctx, meta.path);
    // `for … of` rather than `yield*` over arrays: in an async generator `yield*` costs a round of promises even
    // for an empty array, and a history scan has tens of thousands of small fragments, most without findings.
    if (pathHits !== undefined) {
      const head = this.pathOnly.some((r) => r.validator && pathHits[r.index] === 1) ? await pathHead(fragment) : undefined;
      for (const f of this.pathFindings(meta, ctx, pathHits, head)) yield f;
    }
    if (!anyActive) return;
    const content = fragment.content;
    if (content instanceof Uint8Array) {
      // a Buffer sent to a worker thread arrives as a plain Uint8Array: view it, don't copy
      const u8: Uint8Array = content;
      const buf = Buffer.isBuffer(u8) ? u8 : Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
      for (const f of this.contentFindings(buf, meta, ctx)) yield f;
      return;
    }
    if (content !== undefined) {
      yield* this.scanStream(chunksOf(content), meta, ctx);
      return;
    }
    if (fragment.filePath === undefined) return;
    const file = fragment.filePath;
    const onSkip = this.options.onSkip;
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch (err) {
      onSkip?.(meta.path, 'unreadable', errorCode(err));
      return;
    }
    if (this.options.maxFileSize !== undefined && size > this.options.maxFileSize) {
      onSkip?.(meta.path, 'too-large', `${size} bytes`);
      return;
    }
    if (size <= WINDOW + OVERLAP) {
      let buf: Buffer;
      try {
        buf = await readFile(file);
      } catch (err) {
        onSkip?.(meta.path, 'unreadable', errorCode(err));
        return;
      }
      for (const f of this.contentFindings(buf, meta, ctx)) yield f;
      return;
    }
    yield* this.scanStream(fileChunks(file, (err) => onSkip?.(meta.path, 'unreadable', errorCode(err))), meta, ctx);
  }

  /** scanBuffer without the path rules (already reported). */
  private contentFindings(content: Buffer, meta: FragmentMeta, ctx: FragmentContext): Finding[] {
    if (content.length === 0) return [];
    content = toUtf8(content);
    if (isBinary(content)) {
      this.options.onSkip?.(meta.path, 'binary');
      return [];
    }
    const out: Finding[] = [];
    const tracker = new LineTracker();
    for (const { win, ws, own, ownTo } of inMemoryWindows(content)) {
      for (const f of this.scanWindow(win, ws, own, ownTo, ctx, meta, tracker)) out.push(f);
      if (ownTo < content.length) tracker.advance(win, ws, ownTo);
    }
    return out;
  }

  /** The streaming loop: one buffer of WINDOW + 2·OVERLAP bytes, windows at fixed absolute offsets. */
  private async *scanStream(raw: AsyncIterable<Uint8Array>, meta: FragmentMeta, ctx: FragmentContext): AsyncIterable<Finding> {
    const chunks = utf8Chunks(raw);
    const cap = WINDOW + 2 * OVERLAP;
    const buf = Buffer.allocUnsafe(cap);
    let bufAbs = 0; // absolute offset of buf[0]
    let bufLen = 0;
    let eof = false;
    const it = chunks[Symbol.asyncIterator]();
    let pending: Uint8Array | undefined;
    let pendingOff = 0;
    const tracker = new LineTracker();
    let first = true;
    try {
      for (let own = 0; ; own += WINDOW) {
        // fill up to the end of this window (own + WINDOW + OVERLAP) or EOF
        const want = own + WINDOW + OVERLAP - bufAbs;
        while (bufLen < want && !eof) {
          if (pending === undefined) {
            const r = await it.next();
            if (r.done) {
              eof = true;
              break;
            }
            pending = r.value;
            pendingOff = 0;
          }
          const n = Math.min(want - bufLen, pending.length - pendingOff);
          buf.set(pending.subarray(pendingOff, pendingOff + n), bufLen);
          bufLen += n;
          pendingOff += n;
          if (pendingOff >= pending.length) pending = undefined;
        }
        const end = bufAbs + bufLen;
        if (first) {
          first = false;
          if (bufLen === 0) return;
          if (isBinary(buf.subarray(0, Math.min(bufLen, BINARY_SNIFF)))) {
            this.options.onSkip?.(meta.path, 'binary');
            return;
          }
        }
        if (own >= end) return;
        const ownTo = Math.min(end, own + WINDOW);
        const ws = Math.max(0, own - OVERLAP);
        const we = Math.min(end, ownTo + OVERLAP);
        const win = buf.subarray(ws - bufAbs, we - bufAbs);
        const found = this.scanWindow(win, ws, own, ownTo, ctx, meta, tracker);
        if (found.length > 0) yield* found;
        if (eof && ownTo >= end) return;
        tracker.advance(win, ws, ownTo);
        // slide: keep from the next window's start (ownTo − OVERLAP)
        const keep = ownTo - OVERLAP - bufAbs;
        buf.copyWithin(0, keep, bufLen);
        bufLen -= keep;
        bufAbs += keep;
      }
    } finally {
      // the consumer may stop early: let the source close its file handle
      if (!eof) await it.return?.(undefined);
    }
  }

  matchSpans(buf: Buffer): RuleMatch[] {
    if (!this.highMatcher) {
      const high = this.rules.filter((r) => r.high);
      this.highMatcher = new Matcher(high, { maxDecodeDepth: 0, allowlists: this.allowlists });
      this.highCtx = this.context({ path: '' }).ctx;
    }
    const m = this.highMatcher;
    const ctx = this.highCtx!;
    const out: RuleMatch[] = [];
    for (const { win, ws, own, ownTo } of inMemoryWindows(buf)) {
      for (const c of m.scan(win, own - ws, ownTo - ws, ctx, 0)) {
        if (c.allowed || c.owner < own - ws || c.owner >= ownTo - ws) continue;
        out.push({ ruleId: c.rule.id, start: ws + c.sStart, end: ws + c.sEnd });
      }
    }
    out.sort((a, b) => a.start - b.start || a.end - b.end);
    return out;
  }
}

/**
 * The windows an in-memory buffer is scanned in: each owns `[own, ownTo)` (a match is reported by the window that owns
 * its start) and sees `win` = bytes `[ws, ownTo + OVERLAP)`, so a match straddling a window edge is whole in its owner.
 */
function* inMemoryWindows(buf: Buffer): Generator<{ win: Buffer; ws: number; own: number; ownTo: number }> {
  const len = buf.length;
  for (let own = 0; own < len; own += WINDOW) {
    const ownTo = Math.min(len, own + WINDOW);
    const ws = Math.max(0, own - OVERLAP);
    const we = Math.min(len, ownTo + OVERLAP);
    yield { win: ws === 0 && we === len ? buf : buf.subarray(ws, we), ws, own, ownTo };
  }
}

async function* chunksOf(src: AsyncIterable<Buffer>): AsyncIterable<Uint8Array> {
  yield* src;
}

/** Reads a file in WINDOW-sized chunks; a read error ends the stream after calling onError. */
async function* fileChunks(file: string, onError: (err: unknown) => void): AsyncIterable<Uint8Array> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    onError(err);
    return;
  }
  try {
    // one chunk buffer: the scanner copies a chunk completely before asking for the next one
    const chunk = Buffer.allocUnsafe(WINDOW);
    for (;;) {
      let n: number;
      try {
        n = (await fh.read(chunk, 0, WINDOW, null)).bytesRead;
      } catch (err) {
        onError(err);
        return;
      }
      if (n === 0) return;
      yield chunk.subarray(0, n);
    }
  } finally {
    await fh.close().catch(() => undefined);
  }
}

function errorCode(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return (err as { code: string }).code;
  }
  return err instanceof Error ? err.message : String(err);
}

/** The fragment context plus the path's kind (text-context.ts); shared contexts are never mutated. */
function withPathKind(ctx: FragmentContext, path: string): FragmentContext {
  const kind = pathKind(path);
  return kind === 0 ? ctx : { active: ctx.active, verdicts: ctx.verdicts, kind };
}

/** Bytes of a file a path-only rule's validator sees (a PKCS#12 store is a few KB; its header check needs its size). */
const PATH_HEAD = 1 << 20;

/** The first PATH_HEAD bytes of a fragment: its in-memory content, else read from its file; undefined when unknown. */
async function pathHead(fragment: Fragment): Promise<Buffer | undefined> {
  const c = fragment.content;
  if (c instanceof Uint8Array) {
    if (c.length > 0) return Buffer.from(c.buffer, c.byteOffset, Math.min(c.byteLength, PATH_HEAD));
    // empty: a 0-byte file, unless the fragment is a diff's added lines (a binary file's diff carries no bytes)
    return fragment.commit || fragment.lineNumbers ? undefined : Buffer.alloc(0);
  }
  if (c !== undefined || fragment.filePath === undefined) return undefined;
  let fh;
  try {
    fh = await open(fragment.filePath, 'r');
    const buf = Buffer.alloc(PATH_HEAD);
    const { bytesRead } = await fh.read(buf, 0, PATH_HEAD, 0);
    return buf.subarray(0, bytesRead);
  } catch {
    return undefined;
  } finally {
    await fh?.close();
  }
}
