/**
 * Finds encoded segments in scanned bytes and decodes them, so the full rule set can scan the decoded text
 * (a Kubernetes Secret `data:` value, a base64'd .env file, `p%40ss` in a URL, hex of a token).
 *
 * - base64 (standard and URL-safe alphabets, padding optional): a maximal run of `[A-Za-z0-9+/_-]` of at least
 *   16 characters with at least one upper-case letter or digit and one lower-case letter.
 * - hex: a run of hex digits of even length ≥ 32 (tried before base64 on all-hex runs).
 * - percent: the run of URL characters (no whitespace, quotes, brackets, `<>`) around a `%XX` escape.
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
  // a run that started before `from` belongs to an earlier window: skip to its end
  if (i > 0 && (CLASS[buf[i - 1]!]! & B64) !== 0) {
    while (i < to && (CLASS[buf[i]!]! & B64) !== 0) i++;
  }
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
      let e = p;
      const ceil = Math.min(len, s + MAX_SEGMENT);
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

