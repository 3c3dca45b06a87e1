/**
 * UTF-16 and UTF-32 text (recognised by its byte-order mark, as PowerShell 5 writes `.ps1` files and `regedit`
 * exports `.reg` files) transcoded to UTF-8, so the rules see it as text instead of the NUL-filled "binary" it
 * looks like byte-wise. Without a BOM the content is taken as UTF-8 (a BOM-less UTF-16 file stays binary, as git
 * and gitleaks treat it).
 *
 * The transcoder is incremental: a code unit or a surrogate pair split across chunks is carried to the next chunk,
 * so a streamed file costs one output buffer per input chunk. The BOM itself is dropped (it is not a character of
 * the text: columns start after it). Unpaired surrogates and code points above U+10FFFF become U+FFFD.
 */

export type WideEncoding = 'utf-16le' | 'utf-16be' | 'utf-32le' | 'utf-32be';

/** Bytes needed to tell every BOM apart. */
export const BOM_SNIFF = 4;

/**
 * The wide encoding announced by a BOM at the start of `head`, or undefined. UTF-32LE (`FF FE 00 00`) is checked
 * before UTF-16LE (`FF FE`), as every decoder does: a UTF-16LE file whose first character is U+0000 is not text.
 */
export function wideEncodingOf(head: Uint8Array): WideEncoding | undefined {
  const [a, b, c, d] = [head[0], head[1], head[2], head[3]];
  if (a === 0xff && b === 0xfe) return head.length >= 4 && c === 0 && d === 0 ? 'utf-32le' : 'utf-16le';
  if (a === 0xfe && b === 0xff) return 'utf-16be';
  if (a === 0 && b === 0 && c === 0xfe && d === 0xff) return 'utf-32be';
  return undefined;
}

const REPLACEMENT = 0xfffd;

/** Incremental UTF-16/32 → UTF-8 transcoder; feed the bytes that follow the BOM or the whole content (see `skipBom`). */
export class Utf8Transcoder {
  private readonly unit: 2 | 4;
  private readonly le: boolean;
  /** Bytes of an incomplete code unit carried from the previous chunk. */
  private readonly carry = new Uint8Array(4);
  private carryLen = 0;
  /** A high surrogate waiting for its low half (UTF-16), or -1. */
  private high = -1;
  /** BOM bytes still to drop from the start of the input. */
  private bomLeft: number;

  constructor(readonly encoding: WideEncoding, skipBom = true) {
    this.unit = encoding.startsWith('utf-16') ? 2 : 4;
    this.le = encoding.endsWith('le');
    this.bomLeft = skipBom ? this.unit : 0;
  }

  /** UTF-8 bytes for `chunk` (plus what was carried); the caller may reuse `chunk` afterwards. */
  push(chunk: Uint8Array): Buffer {
    // at most 3 UTF-8 bytes per UTF-16 unit, 4 per UTF-32 unit (+ a pending surrogate's replacement)
    const out = Buffer.allocUnsafe(Math.ceil((chunk.length + this.carryLen) / this.unit) * (this.unit === 2 ? 3 : 4) + 3);
    let o = 0;
    let i = 0;
    if (this.bomLeft > 0) {
      const n = Math.min(this.bomLeft, chunk.length);
      this.bomLeft -= n;
      i = n;
    }
    while (i < chunk.length) {
      let u: number;
      if (this.carryLen > 0 || chunk.length - i < this.unit) {
        while (this.carryLen < this.unit && i < chunk.length) this.carry[this.carryLen++] = chunk[i++]!;
        if (this.carryLen < this.unit) break;
        u = this.unitAt(this.carry, 0);
        this.carryLen = 0;
      } else {
        u = this.unitAt(chunk, i);
        i += this.unit;
      }
      o = this.emit(u, out, o);
    }
    return out.subarray(0, o);
  }

  /** What is left at the end of the input: a dangling surrogate or partial unit becomes U+FFFD. */
  end(): Buffer {
    const out = Buffer.allocUnsafe(6);
    let o = 0;
    if (this.high >= 0) {
      o = writeUtf8(REPLACEMENT, out, o);
      this.high = -1;
    }
    if (this.carryLen > 0) {
      o = writeUtf8(REPLACEMENT, out, o);
      this.carryLen = 0;
    }
    return out.subarray(0, o);
  }

  private unitAt(b: Uint8Array, i: number): number {
    if (this.unit === 2) return this.le ? b[i]! | (b[i + 1]! << 8) : (b[i]! << 8) | b[i + 1]!;
    return this.le
      ? (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0
      : ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
  }

  private emit(u: number, out: Buffer, o: number): number {
    if (this.unit === 4) return writeUtf8(u > 0x10ffff || (u >= 0xd800 && u <= 0xdfff) ? REPLACEMENT : u, out, o);
    if (this.high >= 0) {
      if (u >= 0xdc00 && u <= 0xdfff) {
        const cp = 0x10000 + ((this.high - 0xd800) << 10) + (u - 0xdc00);
        this.high = -1;
        return writeUtf8(cp, out, o);
      }
      o = writeUtf8(REPLACEMENT, out, o);
      this.high = -1;
    }
    if (u >= 0xd800 && u <= 0xdbff) {
      this.high = u;
      return o;
    }
    return writeUtf8(u >= 0xdc00 && u <= 0xdfff ? REPLACEMENT : u, out, o);
  }
}

function writeUtf8(cp: number, out: Buffer, o: number): number {
  if (cp < 0x80) {
    out[o++] = cp;
  } else if (cp < 0x800) {
    out[o++] = 0xc0 | (cp >> 6);
    out[o++] = 0x80 | (cp & 0x3f);
  } else if (cp < 0x10000) {
    out[o++] = 0xe0 | (cp >> 12);
    out[o++] = 0x80 | ((cp >> 6) & 0x3f);
    out[o++] = 0x80 | (cp & 0x3f);
  } else {
    out[o++] = 0xf0 | (cp >> 18);
    out[o++] = 0x80 | ((cp >> 12) & 0x3f);
    out[o++] = 0x80 | ((cp >> 6) & 0x3f);
    out[o++] = 0x80 | (cp & 0x3f);
  }
  return o;
}

/** The whole of a wide-encoded buffer (BOM included) as UTF-8, or the buffer itself when it has no wide BOM. */
export function toUtf8(content: Buffer): Buffer {
  const enc = wideEncodingOf(content);
  if (enc === undefined) return content;
  const t = new Utf8Transcoder(enc);
  const body = t.push(content);
  const tail = t.end();
  return tail.length === 0 ? body : Buffer.concat([body, tail]);
}

/**
 * A chunk stream as UTF-8: the first BOM_SNIFF bytes decide; without a wide BOM the chunks pass through untouched
 * (the same buffers, so a source that reuses its chunk buffer still works: the consumer copies before asking again).
 */
export async function* utf8Chunks(src: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const it = src[Symbol.asyncIterator]();
  let done = false;
  try {
    // gather the head (chunks may be tiny); copied, since a source may reuse its buffer
    let head: Buffer = Buffer.alloc(0);
    while (head.length < BOM_SNIFF) {
      const r = await it.next();
      if (r.done) {
        done = true;
        break;
      }
      head = Buffer.concat([head, r.value]);
    }
    const enc = wideEncodingOf(head);
    if (enc === undefined) {
      if (head.length > 0) yield head;
      if (done) return;
      for (;;) {
        const r = await it.next();
        if (r.done) {
          done = true;
          return;
        }
        yield r.value;
      }
    }
    const t = new Utf8Transcoder(enc);
    const first = t.push(head);
    if (first.length > 0) yield first;
    while (!done) {
      const r = await it.next();
      if (r.done) {
        done = true;
        break;
      }
      const out = t.push(r.value);
      if (out.length > 0) yield out;
    }
    const tail = t.end();
    if (tail.length > 0) yield tail;
  } finally {
    if (!done) await it.return?.();
  }
}
