/**
 * The masking engine: bytes in, bytes out, synchronous, no streams (transform.ts wraps it; the invariants
 * it keeps are listed there). Mechanism only (STYLE habit 6): it knows needles (from a SecretRegistry),
 * pluggable rules (MaskRule) and one command syntax (`::add-mask::`), never where secrets come from.
 *
 * Plan of `write(chunk)` (Buildkite's replacer.go keeps a numbered plan in Write; so do we):
 * 1. Command pre-stage (optional): at each line start, bytes that may still become `::add-mask::` are held
 *    (≤ 12 bytes); a command line is held until its LF (≤ 64 KiB), handed to `onCommand`, and removed.
 *    Everything else passes to step 2 as contiguous runs of the chunk.
 * 2. Scan each run with one automaton over every byte: every form (literal and Base64) and every rule
 *    trigger (in all ASCII cases of its first four letters). While it sits at its root, a filter of the
 *    needles' first three bytes skips positions where nothing can start (four positions per test; with many
 *    triggers, a second stage on the first four bytes and a test of the bytes before a line break let the skip
 *    go on where the first stage stopped it). Only at a line break, when the text before it
 *    ends with the start of a Base64 form, a second automaton takes over the Base64 forms with line breaks
 *    skipped (a single LF or CRLF between two characters; anything else resets it) until its partial match
 *    no longer straddles a break; offsets of its characters go through a ring so spans map back to the
 *    stream. Matches become spans [start, end) in stream offsets, merged on arrival when they overlap or
 *    touch. Base64 spans that crossed a break are also noted as "keep" ranges: their breaks are written
 *    through and each line's part becomes `***`. Triggers open rule candidate windows.
 * 3. Decide windows that can be decided (rule says so, cap reached, or end of stream); add their spans.
 * 4. Limit = the earliest offset where a match could still start: the main automaton's partial match,
 *    the Base64 automaton's partial match (mapped back to stream offsets through a ring of offsets),
 *    the start of every open window, and (with look-behind rules) the trailing run of token bytes.
 * 5. Emit everything before the limit: raw bytes unchanged, each merged span as one `***`. A span that
 *    reaches the limit is written up to it and stays "open", so a later touching span continues it
 *    without a second `***` (this keeps memory bounded for a secret repeated back to back).
 * 6. Keep the unemitted tail (copied, so the caller's chunk is not retained). The chunk itself is never
 *    copied behind the held tail: the two are separate segments while the write lasts.
 * When the registry changes (register() at any time, or an `::add-mask::` line), the automata are rebuilt
 * and the unemitted tail is rescanned from its first byte, so new secrets apply to every byte not yet emitted.
 */
import { ByteAutomaton, type TriggerNeedle } from './automaton.js';
import type { SecretRegistry } from './registry.js';

/** A second-stage check at a trigger: true when the candidate there certainly yields nothing (see MaskRule). */
export type TriggerCheck = (data: Buffer, trigger: number, to: number, from: number) => boolean;

/** A half-open byte range relative to the buffer it was found in. */
export type RelSpan = readonly [start: number, end: number];

/**
 * A pluggable rule (mechanism apart from policy). A candidate window opens at a trigger literal (matched in
 * any ASCII case; the rule checks what it needs) and reaches back over at most `lookbehind.max` bytes that
 * `lookbehind.accepts` (e.g. the token characters before a keyword in the middle of a token). The engine
 * holds bytes from the window's start until the rule decides or `cap` bytes are available, then asks for
 * spans. To make the look-behind possible, the engine also holds back the trailing run of accepted bytes
 * (at most `max`) at the end of every write.
 */
export interface MaskRule {
  readonly id: string;
  /** Literal byte strings (UTF-8) that can begin a candidate, matched ignoring ASCII case. */
  readonly triggers: readonly string[];
  readonly lookbehind?: { readonly max: number; readonly accepts: (byte: number) => boolean };
  /** Most bytes a candidate may hold back, counted from the window's first byte. */
  readonly cap: number;
  /**
   * Optional cheap rejection, checked when a candidate opens (no window is cut, nothing is held): when a byte of
   * the window from the trigger on and before offset `minLength` satisfies `ends`, the candidate yields no spans.
   * It must agree with decide/match (the scanner rule: a token shorter than the shortest secret).
   */
  readonly shortReject?: { readonly minLength: number; readonly ends: (byte: number) => boolean };
  /**
   * Optional second-stage checks right at a 3-byte trigger (keyed by the trigger in lower case), run inside the
   * skip loop before any window or automaton step: true only when no span of this rule can come from a candidate
   * at `trigger`, judging from `data[from, to)` alone (bytes before `from` may not be the stream's; return false when those bytes do not suffice: the window
   * machinery then decides as usual, so the output is the same for every chunking). Must agree with decide/match.
   */
  readonly triggerChecks?: ReadonlyMap<string, TriggerCheck>;
  /** An undecided candidate at its cap (or at end of stream) is masked whole instead of matched. */
  readonly failClosed?: boolean;
  /**
   * The window so far (`trigger`: offset of the trigger in it). Returns the smallest length at which the
   * candidate is decided (more bytes cannot change `match`), or -1. Must depend only on the bytes up to it.
   */
  decide(window: Buffer, trigger: number): number;
  /** Secret spans within the decided (or capped) window. */
  match(window: Buffer, trigger: number): readonly RelSpan[];
}

export interface EngineOptions {
  readonly rules?: readonly MaskRule[];
  /** Called with the raw VALUE of each `::add-mask::VALUE` line (without the line break); undefined: no commands. */
  readonly onCommand?: (value: Buffer) => void;
  /**
   * Detection-only mode (Buildkite's replacer doubles as a detector the same way): masked bytes are written
   * through unchanged. Use with `onMask` to record what would have been masked.
   */
  readonly detectOnly?: boolean;
  /** Called once per emitted piece of a masked span, with its stream offsets (command lines not counted). */
  readonly onMask?: (start: number, end: number) => void;
}

/** Longest `::add-mask::` line held (value bytes); the rest of a longer line is dropped, the head registered. */
export const MAX_COMMAND_LINE = 64 * 1024;
const ADD_MASK = Buffer.from('::add-mask::');
const STOP_COMMANDS = Buffer.from('::stop-commands::');
const LEGACY_ADD_MASK = Buffer.from('##[add-mask]');
/** Leading whitespace held at a line start while it may still precede a command (the runner trims it); beyond: text. */
const MAX_LEADING_SPACE = 4096;
const isLineSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0b || c === 0x0c || c === 0x0d;

/** What a command line does when its line break arrives. */
type CommandKind = 'add-mask' | 'stop' | 'resume';
const STARS = Buffer.from('***');
const LF_BUF = Buffer.from('\n');
const CR_BUF = Buffer.from('\r');
const EMPTY = Buffer.alloc(0);

/** A Base64 character of either alphabet (standard or URL-safe), not padding. */
const isBase64Byte = (c: number): boolean =>
  (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f || c === 0x2d || c === 0x5f;

/** Do all these checks (at least one) reject the candidate at i? */
function allReject(checks: readonly TriggerCheck[] | undefined, data: Buffer, i: number, to: number, from: number): boolean {
  if (checks === undefined) return false;
  for (const check of checks) if (!check(data, i, to, from)) return false;
  return true;
}

/**
 * The skip loop's check for a rule's trigger (lower case): its trigger check, or its shortReject as openWindow
 * applies it (the look-behind walked within `data`: when it reaches the start of data, no verdict). Undefined: none.
 */
function rejectAt(r: MaskRule, trigger: string): TriggerCheck | undefined {
  const own = r.triggerChecks?.get(trigger);
  const quick = r.shortReject;
  if (!quick) return own;
  const lb = r.lookbehind;
  const short: TriggerCheck = (data, t, to, from) => {
    let start = t;
    if (lb) {
      const floor = t - lb.max;
      while (start > floor && start > from && lb.accepts(data[start - 1]!)) start--;
      if (start === from && start > floor) return false; // the look-behind may go on before `from`
    }
    const lim = start + quick.minLength;
    for (let p = t; p < lim; p++) {
      if (p >= to) return false;
      if (quick.ends(data[p]!)) return true;
    }
    return false;
  };
  return own ? (data, t, to, from) => own(data, t, to, from) || short(data, t, to, from) : short;
}

/** A trigger in every ASCII case of its first four letters (the rule checks the rest, in any case). */
function caseVariants(t: string): string[] {
  let out = [''];
  let letters = 0;
  for (const ch of t) {
    const lo = ch.toLowerCase();
    const up = ch.toUpperCase();
    const isLetter = lo !== up && lo.length === 1 && up.length === 1 && ch.charCodeAt(0) < 0x80;
    if (isLetter && letters === 4) break;
    if (isLetter) letters++;
    out = isLetter ? out.flatMap((p) => [p + lo, p + up]) : out.map((p) => p + ch);
  }
  return out;
}

interface Window {
  readonly rule: number;
  readonly start: number;
  readonly trigger: number;
}

export class MaskEngine {
  private readonly registry: SecretRegistry;
  private readonly rules: readonly MaskRule[];
  private readonly onCommand: ((value: Buffer) => void) | undefined;
  private readonly detectOnly: boolean;
  private readonly onMask: ((start: number, end: number) => void) | undefined;
  private readonly triggers: TriggerNeedle[];
  private readonly triggerRule: number[] = [];
  private readonly triggerFull: Buffer[] = [];
  private readonly triggerKey: string;
  private readonly lookbehindMax: number;
  private readonly lookbehindAccepts: ((byte: number) => boolean) | undefined;

  // Compiled needles (rebuilt when the registry's version changes).
  private version = -1;
  private all!: ByteAutomaton;
  private b64!: ByteAutomaton;
  private base64Of!: Int32Array;
  private grams: Uint8Array | undefined;
  private grams4: Int32Array | undefined;
  private short3: Int32Array | undefined;
  private breakStops: Int32Array | undefined;
  private short3Forms: ReadonlySet<number> | undefined;
  private starts4: ReadonlySet<number> | undefined;
  /** 3-byte triggers (packed as in short3) whose every rule has a trigger check, with those checks. */
  private readonly vetoes = new Map<number, TriggerCheck[]>();
  /** The same for longer triggers, keyed by their first four bytes (as in starts4). */
  private readonly vetoes4 = new Map<number, TriggerCheck[]>();
  private formStarts4: ReadonlySet<number> | undefined;
  private offs = new Float64Array(2);
  private ringMask = 1;

  // Scan state.
  private as = 0; // row of the automaton over every byte
  private bOn = false; // is the break-skipping Base64 automaton running?
  private bs = 0; // its row
  private sinceBreak = 0; // Base64 characters since the last line break (while it runs)
  private brk = 0; // 0: last byte was a character; 1: after a CR; 2: after a whole line break
  private f = 0; // Base64 characters (non-break bytes) scanned
  private pos = 0; // stream offset of the next byte to scan
  private cursor = 0; // stream offset of the first unemitted byte
  // Unemitted bytes live in at most two segments, so a write's chunk is scanned and emitted in place (as
  // views) instead of being copied behind the held tail: `data` holds [dataStart, split) — or [dataStart, pos)
  // without a second segment — and `seg2` holds [split, pos). dataStart <= cursor.
  private data: Buffer = EMPTY;
  private ownsData = true; // false while `data` is the caller's chunk
  private dataStart = 0;
  private seg2: Buffer | undefined;
  private split = 0;
  private spans: number[] = []; // merged, sorted [s0, e0, s1, e1, ...]
  private keeps: number[] = []; // Base64 spans that crossed a line break, merged, sorted
  private windows: Window[] = [];
  private readonly lastWindowStart: Float64Array;
  private pendingRight = -1; // a Base64 span ends here and the byte here (not written yet) may extend it
  private maskOpen = false; // the last thing emitted was (part of) a span ending at `cursor`
  private needStars = false;
  private out: Buffer[] = [];

  // Command pre-stage.
  private atLineStart = true; // the next pre-stage byte starts a line
  private held: Buffer = EMPTY; // pre-stage bytes held at the end of the last write (a possible command's head)
  private inCommand = false;
  private commandKind: CommandKind = 'add-mask';
  private commandMidLine = false;
  /** `::stop-commands::TOKEN` seen: commands are text until a `::TOKEN::` line (this is `::TOKEN::`). */
  private resumeLine: Buffer | undefined;
  private command: Buffer[] = [];
  private commandLen = 0;
  private commandOverflow = false;

  constructor(registry: SecretRegistry, options: EngineOptions = {}) {
    this.registry = registry;
    this.rules = options.rules ?? [];
    this.onCommand = options.onCommand;
    this.detectOnly = options.detectOnly === true;
    this.onMask = options.onMask;
    this.lastWindowStart = new Float64Array(this.rules.length).fill(-1);
    this.triggers = [];
    this.rules.forEach((r, rule) => {
      for (const t of r.triggers) {
        // The automaton reports trigger ids; each id knows its rule and its whole keyword (lower case).
        const id = this.triggerRule.length;
        this.triggerRule.push(rule);
        this.triggerFull.push(Buffer.from(t.toLowerCase(), 'utf8'));
        for (const v of caseVariants(t)) this.triggers.push({ bytes: Buffer.from(v, 'utf8'), rule: id });
      }
    });
    // Second-stage vetoes, keyed by a trigger variant's first three bytes (3-byte triggers) or first four (longer
    // ones): usable only when every rule with a trigger there has a check (its trigger check or its shortReject).
    const blocked = new Set<string>();
    this.rules.forEach((r) => {
      for (const t of r.triggers) {
        const check = rejectAt(r, t.toLowerCase());
        for (const v of caseVariants(t)) {
          const b = Buffer.from(v, 'utf8');
          if (b.length < 3) continue;
          const map = b.length === 3 ? this.vetoes : this.vetoes4;
          const key = b.length === 3 ? 0x1000000 | (b[0]! << 16) | (b[1]! << 8) | b[2]! : ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
          const name = `${b.length === 3 ? 3 : 4}:${key}`;
          if (!check || blocked.has(name)) {
            blocked.add(name);
            map.delete(key);
            continue;
          }
          const list = map.get(key) ?? [];
          if (!list.includes(check)) list.push(check);
          map.set(key, list);
        }
      }
    });
    this.triggerKey = this.rules.map((r) => `${r.id}\u0001${r.triggers.join('\u0001')}`).join('\u0002');
    // One look-behind for the whole engine: the widest; rules with a look-behind share the byte test
    // (today only the plugged-in scanner rule has one).
    let max = 0;
    let accepts: ((byte: number) => boolean) | undefined;
    for (const r of this.rules) {
      if (r.lookbehind && r.lookbehind.max > max) {
        max = r.lookbehind.max;
        accepts = r.lookbehind.accepts;
      }
    }
    this.lookbehindMax = max;
    this.lookbehindAccepts = accepts;
    this.refresh();
  }

  /** Bytes currently held back (not yet emitted), for tests and diagnostics. */
  get heldBytes(): number {
    return this.pos - this.cursor + this.held.length + this.commandLen;
  }

  /** Processes a chunk; returns the output pieces (possibly views of `chunk`; use before the next call). */
  write(chunk: Buffer): Buffer[] {
    this.out = [];
    if (chunk.length > 0) {
      if (this.onCommand) this.preStage(chunk);
      else this.ingest(chunk);
    }
    this.settle(false);
    this.keepTail();
    return this.out;
  }

  /** End of stream: unfinished matches are non-matches, undecided windows are decided; everything is emitted. */
  end(): Buffer[] {
    this.out = [];
    if (this.inCommand) this.finishCommand();
    else if (this.held.length > 0) {
      const h = this.held;
      this.held = EMPTY;
      this.ingest(h);
    }
    this.settle(true);
    this.keepTail();
    return this.out;
  }

  // ---- 1. command pre-stage --------------------------------------------------------------------------

  /**
   * Workflow commands as the GitHub runner parses them: a line whose first non-blank bytes are `::add-mask::` or
   * `::stop-commands::` (leading whitespace is trimmed), and the legacy `##[add-mask]` anywhere in a line (the text
   * before it on the line stays; the command and its value go). After `::stop-commands::TOKEN`, commands are text
   * until a `::TOKEN::` line. Command lines (with their line break) are removed. A write that ends where a command may
   * still begin holds those bytes (blanks at a line start up to MAX_LEADING_SPACE, or a partial keyword).
   */
  private preStage(chunk: Buffer): void {
    let data = chunk;
    if (this.held.length > 0) {
      data = Buffer.concat([this.held, chunk]);
      this.held = EMPTY;
    }
    const n = data.length;
    let i = 0;
    let run = 0; // start of the current run of ordinary bytes in `data`
    let lineStart = this.atLineStart ? 0 : -1; // where the current line starts in `data` (-1: before it)
    while (i < n) {
      if (this.inCommand) {
        const j = data.indexOf(10, i);
        const end = j < 0 ? n : j;
        this.appendCommand(data.subarray(i, end));
        if (j < 0) {
          this.atLineStart = false;
          return;
        }
        const keepBreak = this.commandMidLine;
        this.finishCommand();
        i = j + 1;
        run = keepBreak ? j : i; // a legacy command in the middle of a line leaves the line's break
        lineStart = i;
        continue;
      }
      const hit = this.nextCommand(data, i, lineStart);
      if (hit === undefined) break;
      const [at, from, len, kind] = hit;
      if (from > run) this.ingest(data.subarray(run, from));
      this.inCommand = true;
      this.commandKind = kind;
      this.commandMidLine = from === at && !(at === lineStart || (at > 0 && data[at - 1] === 10));
      i = run = at + len;
    }
    if (this.inCommand) return;
    // The end of the data: hold what may still become a command.
    let hold = n;
    const lastLf = data.lastIndexOf(10, n - 1);
    const ls = lastLf >= run ? lastLf + 1 : lineStart >= run ? lineStart : -1;
    if (ls >= 0) {
      let p = ls;
      while (p < n && p - ls < MAX_LEADING_SPACE && isLineSpace(data[p]!)) p++;
      if (p === n ? p - ls < MAX_LEADING_SPACE : this.startsKeyword(data, p, n)) hold = ls;
    }
    if (hold === n && this.resumeLine === undefined) {
      for (let k = Math.max(run, n - LEGACY_ADD_MASK.length + 1); k < n; k++) {
        if (data[k] === 0x23 && LEGACY_ADD_MASK.subarray(0, n - k).equals(data.subarray(k, n))) {
          hold = k;
          break;
        }
      }
    }
    if (hold > run) this.ingest(data.subarray(run, hold));
    if (hold < n) this.held = Buffer.from(data.subarray(hold, n));
    this.atLineStart = hold === n ? data[n - 1] === 10 || (n === 0 && this.atLineStart) : hold === ls;
  }

  /** Does data[p, n) (to its end) begin an active line-start keyword, as a proper prefix? */
  private startsKeyword(data: Buffer, p: number, n: number): boolean {
    const len = n - p;
    const tail = data.subarray(p, n);
    const keys = this.resumeLine !== undefined ? [this.resumeLine] : [ADD_MASK, STOP_COMMANDS];
    return keys.some((k) => len < k.length && k.subarray(0, len).equals(tail));
  }

  /**
   * The first command in data from i: [keyword offset, start of the bytes to drop, keyword length, kind]. `lineStart`:
   * where the line holding i begins in data (-1 when it began before data, so i is not at a line start).
   */
  private nextCommand(data: Buffer, i: number, lineStart: number): [number, number, number, CommandKind] | undefined {
    let best: [number, number, number, CommandKind] | undefined;
    const consider = (key: Buffer, kind: CommandKind, anywhere: boolean): void => {
      for (let at = data.indexOf(key, i); at >= 0 && (best === undefined || at < best[0]); at = data.indexOf(key, at + 1)) {
        // Line start: only blanks between the previous line break (or the line's start in data) and the keyword.
        let p = at;
        while (p > i && p > lineStart && isLineSpace(data[p - 1]!) && at - p < MAX_LEADING_SPACE) p--;
        const atLineStart = (p === lineStart && lineStart >= 0) || (p > 0 && data[p - 1] === 10 && p >= i);
        if (atLineStart) {
          best = [at, p, key.length, kind];
          return;
        }
        if (anywhere) {
          best = [at, at, key.length, kind];
          return;
        }
      }
    };
    if (this.resumeLine !== undefined) consider(this.resumeLine, 'resume', false);
    else {
      consider(ADD_MASK, 'add-mask', false);
      consider(STOP_COMMANDS, 'stop', false);
      consider(LEGACY_ADD_MASK, 'add-mask', true);
    }
    return best;
  }

  private appendCommand(part: Buffer): void {
    if (this.commandOverflow || part.length === 0) return;
    const room = MAX_COMMAND_LINE - this.commandLen;
    if (part.length > room) {
      part = part.subarray(0, room);
      this.commandOverflow = true;
    }
    this.command.push(Buffer.from(part));
    this.commandLen += part.length;
  }

  private finishCommand(): void {
    let value = Buffer.concat(this.command);
    if (value.length > 0 && value[value.length - 1] === 13 && !this.commandOverflow) value = value.subarray(0, -1);
    this.command = [];
    this.commandLen = 0;
    this.commandOverflow = false;
    this.inCommand = false;
    this.atLineStart = true;
    if (this.commandKind === 'stop') {
      // An empty token does not stop anything (the runner refuses it too).
      if (value.length > 0) this.resumeLine = Buffer.concat([Buffer.from('::'), value, Buffer.from('::')]);
      return;
    }
    if (this.commandKind === 'resume') {
      this.resumeLine = undefined;
      return;
    }
    // Everything before the command is settled first, so the new secret applies from here on (and to the
    // held tail, which is rescanned) whatever the chunking was.
    this.settle(false);
    this.onCommand!(value);
    // The automata are rebuilt (and the held tail rescanned) lazily, at the next ingest or settle: a run of
    // `::add-mask::` lines costs one rebuild.
  }

  // ---- 2. scanning ---------------------------------------------------------------------------------------

  /** Appends bytes to the unemitted data and scans them. */
  private ingest(piece: Buffer): void {
    if (piece.length === 0) return;
    if (this.registry.version !== this.version) this.refresh();
    const at = this.pos;
    if (this.cursor === this.pos) {
      this.data = piece;
      this.ownsData = false;
      this.dataStart = this.pos;
      this.seg2 = undefined;
    } else {
      if (this.seg2) {
        // A third segment (only when command lines split a write): fold the first two together.
        this.data = Buffer.concat(this.pieces(this.cursor, this.pos));
        this.ownsData = true;
        this.dataStart = this.cursor;
      }
      this.seg2 = piece;
      this.split = this.pos;
    }
    this.pos += piece.length;
    this.scan(piece, 0, piece.length, at);
  }

  /** The byte at stream offset `off` (unemitted). */
  private byteAt(off: number): number {
    return this.seg2 !== undefined && off >= this.split ? this.seg2[off - this.split]! : this.data[off - this.dataStart]!;
  }

  /** Views of the unemitted bytes [a, b): one, or two when the range crosses the segments. */
  private pieces(a: number, b: number): Buffer[] {
    if (a >= b) return [];
    const d = this.dataStart;
    const seg2 = this.seg2;
    if (seg2 === undefined || b <= this.split) return [this.data.subarray(a - d, b - d)];
    if (a >= this.split) return [seg2.subarray(a - this.split, b - this.split)];
    return [this.data.subarray(a - d, this.split - d), seg2.subarray(0, b - this.split)];
  }

  /** The unemitted bytes [a, b) as one buffer (a copy only when they cross the segments). */
  private slice(a: number, b: number): Buffer {
    const p = this.pieces(a, b);
    return p.length === 0 ? EMPTY : p.length === 1 ? p[0]! : Buffer.concat(p);
  }

  /** Recompiles when the registry changed and rescans the unemitted tail with the new needles. */
  private refresh(): void {
    if (this.registry.version === this.version) return;
    const c = this.registry.compile(this.triggers, this.triggerKey);
    this.version = c.version;
    this.all = c.all;
    this.b64 = c.base64;
    this.base64Of = c.base64Of;
    this.grams = c.grams;
    this.grams4 = c.grams4;
    this.short3 = c.short3;
    this.breakStops = c.breakStops;
    this.short3Forms = c.short3Forms;
    this.starts4 = c.starts4;
    this.formStarts4 = c.formStarts4;
    let ring = 2;
    while (ring <= this.b64.maxNeedle + 1) ring *= 2;
    if (ring > this.offs.length) this.offs = new Float64Array(ring);
    this.ringMask = this.offs.length - 1;
    this.as = 0;
    this.bOn = false;
    this.bs = 0;
    this.brk = 0;
    if (this.pos > this.cursor) {
      let at = this.cursor;
      for (const p of this.pieces(this.cursor, this.pos)) {
        this.scan(p, 0, p.length, at);
        at += p.length;
      }
    }
  }

  /**
   * The hot loop. While the automaton is at its root (and the Base64 automaton is idle), a start filter over
   * three-byte grams skips every position where no needle or trigger can begin (four positions per test, with no
   * dependency between them); elsewhere it takes one table load per byte. Where the filter stops (a first-stage
   * hit, or a line break), mayGoOn may let the skip go on: a hit that the four-byte second stage rejects, a break
   * that cannot start the Base64 automaton. Leaving the skip, the true state is rebuilt from the last two bytes:
   * a needle prefix of 4 bytes or more would have stopped the skip, and one of exactly 3 whose fourth byte the
   * second stage rejected cannot go on (its last two bytes give the same next state); the state matters for a
   * Base64 partial before a line break and for the hold-back.
   */
  private scan(data: Buffer, from: number, to: number, base: number): void {
    const T = this.all.delta;
    const C = this.all.classes;
    const G = this.grams;
    let as = this.as;
    let bOn = this.bOn;
    let i = from;
    while (i < to) {
      if (G !== undefined && as === 0 && !bOn) {
        const skipStart = i;
        // Four positions per test while none stops (a quarter of the branches; measured +50% for the loop alone),
        // then one at a time up to the stop; where the filter stops, mayGoOn often lets the skip go on.
        for (;;) {
          while (i + 5 < to) {
            const c0 = data[i]!;
            const c1 = data[i + 1]!;
            const c2 = data[i + 2]!;
            const c3 = data[i + 3]!;
            const c4 = data[i + 4]!;
            const c5 = data[i + 5]!;
            if (c0 === 10 || c0 === 13 || c1 === 10 || c1 === 13 || c2 === 10 || c2 === 13 || c3 === 10 || c3 === 13 ||
              (G[(c0 * 1031 + c1 * 37 + c2) & 0xffff]! | G[(c1 * 1031 + c2 * 37 + c3) & 0xffff]! |
                G[(c2 * 1031 + c3 * 37 + c4) & 0xffff]! | G[(c3 * 1031 + c4 * 37 + c5) & 0xffff]!) !== 0) break;
            i += 4;
          }
          while (i + 2 < to) {
            const c = data[i]!;
            if (c === 10 || c === 13 || G[(c * 1031 + data[i + 1]! * 37 + data[i + 2]!) & 0xffff] !== 0) break;
            i++;
          }
          if (i + 2 >= to || !this.mayGoOn(data, i, to, skipStart)) break;
          i++;
        }
        if (i > skipStart) {
          // Rebuild the state before i from at most two bytes (all within the skipped run).
          as = 0;
          for (let k = i - 2 > skipStart ? i - 2 : skipStart; k < i; k++) {
            const x = T[as + C[data[k]!]!]!;
            as = x < 0 ? ~x : x;
          }
        }
      }
      const stop = i + 1 < to ? i + 1 : to;
      for (; i < stop || (i < to && (as !== 0 || bOn || G === undefined)); i++) {
        const c = data[i]!;
        const prev = as;
        const x = T[as + C[c]!]!;
        if (x < 0) {
          as = ~x;
          this.onMatch(as, base + i + 1);
        } else as = x;
        if (bOn || c === 10 || c === 13) bOn = this.stepBase64(c, base + i, prev);
      }
    }
    this.as = as;
  }

  /**
   * Where the skip loop stopped at i (a line break, or a first-stage hit), may it skip i after all? A break, when
   * the bytes before it in the run cannot end the start of a Base64 form (`breakStops`; a break at the run's first
   * byte follows the root state) and no needle may begin at it; a first-stage hit, when the second stage says no.
   */
  private mayGoOn(data: Buffer, i: number, to: number, skipStart: number): boolean {
    const c = data[i]!;
    if (c === 10 || c === 13) {
      if (i - skipStart === 1) return false;
      if (i - skipStart >= 2) {
        const a = data[i - 2]!;
        const b = data[i - 1]!;
        if ((this.breakStops![(a << 3) | (b >>> 5)]! & (1 << (b & 31))) !== 0) return false;
      }
      if (this.grams![(c * 1031 + data[i + 1]! * 37 + data[i + 2]!) & 0xffff] === 0) return true;
    }
    return !this.secondStage(data, i, to, skipStart);
  }

  /**
   * Second stage of the start filter (registry.ts: gramHash4, short3) where the first said yes: may a needle begin
   * at i? At the end of the data, yes; before a line break too (a Base64 form may go on after it).
   */
  private secondStage(data: Buffer, i: number, to: number, from: number): boolean {
    if (i + 3 >= to) return true;
    const a = data[i]!;
    const b = data[i + 1]!;
    const c = data[i + 2]!;
    const d = data[i + 3]!;
    if (d === 10 || d === 13) return true;
    const s3 = this.short3![(a * 8191 + b * 1031 + c * 131) & 0xfff]!;
    const h = Math.imul((a << 24) | (b << 16) | (c << 8) | d, 0x9e3779b1) >>> 14;
    const g4 = (this.grams4![h >>> 5]! & (1 << (h & 31))) !== 0;
    if (s3 < 0) return true;
    const key = 0x1000000 | (a << 16) | (b << 8) | c;
    const short = s3 === key;
    if (!short && !g4) return false;
    // Needles begin here. Triggers whose rules all reject the candidate right away let the skip go on, when no
    // registered form begins here (grams4 may collide: the exact sets decide).
    if (short && (this.short3Forms!.has(key) || !allReject(this.vetoes.get(key), data, i, to, from))) return true;
    if (g4) {
      const p4 = ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
      if (this.starts4!.has(p4) && (this.formStarts4!.has(p4) || !allReject(this.vetoes4.get(p4), data, i, to, from))) return true;
    }
    return false;
  }

  private onMatch(row: number, end: number): void {
    const st = row / this.all.classCount;
    const len = this.all.maskLen[st]!;
    if (len > 0) this.addExtended(end - len, end, this.all.ext[st]!);
    if (this.all.hasTriggers[st] === 0) return;
    const hits = this.all.triggers.get(st);
    if (hits) for (const [id, tlen] of hits) if (this.keywordAt(id, end - tlen)) this.openWindow(this.triggerRule[id]!, end - tlen);
  }

  /**
   * The break-skipping Base64 automaton, for byte `c` at stream offset `at`. `prevRow`: the main automaton's
   * row before `c`. It starts at a line break whose preceding text ends with the start of a Base64 form
   * (that partial is contiguous, so its offsets are known) and stops once its partial match lies after the
   * last break, where the main automaton sees it whole. Returns whether it still runs.
   */
  private stepBase64(c: number, at: number, prevRow: number): boolean {
    const B = this.b64;
    const M = this.ringMask;
    if (!this.bOn) {
      const row = this.base64Of[prevRow / this.all.classCount]!;
      if (row === 0) return false;
      const d = B.depth[row / B.classCount]!;
      for (let j = 0; j < d; j++) this.offs[(this.f + j) & M] = at - d + j;
      this.f += d;
      this.bs = row;
      this.brk = 0;
      this.bOn = true;
    }
    if (c === 10) {
      if (this.brk === 2) this.bs = 0;
      else this.brk = 2;
      this.sinceBreak = 0;
    } else if (c === 13) {
      if (this.brk !== 0) this.bs = 0;
      this.brk = 1;
      this.sinceBreak = 0;
    } else {
      if (this.brk === 1) this.bs = 0;
      this.brk = 0;
      this.offs[this.f & M] = at;
      const y = B.delta[this.bs + B.classes[c]!]!;
      if (y < 0) {
        this.bs = ~y;
        this.onBase64(this.bs, this.f, at + 1);
      } else this.bs = y;
      this.f++;
      this.sinceBreak++;
    }
    if (this.bs === 0 || (this.brk === 0 && B.depth[this.bs / B.classCount]! <= this.sinceBreak)) {
      this.bOn = false;
      this.bs = 0;
    }
    return this.bOn;
  }

  private onBase64(row: number, f: number, end: number): void {
    const st = row / this.b64.classCount;
    const len = this.b64.maskLen[st]!;
    const start = this.offs[(f - len + 1) & this.ringMask]!;
    this.addExtended(start, end, this.b64.ext[st]!);
    if (end - start > len) this.keeps = mergeInto(this.keeps, start, end);
  }

  /**
   * A Base64 form's span widened by the characters next to it that carry bits of the secret (policy.ts,
   * base64FormFlags): the byte before (held back for this: settle) and the byte after (now, or when it arrives).
   */
  private addExtended(start: number, end: number, ext: number): void {
    if ((ext & 1) !== 0 && start - 1 >= this.cursor && isBase64Byte(this.byteAt(start - 1))) start--;
    this.addSpan(start, end);
    if ((ext & 2) !== 0) {
      if (end < this.pos) {
        if (isBase64Byte(this.byteAt(end))) this.addSpan(end, end + 1);
      } else this.pendingRight = end;
    }
  }

  private addSpan(s: number, e: number): void {
    if (s < this.cursor) s = this.cursor; // defensive: never reach into emitted bytes
    if (e <= s) return;
    this.spans = mergeInto(this.spans, s, e);
  }

  /**
   * Triggers are matched on the first four letters of a keyword (in every case); the rest is checked here,
   * ignoring ASCII case. Bytes not written yet count as a match, so the decision never waits: a window opened
   * for a keyword that turns out absent finds nothing a present keyword's own window would not.
   */
  private keywordAt(id: number, start: number): boolean {
    const full = this.triggerFull[id]!;
    for (let j = 4; j < full.length; j++) {
      const off = start + j;
      if (off >= this.pos) return true;
      let c = this.byteAt(off);
      if (c >= 0x41 && c <= 0x5a) c += 0x20;
      if (c !== full[j]) return false;
    }
    return true;
  }

  private openWindow(rule: number, trigger: number): void {
    let start = trigger;
    const lb = this.rules[rule]!.lookbehind;
    if (lb) {
      const floor = Math.max(this.cursor, trigger - lb.max);
      while (start > floor && lb.accepts(this.byteAt(start - 1))) start--;
    }
    // Several triggers inside one token give the same window: one is enough. (A rescan after a registration
    // may open a window twice; deciding it twice yields the same spans.)
    if (this.lastWindowStart[rule] === start) return;
    this.lastWindowStart[rule] = start;
    const quick = this.rules[rule]!.shortReject;
    if (quick) {
      // Most keyword hits in logs are words (`path`, `Sentry`): decided here, without a window.
      const lim = Math.min(this.pos, start + quick.minLength);
      for (let p = trigger; p < lim; p++) if (quick.ends(this.byteAt(p))) return;
    }
    this.windows.push({ rule, start, trigger });
  }

  // ---- 3.–5. decide, limit, emit ------------------------------------------------------------------------

  private settle(final: boolean): void {
    if (this.registry.version !== this.version) this.refresh();
    if (this.pendingRight >= 0 && this.pendingRight < this.pos) {
      if (isBase64Byte(this.byteAt(this.pendingRight))) this.addSpan(this.pendingRight, this.pendingRight + 1);
      this.pendingRight = -1;
    }
    if (this.windows.length > 0) this.decideWindows(final);
    let limit = this.pos;
    if (!final) {
      const st = this.as / this.all.classCount;
      limit -= this.all.depth[st]! + (this.all.ext[st]! >>> 2); // + the byte before a left-extending form's start
      const bd = this.bOn ? this.b64.depth[this.bs / this.b64.classCount]! : 0;
      if (bd > 0) limit = Math.min(limit, this.offs[(this.f - bd) & this.ringMask]! - (this.b64.ext[this.bs / this.b64.classCount]! >>> 2));
      // A left-extending Base64 form may begin in the next write: its left neighbour is this write's last byte.
      if (limit === this.pos && this.all.hasLeftExt && this.pos > this.cursor && isBase64Byte(this.byteAt(this.pos - 1))) limit--;
      for (const w of this.windows) if (w.start < limit) limit = w.start;
      if (this.lookbehindAccepts) {
        // Hold the trailing run of look-behind bytes, so a trigger in the next write can reach back over it.
        const accepts = this.lookbehindAccepts;
        const floor = Math.max(this.cursor, this.pos - this.lookbehindMax);
        let p = this.pos;
        while (p > floor && accepts(this.byteAt(p - 1))) p--;
        if (p < limit) limit = p;
      }
    }
    else this.maskHeldPrefix();
    if (limit > this.cursor) this.emitTo(limit);
  }

  /**
   * End of stream (a child killed mid-secret): a held-back tail that begins a registered form, 4 code points or
   * more, is masked rather than flushed. The longest such tail: the main automaton's failure chain lists every
   * suffix that is a needle or trigger prefix, longest first; the break-skipping Base64 automaton's partial too.
   */
  private maskHeldPrefix(): void {
    const A = this.all;
    let st = this.as / A.classCount;
    while (st !== 0 && A.needlePrefix[st] === 0) st = A.fail[st]!;
    if (st !== 0) this.maskTailFrom(this.pos - A.depth[st]!);
    if (this.bOn) {
      const bd = this.b64.depth[this.bs / this.b64.classCount]!;
      if (bd < 4) return;
      // Its characters may straddle line breaks: those are kept (as for a whole wrapped match), trailing ones too.
      const start = this.offs[(this.f - bd) & this.ringMask]!;
      let end = this.pos;
      while (end > start && (this.byteAt(end - 1) === 10 || this.byteAt(end - 1) === 13)) end--;
      if (start < this.cursor || end <= start) return;
      this.addSpan(start, end);
      if (end - start > bd) this.keeps = mergeInto(this.keeps, start, end);
    }
  }

  /** Masks [start, pos) less its trailing line breaks (they carry nothing of a secret), when 4 code points or more. */
  private maskTailFrom(start: number): void {
    let end = this.pos;
    while (end > start && (this.byteAt(end - 1) === 10 || this.byteAt(end - 1) === 13)) end--;
    let chars = 0;
    for (let p = Math.max(start, this.cursor); p < end && chars < 4; p++) if ((this.byteAt(p) & 0xc0) !== 0x80) chars++;
    if (chars >= 4) this.addSpan(start, end);
  }

  private decideWindows(final: boolean): void {
    const still: Window[] = [];
    for (const w of this.windows) {
      const rule = this.rules[w.rule]!;
      const capEnd = w.start + rule.cap;
      const end = Math.min(this.pos, capEnd);
      const win = this.slice(w.start, end);
      const t = w.trigger - w.start;
      const d = rule.decide(win, t);
      let spans: readonly RelSpan[];
      if (d >= 0 && d <= win.length) spans = rule.match(win.subarray(0, d), t);
      else if (end === capEnd || final) spans = rule.failClosed ? [[t, win.length]] : rule.match(win, t);
      else {
        still.push(w);
        continue;
      }
      for (const [s, e] of spans) this.addSpan(w.start + Math.max(0, s), w.start + Math.min(e, win.length));
    }
    this.windows = still;
  }

  private emitTo(limit: number): void {
    const spans = this.spans;
    let cur = this.cursor;
    let k = 0;
    while (k < spans.length && spans[k]! < limit) {
      const s = spans[k]!;
      const e = spans[k + 1]!;
      if (cur < s) {
        for (const p of this.pieces(cur, s)) this.out.push(p);
        cur = s;
        this.maskOpen = false;
      }
      if (!this.maskOpen) {
        this.maskOpen = true;
        this.needStars = true;
      }
      const stop = e < limit ? e : limit;
      this.consumeMasked(cur, stop);
      cur = stop;
      if (e > limit) {
        spans[k] = limit; // the rest of this span is still pending
        break;
      }
      k += 2;
    }
    if (k > 0) this.spans = spans.slice(k);
    if (cur < limit) {
      for (const p of this.pieces(cur, limit)) this.out.push(p);
      cur = limit;
      this.maskOpen = false;
    }
    this.cursor = cur;
    // Keep ranges entirely behind the cursor are done.
    let d = 0;
    while (d < this.keeps.length && this.keeps[d + 1]! <= cur) d += 2;
    if (d > 0) this.keeps = this.keeps.slice(d);
  }

  /** Masked bytes [a, b): one `***` per line part; breaks inside Base64 spans that crossed them are kept. */
  private consumeMasked(a: number, b: number): void {
    if (this.onMask) this.onMask(a, b);
    if (this.detectOnly) {
      for (const p of this.pieces(a, b)) this.out.push(p);
      return;
    }
    const keeps = this.keeps;
    let p = a;
    let ki = 0;
    while (ki < keeps.length && keeps[ki + 1]! <= p) ki += 2;
    while (p < b) {
      if (ki >= keeps.length || keeps[ki]! >= b) {
        this.stars();
        return;
      }
      const ks = keeps[ki]!;
      const ke = keeps[ki + 1]!;
      if (ks > p) {
        this.stars();
        p = ks;
      }
      const q = ke < b ? ke : b;
      for (; p < q; p++) {
        const c = this.byteAt(p);
        if (c === 10 || c === 13) {
          this.out.push(c === 10 ? LF_BUF : CR_BUF);
          this.needStars = true;
        } else this.stars();
      }
      if (ke <= b) ki += 2;
    }
  }

  private stars(): void {
    if (this.needStars) {
      this.out.push(STARS);
      this.needStars = false;
    }
  }

  /** 6. Copies the unemitted tail so the caller's chunk is not retained. */
  private keepTail(): void {
    if (this.cursor === this.pos) {
      this.data = EMPTY;
      this.ownsData = true;
      this.dataStart = this.pos;
      this.seg2 = undefined;
    } else if (this.seg2 !== undefined || !this.ownsData || this.dataStart !== this.cursor) {
      this.data = Buffer.concat(this.pieces(this.cursor, this.pos));
      this.ownsData = true;
      this.dataStart = this.cursor;
      this.seg2 = undefined;
    }
  }
}

/** Adds [s, e) to a merged sorted flat span list, merging spans that overlap or touch. */
function mergeInto(list: number[], s: number, e: number): number[] {
  const n = list.length;
  if (n === 0 || s > list[n - 1]!) {
    list.push(s, e);
    return list;
  }
  if (e >= list[n - 1]!) {
    // Common case (matches arrive in end order): merge with a suffix.
    let i = n;
    while (i > 0 && list[i - 1]! >= s) {
      if (list[i - 2]! < s) s = list[i - 2]!;
      i -= 2;
    }
    list.length = i;
    list.push(s, e);
    return list;
  }
  // General case (rule spans, rescans): insert and renormalise.
  const pairs: [number, number][] = [];
  for (let i = 0; i < n; i += 2) pairs.push([list[i]!, list[i + 1]!]);
  pairs.push([s, e]);
  pairs.sort((x, y) => x[0] - y[0]);
  const out: number[] = [];
  for (const [a, b] of pairs) {
    const m = out.length;
    if (m > 0 && a <= out[m - 1]!) {
      if (b > out[m - 1]!) out[m - 1] = b;
    } else out.push(a, b);
  }
  return out;
}
