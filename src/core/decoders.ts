/**
 * Finds encoded segments in scanned bytes and decodes them, so the full rule set can scan the decoded text
 * (a Kubernetes Secret `data:` value, a base64'd .env file, `p%40ss` in a URL, hex of a token).
 *
 * - base64 (standard and URL-safe alphabets, padding optional): a maximal run of `[A-Za-z0-9+/_-]` of at least
 *   16 characters with at least one upper-case letter or digit and one lower-case letter.
 * - hex: a run of hex digits of even length ≥ 32 (tried before base64 on all-hex runs).
 * - percent: the run of URL characters (no whitespace, quotes, brackets, `<>`) around a `%XX` escape.
 * - wrapped base64: a run of lines of the same width (base64 without -w0, MIME, PEM-like, a YAML `|` block) joined
 *   into one segment (see "base64 wrapped over several lines" below); PEM bodies are skipped.
 * Segments are at most MAX_SEGMENT bytes (longer runs — embedded images, blobs — are skipped). A decoding is kept
 * only if it looks like text: valid UTF-8, no control bytes but tab/CR/LF. The check runs while decoding, so
 * random identifiers are rejected after a few bytes; only accepted decodings are copied out.
 *
 * Positions map back exactly: a range of decoded bytes maps to the encoded characters that produced it.
 */

export type DecoderKind = 'base64' | 'percent' | 'hex';

/** Longest encoded segment considered (bytes); equal to the scanner's window overlap so a segment is never cut. */
export const MAX_SEGMENT = 16 << 10;
const MIN_BASE64 = 16;
const MIN_HEX = 32;

export interface Segment {
  readonly kind: DecoderKind;
  /** Encoded span in the scanned buffer. */
  readonly start: number;
  readonly end: number;
  readonly decoded: Buffer;
  /** percent only: map[i] = offset (from start) of the encoded text of decoded byte i; map[n] = end - start. */
  readonly map?: Int32Array;
  /** wrapped base64 only: offset (from start) of each line's first Base64 character */
  readonly lines?: Int32Array;
  /** wrapped base64 only: characters per full line (a multiple of 4) */
  readonly width?: number;
}

const B64 = 1;
const HEX = 2;
const UPPER_DIGIT = 4;
const LOWER = 8;
const URL_STOP = 16;

const CLASS = new Uint8Array(256);
const B64_VALUE = new Int8Array(256).fill(-1);
const HEX_VALUE = new Int8Array(256).fill(-1);
{
  const alpha = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < 64; i++) B64_VALUE[alpha.charCodeAt(i)] = i;
  B64_VALUE[0x2d] = 62; // '-'
  B64_VALUE[0x5f] = 63; // '_'
  for (let b = 0; b < 256; b++) {
    if (B64_VALUE[b]! >= 0) CLASS[b]! |= B64;
    if ((b >= 0x41 && b <= 0x5a) || (b >= 0x30 && b <= 0x39)) CLASS[b]! |= UPPER_DIGIT;
    if (b >= 0x61 && b <= 0x7a) CLASS[b]! |= LOWER;
    if (b <= 0x20 || b === 0x7f || '"\'`<>()[]{}\\'.includes(String.fromCharCode(b))) CLASS[b]! |= URL_STOP;
  }
  const hex = '0123456789abcdefABCDEF';
  for (let i = 0; i < hex.length; i++) {
    const c = hex.charCodeAt(i);
    CLASS[c]! |= HEX;
    HEX_VALUE[c] = parseInt(hex[i]!, 16);
  }
}

/**
 * Decodes encoded segments whose first byte lies in [from, to) of buf (the whole buffer is context: a run may
 * extend to either end of it). Appends accepted segments to `out`, in order of start.
 */
export function findSegments(buf: Buffer, from: number, to: number, out: Segment[]): void {
  const len = buf.length;
  // base64 and hex runs. A JS byte loop that probes every MIN_BASE64-th byte (a run long enough to matter must
  // cover the probe), so most of the text is never touched; RE2 finding `[A-Za-z0-9+/_-]{16,}` was slower
  // (~93 MB/s on source text: ~36k exec calls per 8 MiB), a plain loop over every byte ~200 MB/s.
  let i = from;
  // a wrapped block that started before `from` belongs to an earlier window: skip it if that window decoded it
  if (i > 0 && i < len) {
    const r = resumeInBlock(buf, from);
    if (r > from) i = r;
  }
  // a run that started before `from` belongs to an earlier window: skip to its end
  if (i === from && i > 0 && (CLASS[buf[i - 1]!]! & B64) !== 0) {
    while (i < to && (CLASS[buf[i]!]! & B64) !== 0) i++;
  }
  // lines before this are known continuations of a block being decoded line by line
  let noHeadBefore = -1;
  // invariant: i === 0 or buf[i - 1] is not an alphabet byte
  if (i > 0 && i < len && (CLASS[buf[i - 1]!]! & B64) !== 0) i++;
  while (i < to) {
    const probe = i + MIN_BASE64 - 1;
    if (probe >= len) break;
    if ((CLASS[buf[probe]!]! & B64) === 0) {
      i = probe + 1;
      continue;
    }
    let start = probe;
    while (start > i && (CLASS[buf[start - 1]!]! & B64) !== 0) start--;
    if (start >= to) break;
    let j = probe + 1;
    while (j < len && (CLASS[buf[j]!]! & B64) !== 0) j++;
    const runEnd = j;
    i = runEnd + 1; // buf[runEnd] is not an alphabet byte
    const n = runEnd - start;
    if (n < MIN_BASE64) continue;
    if (n >= MIN_WRAP && n <= MAX_WRAP && (n & 3) === 0 && runEnd < len && start >= noHeadBefore) {
      // the first line of base64 wrapped over several lines?
      const nl = buf[runEnd] === 0x0a ? runEnd : buf[runEnd] === 0x0d && buf[runEnd + 1] === 0x0a ? runEnd + 1 : -1;
      if (nl >= 0 && isHead(buf, nl)) {
        const r = wrappedBlock(buf, nl, out);
        if (r >= 0) {
          i = r;
          continue;
        }
        // decoded line by line: the block's other lines are continuations, not heads (saves re-checking them)
        noHeadBefore = chainEnd;
      }
    }
    let acc = 0;
    let allHex = HEX;
    for (let k = start; k < runEnd; k++) {
      const c = CLASS[buf[k]!]!;
      acc |= c;
      allHex &= c;
    }
    let padEnd = runEnd;
    while (padEnd < len && padEnd - runEnd < 2 && buf[padEnd] === 0x3d) padEnd++;
    if (padEnd - start >= MAX_SEGMENT) continue;
    if (allHex !== 0 && n >= MIN_HEX && n % 2 === 0) {
      const d = decodeHex(buf, start, runEnd);
      if (d) {
        out.push({ kind: 'hex', start, end: runEnd, decoded: d });
        continue;
      }
    }
    if ((acc & UPPER_DIGIT) === 0 || (acc & LOWER) === 0) continue;
    const d = decodeBase64(buf, start, runEnd);
    if (d) out.push({ kind: 'base64', start, end: padEnd, decoded: d });
  }

  // percent-encoded runs
  // a run starting in [from, to) may have its first escape up to MAX_SEGMENT bytes later
  const limit = Math.min(len, to + MAX_SEGMENT);
  let p = buf.indexOf(0x25, from);
  let lastEnd = -1;
  while (p >= 0 && p < limit) {
    if (p + 2 < len && HEX_VALUE[buf[p + 1]!]! >= 0 && HEX_VALUE[buf[p + 2]!]! >= 0 && p >= lastEnd) {
      let s = p;
      const floor = Math.max(0, p - MAX_SEGMENT);
      while (s > floor && (CLASS[buf[s - 1]!]! & URL_STOP) === 0) s--;
      // the forward scan is bounded from p, not from s: a run reaching back MAX_SEGMENT bytes would otherwise give
      // e === p and the search would find this same '%' again, forever
      let e = p + 1;
      const ceil = Math.min(len, p + MAX_SEGMENT);
      while (e < ceil && (CLASS[buf[e]!]! & URL_STOP) === 0) e++;
      lastEnd = e;
      // the run is owned by the window holding its start
      if (s >= from && s < to && e - s < MAX_SEGMENT && (s === 0 || (CLASS[buf[s - 1]!]! & URL_STOP) !== 0)) {
        const seg = decodePercent(buf, s, e);
        if (seg) insertSorted(out, seg);
      }
      p = buf.indexOf(0x25, e);
    } else {
      p = buf.indexOf(0x25, p + 1);
    }
  }
}

function insertSorted(out: Segment[], seg: Segment): void {
  let k = out.length;
  while (k > 0 && out[k - 1]!.start > seg.start) k--;
  out.splice(k, 0, seg);
}

/** Encoded span [start, end) (absolute in the scanned buffer) of decoded bytes [a, b) of seg. */
export function mapSpan(seg: Segment, a: number, b: number): [number, number] {
  if (b <= a) b = a + 1;
  switch (seg.kind) {
    case 'hex':
      return [seg.start + 2 * a, seg.start + 2 * b];
    case 'base64': {
      if (seg.lines) return mapWrapped(seg, seg.lines, seg.width!, a, b);
      const s = 4 * Math.floor(a / 3) + (a % 3);
      const last = b - 1;
      const e = 4 * Math.floor(last / 3) + (last % 3) + 2;
      return [seg.start + s, Math.min(seg.end, seg.start + e)];
    }
    case 'percent': {
      const map = seg.map!;
      return [seg.start + map[a]!, seg.start + map[b]!];
    }
    default:
      return seg.kind satisfies never;
  }
}

// --- decoding with an incremental "looks like text" check ---

const scratch = Buffer.allocUnsafe(MAX_SEGMENT);

/** UTF-8 / control-byte checker state: number of continuation bytes still expected (-1 = rejected). */
function textByte(state: number, x: number): number {
  if (state > 0) return (x & 0xc0) === 0x80 ? state - 1 : -1;
  if (x < 0x80) return x >= 0x20 ? (x === 0x7f ? -1 : 0) : x === 9 || x === 10 || x === 13 ? 0 : -1;
  if (x >= 0xc2 && x <= 0xdf) return 1;
  if (x >= 0xe0 && x <= 0xef) return 2;
  if (x >= 0xf0 && x <= 0xf4) return 3;
  return -1;
}

function decodeBase64(buf: Buffer, start: number, end: number): Buffer | null {
  let n = end - start;
  if (n % 4 === 1) n--;
  const out = scratch;
  let o = 0;
  let st = 0;
  let i = start;
  const stop = start + n;
  while (i + 4 <= stop) {
    const v = (B64_VALUE[buf[i]!]! << 18) | (B64_VALUE[buf[i + 1]!]! << 12) | (B64_VALUE[buf[i + 2]!]! << 6) | B64_VALUE[buf[i + 3]!]!;
    const x = v >>> 16, y = (v >>> 8) & 0xff, z = v & 0xff;
    if ((st = textByte(st, x)) < 0 || (st = textByte(st, y)) < 0 || (st = textByte(st, z)) < 0) return null;
    out[o++] = x;
    out[o++] = y;
    out[o++] = z;
    i += 4;
  }
  const rest = stop - i;
  if (rest >= 2) {
    const v = (B64_VALUE[buf[i]!]! << 18) | (B64_VALUE[buf[i + 1]!]! << 12) | (rest === 3 ? B64_VALUE[buf[i + 2]!]! << 6 : 0);
    const x = v >>> 16;
    if ((st = textByte(st, x)) < 0) return null;
    out[o++] = x;
    if (rest === 3) {
      const y = (v >>> 8) & 0xff;
      if ((st = textByte(st, y)) < 0) return null;
      out[o++] = y;
    }
  }
  if (st !== 0) return null;
  return Buffer.from(out.subarray(0, o));
}

function decodeHex(buf: Buffer, start: number, end: number): Buffer | null {
  const out = scratch;
  let o = 0;
  let st = 0;
  for (let i = start; i < end; i += 2) {
    const x = (HEX_VALUE[buf[i]!]! << 4) | HEX_VALUE[buf[i + 1]!]!;
    if ((st = textByte(st, x)) < 0) return null;
    out[o++] = x;
  }
  if (st !== 0) return null;
  return Buffer.from(out.subarray(0, o));
}

function decodePercent(buf: Buffer, start: number, end: number): Segment | null {
  const out = scratch;
  const map = new Int32Array(end - start + 1);
  let o = 0;
  let st = 0;
  let escapes = 0;
  for (let i = start; i < end; ) {
    let x = buf[i]!;
    map[o] = i - start;
    if (x === 0x25 && i + 2 < end && HEX_VALUE[buf[i + 1]!]! >= 0 && HEX_VALUE[buf[i + 2]!]! >= 0) {
      x = (HEX_VALUE[buf[i + 1]!]! << 4) | HEX_VALUE[buf[i + 2]!]!;
      i += 3;
      escapes++;
    } else {
      i++;
    }
    if ((st = textByte(st, x)) < 0) return null;
    out[o++] = x;
  }
  if (st !== 0 || escapes === 0) return null;
  map[o] = end - start;
  return { kind: 'percent', start, end, decoded: Buffer.from(out.subarray(0, o)), map: map.slice(0, o + 1) };
}


// --- base64 wrapped over several lines ---
//
// A block: a head line whose text ends with a run of W Base64 characters (40 ≤ W ≤ MAX_WRAP, W a multiple of 4;
// anything may come before it: indentation, `KEY=`, `data: `), then lines made only of indentation + Base64: full
// ones (exactly W characters, the same indentation — that of the head when the head is only indentation + Base64)
// and optionally one shorter last line (with `=` padding, ending the line or followed by a closing quote/bracket).
// Every decision about a line reads at most one line back and two lines ahead (`lineKind`, `joined`), so a window
// starting inside a block can find the block's head (`resumeInBlock`) and decide exactly as the window owning it.
// All reads for a block with head run start s lie in [s − BACK, s + BLOCK_CAP) with BLOCK_CAP + LINE_MAX + BACK well
// under MAX_SEGMENT (the window overlap): chunking never changes the result. Longer blocks, blocks that do not decode
// to text and all-hex blocks are decoded line by line as before; PEM bodies are skipped.

const MIN_WRAP = 40;
const MAX_WRAP = 256;
const MAX_INDENT = 64;
/** longest pure line read forward (indentation, run, padding, line break) */
const LINE_MAX = MAX_INDENT + MAX_WRAP + 16;
/** every forward read for a block lies within this many bytes of its first character */
const BLOCK_CAP = MAX_SEGMENT - 2048;
/** bytes looked back for a `-----BEGIN` line before a block */
const BEGIN_SCAN = 160;

const CLOSER = new Uint8Array(256);
for (const c of '"\'`,;)]}<') CLOSER[c.charCodeAt(0)] = 1;
const BEGIN = Buffer.from('-----BEGIN');
const END = Buffer.from('-----END');
const blockLines = new Int32Array(Math.ceil(BLOCK_CAP / MIN_WRAP) + 2);

const isBlank = (x: number): boolean => x === 0x20 || x === 0x09;

/** set by wrappedBlock when it returns −1: the lines it parsed end before this position */
let chainEnd = -1;

// results of `tail` (the Base64 run ending a line)
let tW = 0;
let tStart = 0;
let tPure = false;
let tLs = 0;

/** The run ending the line whose '\n' is at nl: a possible wrapped line (sets tW, tStart, tPure, tLs). */
function tail(buf: Buffer, nl: number): boolean {
  let e = nl;
  if (e > 0 && buf[e - 1] === 0x0d) e--;
  let k = e;
  const floor = Math.max(0, e - MAX_WRAP - 1);
  while (k > floor && (CLASS[buf[k - 1]!]! & B64) !== 0) k--;
  const w = e - k;
  if (w < MIN_WRAP || w > MAX_WRAP || (w & 3) !== 0) return false;
  let m = k;
  while (m > 0 && k - m < MAX_INDENT && isBlank(buf[m - 1]!)) m--;
  tW = w;
  tStart = k;
  tPure = m === 0 || buf[m - 1] === 0x0a;
  tLs = m;
  return true;
}

// results of `line` (a line of indentation + Base64 + padding)
let lIndEnd = 0;
let lW = 0;
let lPad = 0;
let lEnd = 0;
let lEol = false;
let lNext = -1;

/** Parses the line starting at ls as indentation + Base64 run + padding + terminator (sets the l* results). */
function line(buf: Buffer, ls: number): boolean {
  const len = buf.length;
  let k = ls;
  while (k < len && k - ls < MAX_INDENT && isBlank(buf[k]!)) k++;
  lIndEnd = k;
  const lim = Math.min(len, k + MAX_WRAP + 1);
  while (k < lim && (CLASS[buf[k]!]! & B64) !== 0) k++;
  const w = k - lIndEnd;
  if (w < 2 || w > MAX_WRAP || (w & 3) === 1) return false;
  let p = k;
  while (p < len && p - k < 2 && buf[p] === 0x3d) p++;
  lW = w;
  lPad = p - k;
  lEnd = p;
  lEol = false;
  lNext = -1;
  if (p === len) return true;
  const c = buf[p]!;
  if (c === 0x0a) {
    lEol = true;
    lNext = p + 1;
  } else if (c === 0x0d && p + 1 < len && buf[p + 1] === 0x0a) {
    lEol = true;
    lNext = p + 2;
  } else if (CLOSER[c] === 0) {
    return false;
  }
  return true;
}

function sameBytes(buf: Buffer, a: number, b: number, n: number): boolean {
  for (let k = 0; k < n; k++) if (buf[a + k] !== buf[b + k]) return false;
  return true;
}

/**
 * How the line starting at ls continues the line ending at nl: 0 = it does not, 1 = a full line (the block goes on),
 * 2 = a last line. Leaves the previous line's `tail` results set when non-zero.
 */
function lineKind(buf: Buffer, nl: number, ls: number): number {
  if (!tail(buf, nl)) return 0;
  if (!line(buf, ls)) return 0;
  if (lW + lPad > tW) return 0;
  if (tPure) {
    const n = tStart - tLs;
    if (lIndEnd - ls !== n || !sameBytes(buf, tLs, ls, n)) return 0;
  }
  return lW === tW && lPad === 0 && lEol ? 1 : 2;
}

/** set by `joined`: the previous line's start, or −2 when it is a head line with a prefix */
let jPrev = -1;

/**
 * Is the line starting at ls part of a block begun on an earlier line? Yes when it is a full line under a line of the
 * same width and indentation, or a last line (shorter, padded, closed) under one that does not start a block itself.
 * A last line that could start a block of its own starts one instead: decisions never depend on lines further back.
 */
function joined(buf: Buffer, ls: number): boolean {
  if (ls <= 0 || buf[ls - 1] !== 0x0a) return false;
  const k = lineKind(buf, ls - 1, ls);
  if (k === 0) return false;
  const prev = tPure ? tLs : -2;
  if (k === 2) {
    const nx = lNext;
    if (nx >= 0 && lineKind(buf, nx - 1, nx) !== 0) return false;
  }
  jPrev = prev;
  return true;
}

/** Does the head line whose run ends at the '\n' at nl start a block? (A line joined to the one before does not.) */
function isHead(buf: Buffer, nl: number): boolean {
  const k = lineKind(buf, nl, nl + 1);
  if (k === 0) return false;
  const pure = tPure;
  const ls = tLs;
  const nx = lNext;
  if (k === 2 && nx >= 0 && lineKind(buf, nx - 1, nx) !== 0) return false; // the next line starts its own block
  return !pure || !joined(buf, ls);
}

/** Does the line before the one starting at ls contain `-----BEGIN`? */
function beginBefore(buf: Buffer, ls: number): boolean {
  if (ls <= 0) return false;
  const e = ls - 1;
  const floor = Math.max(0, e - BEGIN_SCAN);
  let a = e;
  while (a > floor && buf[a - 1] !== 0x0a) a--;
  if (a > 0 && buf[a - 1] !== 0x0a) return false;
  return buf.subarray(a, e).indexOf(BEGIN) >= 0;
}

/** Does the line starting at ls start (after indentation) with `-----END`? */
function endAt(buf: Buffer, ls: number): boolean {
  let k = ls;
  while (k < buf.length && k - ls < MAX_INDENT && isBlank(buf[k]!)) k++;
  return k + END.length <= buf.length && buf.compare(END, 0, END.length, k, k + END.length) === 0;
}

/**
 * The block whose head line's run ends at the '\n' at nl (a verified head). Decodes it and appends its segment (when
 * `out` is given) or skips it (PEM); returns where to resume (one past the byte after the block), or −1 when the block
 * is to be decoded line by line (too long, not text, all hex, not mixed case).
 */
function wrappedBlock(buf: Buffer, nl: number, out: Segment[] | null): number {
  if (!tail(buf, nl)) return -1;
  const W = tW;
  const s = tStart;
  const headPure = tPure;
  const headLs = tLs;
  const limit = s + BLOCK_CAP;
  const lines = blockLines;
  let n = 0;
  lines[n++] = 0;
  let end = s + W;
  let lastW = W;
  let refInd = headPure ? headLs : -1;
  let refLen = headPure ? s - headLs : 0;
  let cur = nl + 1;
  chainEnd = -1;
  for (;;) {
    if (cur < 0) break;
    if (cur + LINE_MAX > limit) {
      chainEnd = cur;
      return -1; // too long: line by line
    }
    if (!line(buf, cur)) break;
    if (lW + lPad > W) break;
    const ind = lIndEnd - cur;
    if (refInd >= 0) {
      if (ind !== refLen || !sameBytes(buf, refInd, cur, ind)) break;
    } else {
      refInd = cur;
      refLen = ind;
    }
    if (!(lW === W && lPad === 0 && lEol)) {
      // a last line, unless it starts a block of its own
      const nx = lNext;
      const li = lIndEnd;
      const le = lEnd;
      const lw = lW;
      if (nx >= 0) {
        if (nx + LINE_MAX > limit) {
          chainEnd = end;
          return -1;
        }
        if (lineKind(buf, nx - 1, nx) !== 0) break;
      }
      lines[n++] = li - s;
      end = le;
      lastW = lw;
      cur = nx;
      break;
    }
    lines[n++] = lIndEnd - s;
    end = lEnd;
    cur = lNext;
  }
  if (n < 2) return -1;
  chainEnd = end;
  // PEM bodies (certificates, keys) have their own rules and decode to DER: skip them
  if ((headPure && beginBefore(buf, headLs)) || (cur >= 0 && endAt(buf, cur))) return end + 1;
  // decode line by line (W is a multiple of 4: lines decode independently), checking for text as we go
  const dst = scratch;
  let o = 0;
  let st = 0;
  let okO = -1;
  let okEnd = -1;
  let failed = false;
  for (let li = 0; li < n && !failed; li++) {
    if (li === n - 1 && n >= 3 && st === 0) {
      okO = o;
      okEnd = s + lines[li - 1]! + W;
    }
    const a = s + lines[li]!;
    const w = li === n - 1 ? lastW : W;
    const stop = a + w - (w % 4 === 1 ? 1 : 0);
    let i = a;
    while (i + 4 <= stop) {
      const v = (B64_VALUE[buf[i]!]! << 18) | (B64_VALUE[buf[i + 1]!]! << 12) | (B64_VALUE[buf[i + 2]!]! << 6) | B64_VALUE[buf[i + 3]!]!;
      const x = v >>> 16, y = (v >>> 8) & 0xff, z = v & 0xff;
      if ((st = textByte(st, x)) < 0 || (st = textByte(st, y)) < 0 || (st = textByte(st, z)) < 0) {
        failed = true;
        break;
      }
      dst[o++] = x;
      dst[o++] = y;
      dst[o++] = z;
      i += 4;
    }
    const rest = stop - i;
    if (!failed && rest >= 2) {
      const v = (B64_VALUE[buf[i]!]! << 18) | (B64_VALUE[buf[i + 1]!]! << 12) | (rest === 3 ? B64_VALUE[buf[i + 2]!]! << 6 : 0);
      if ((st = textByte(st, v >>> 16)) < 0) failed = true;
      else {
        dst[o++] = v >>> 16;
        if (rest === 3) {
          if ((st = textByte(st, (v >>> 8) & 0xff)) < 0) failed = true;
          else dst[o++] = (v >>> 8) & 0xff;
        }
      }
    }
  }
  if (failed || st !== 0) {
    // a last line that is not part of it (a short word under the block): keep the full lines
    if (okO < 0 || lastW === W) return -1;
    o = okO;
    end = okEnd;
    n--;
  }
  // mixed case and not all hex (hex wrapped over lines is decoded line by line as hex)
  let acc = 0;
  let allHex = HEX;
  for (let li = 0; li < n; li++) {
    const a = s + lines[li]!;
    const w = li === n - 1 ? Math.min(W, end - a) : W;
    for (let k = a; k < a + w; k++) {
      const c = CLASS[buf[k]!]!;
      acc |= c;
      allHex &= c;
    }
  }
  if (allHex !== 0 || (acc & UPPER_DIGIT) === 0 || (acc & LOWER) === 0) return -1;
  if (out) out.push({ kind: 'base64', start: s, end, decoded: Buffer.from(dst.subarray(0, o)), lines: lines.slice(0, n), width: W });
  return end + 1;
}

/**
 * `from` > 0 lies inside a wrapped block whose head starts before it (owned by an earlier window): where to resume
 * so as to skip what that window decoded as one block; −1 (or ≤ from) when nothing is to be skipped.
 */
function resumeInBlock(buf: Buffer, from: number): number {
  const len = buf.length;
  const floor = Math.max(0, from - LINE_MAX);
  let ls0 = from;
  while (ls0 > floor && buf[ls0 - 1] !== 0x0a) ls0--;
  const pure = ls0 === 0 || buf[ls0 - 1] === 0x0a;
  if (!pure || !joined(buf, ls0)) {
    // `from` inside the run (or line break) of a head line?
    let k = from;
    const lim = Math.min(len, from + MAX_WRAP + 1);
    while (k < lim && (CLASS[buf[k]!]! & B64) !== 0) k++;
    if (k < len && buf[k] === 0x0d) k++;
    if (k >= len || buf[k] !== 0x0a) return -1;
    const nl = k;
    if (!tail(buf, nl) || tStart >= from) return -1;
    if (!isHead(buf, nl)) return -1;
    return wrappedBlock(buf, nl, null);
  }
  let p = ls0;
  let r = jPrev;
  const bound = ls0 + LINE_MAX - BLOCK_CAP;
  for (;;) {
    if (r === -2) break; // the previous line is a head with a prefix
    const q = r;
    if (!joined(buf, q)) break; // the line at q is the head
    if (q < bound) return -1; // the block is longer than BLOCK_CAP: decoded line by line
    p = q;
    r = jPrev;
  }
  return wrappedBlock(buf, p - 1, null);
}

function mapWrapped(seg: Segment, lines: Int32Array, W: number, a: number, b: number): [number, number] {
  const D = (W >> 2) * 3;
  const n = lines.length;
  let k = Math.min(Math.floor(a / D), n - 1);
  let r = a - k * D;
  const s = lines[k]! + 4 * Math.floor(r / 3) + (r % 3);
  const last = b - 1;
  k = Math.min(Math.floor(last / D), n - 1);
  r = last - k * D;
  const lineEnd = k < n - 1 ? lines[k]! + W : seg.end - seg.start;
  const e = Math.min(lineEnd, lines[k]! + 4 * Math.floor(r / 3) + (r % 3) + 2);
  return [seg.start + s, seg.start + e];
}
