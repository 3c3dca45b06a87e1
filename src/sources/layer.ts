/**
 * One image layer as fragments: the blob (tar, gzip or zstd; told apart by their magic bytes, whatever the media
 * type says) is decompressed and read as a tar stream, entry by entry; nothing touches the disk.
 *
 * Invariants
 * 1. Bounded memory whatever the layer size: a file up to `WHOLE_MAX` bytes is read into one buffer (so worker
 *    threads can scan it), a larger one is streamed to the scanner; a binary file (NUL in its first 8000 bytes,
 *    as for files) is handed over as its head only and the rest is drained unread.
 * 2. Every entry is drained before the next one is read (tar is sequential), however little the scanner read.
 * 3. A broken blob (bad gzip, truncated tar, wrong digest) ends the layer with `LayerReadError` at the point it broke;
 *    the fragments before it stand, and the caller reports the layer (and its image) as partly read.
 * 4. Whiteouts (`.wh.NAME`, `.wh..wh..opq`) are not content: they go to the listing, which also records every
 *    non-directory path, so that a later layer can tell which files of this one it removes or overwrites.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import tarStream from 'tar-stream';
import { Decompress as ZstdDecompress } from 'fzstd';
import { isBinary, BINARY_SNIFF, WINDOW, OVERLAP } from '../core/scanner.js';
import type { Fragment, ImageLocation } from '../core/types.js';

/** Files up to this size are read whole (and may go to a worker thread); larger ones are streamed in-process. */
export const WHOLE_MAX = WINDOW + OVERLAP;
/** Decompressor output chunks: large, so the tar parser and the scanner see few, big chunks. */
const CHUNK = 256 * 1024;
const EMPTY = Buffer.alloc(0);

/** What a layer holds by path: enough to know which files of the layers below it are gone from the container. */
export class LayerListing {
  /** Non-directory entries (files, links, devices). */
  readonly files = new Set<string>();
  /** Paths deleted by `.wh.NAME` entries. */
  readonly whiteouts = new Set<string>();
  /** Folders whose lower-layer contents `.wh..wh..opq` hides. */
  readonly opaque = new Set<string>();

  /** Does this layer (above the one holding `path`) delete or overwrite `path`? */
  removes(path: string): boolean {
    if (this.files.has(path) || this.whiteouts.has(path)) return true;
    for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
      const dir = path.slice(0, i);
      if (this.whiteouts.has(dir) || this.opaque.has(dir) || this.files.has(dir)) return true;
    }
    return this.opaque.has('');
  }
}

/** The layer could not be read to its end. */
export class LayerReadError extends Error {
  constructor(readonly layerDigest: string, message: string) {
    super(message);
    this.name = 'LayerReadError';
  }
}

export interface LayerReadOptions {
  /** Digest of the blob as stored (compressed); checked when `verify` (default true) and it is a sha256. */
  readonly digest: string;
  readonly verify?: boolean;
  /** Set on every fragment (its `removed` is decided later, per image). */
  readonly image: ImageLocation;
  readonly listing: LayerListing;
  /** Larger files are skipped (path rules still run) and reported as 'too-large'. Default: no limit. */
  readonly maxFileSize?: number;
  readonly onSkip?: (path: string, reason: 'too-large', detail: string) => void;
}

/** The path of a tar entry as an image path: no leading `./` or `/`, no trailing `/`. */
export function normaliseLayerPath(name: string): string {
  let s = name;
  while (s.startsWith('./')) s = s.slice(2);
  while (s.startsWith('/')) s = s.slice(1);
  while (s.endsWith('/')) s = s.slice(0, -1);
  return s === '.' ? '' : s;
}

/** The fragments of one layer blob, in tar order. Throws `LayerReadError` when the blob breaks (invariant 3). */
export async function* layerFragments(blob: Readable, options: LayerReadOptions): AsyncGenerator<Fragment> {
  const { listing, image } = options;
  const maxFileSize = options.maxFileSize ?? Infinity;
  const extract = tarStream.extract();
  let failure: Error | undefined;
  const fail = (err: Error): void => {
    failure ??= err;
    extract.destroy(err);
  };
  const digestCheck = options.verify === false ? undefined : DigestCheck.for(options.digest);
  const sniff = new Sniffer(fail);
  blob.on('error', fail);
  const head = digestCheck ? blob.pipe(digestCheck) : blob;
  digestCheck?.on('error', fail);
  head.pipe(sniff).pipe(extract as unknown as NodeJS.WritableStream);

  const broken = (err: unknown): LayerReadError =>
    new LayerReadError(options.digest, `layer ${options.digest}: ${(failure ?? (err as Error)).message}`);
  const entries = extract[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<tarStream.Entry>;
      try {
        next = await entries.next();
      } catch (err) {
        throw broken(err);
      }
      if (next.done) break;
      const entry = next.value;
      const header = entry.header;
      const path = normaliseLayerPath(header.name);
      const type = header.type ?? 'file';
      const slash = path.lastIndexOf('/');
      const base = path.slice(slash + 1);
      const dir = slash < 0 ? '' : path.slice(0, slash);
      const chunks = entry[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
      const drain = async (): Promise<void> => {
        try {
          for (;;) if ((await chunks.next()).done) return;
        } catch (err) {
          fail(err as Error);
        }
      };
      if (base.startsWith('.wh.')) {
        if (base === '.wh..wh..opq') listing.opaque.add(dir);
        else listing.whiteouts.add(dir ? `${dir}/${base.slice(4)}` : base.slice(4));
        await drain();
        continue;
      }
      if (type !== 'directory') listing.files.add(path);
      if ((type !== 'file' && type !== 'contiguous-file') || path === '') {
        await drain();
        continue;
      }
      const size = header.size ?? 0;
      const meta = { path, image };
      if (size > maxFileSize) {
        options.onSkip?.(path, 'too-large', `${size} bytes`);
        await drain();
        yield { ...meta, content: EMPTY };
        continue;
      }
      // The head: at least BINARY_SNIFF bytes (or the whole file), to call it binary before anything else.
      const first: Buffer[] = [];
      let have = 0;
      let ended = false;
      const want = size <= WHOLE_MAX ? size : BINARY_SNIFF;
      while (have < want) {
        let r: IteratorResult<Buffer>;
        try {
          r = await chunks.next();
        } catch (err) {
          throw broken(err);
        }
        if (r.done) {
          ended = true;
          break;
        }
        first.push(r.value);
        have += r.value.length;
      }
      if (failure) throw broken(failure);
      const headBuf = first.length === 1 ? first[0]! : Buffer.concat(first, have);
      if (isBinary(headBuf.subarray(0, BINARY_SNIFF))) {
        if (!ended) await drain();
        if (failure) throw broken(failure);
        yield { ...meta, content: headBuf.subarray(0, BINARY_SNIFF) };
        continue;
      }
      if (ended || have >= size) {
        if (!ended) await drain();
        if (failure) throw broken(failure);
        yield { ...meta, content: headBuf };
        continue;
      }
      // A large text file: streamed, and drained whatever the scanner reads (it stops early on errors).
      let done = false;
      const content = async function* (): AsyncGenerator<Buffer> {
        try {
          yield headBuf;
          for (;;) {
            const r = await chunks.next();
            if (r.done) break;
            yield r.value;
          }
          done = true;
        } catch (err) {
          // The layer broke mid-file: end this file; the loop below throws the layer error.
          fail(err as Error);
          done = true;
        }
      };
      yield { ...meta, content: content() };
      if (!done) await drain();
      if (failure) throw broken(failure);
    }
    if (failure) throw broken(failure);
    digestCheck?.check();
  } catch (err) {
    if (err instanceof LayerReadError) throw err;
    throw broken(err);
  } finally {
    // Stopped early (the consumer returned) or broken: let go of the blob.
    if (!extract.destroyed) extract.destroy();
    blob.destroy();
  }
}

/** Hashes the blob as it passes; `check()` at its end. */
class DigestCheck extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private constructor(private readonly expected: string) {
    super({ highWaterMark: CHUNK });
  }
  static for(digest: string): DigestCheck | undefined {
    return /^sha256:[0-9a-f]{64}$/.test(digest) ? new DigestCheck(digest.slice(7)) : undefined;
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    cb(null, chunk);
  }
  check(): void {
    const got = this.hash.digest('hex');
    if (got !== this.expected) throw new Error(`digest mismatch: the blob's sha256 is ${got}`);
  }
}

/**
 * Decides the compression from the first bytes (gzip 1f 8b, zstd 28 b5 2f fd, else plain tar) and decompresses.
 * zstd: Node's own zlib zstd when it has one (Node ≥ 22.15), else `fzstd` (pure JavaScript; Node 20 has none).
 */
class Sniffer extends Transform {
  private inner: Transform | 'plain' | undefined;
  private pendingHead: Buffer | undefined;
  constructor(private readonly fail: (err: Error) => void) {
    super({ readableHighWaterMark: CHUNK, writableHighWaterMark: CHUNK });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.inner === undefined) {
      const buf = this.pendingHead ? Buffer.concat([this.pendingHead, chunk]) : chunk;
      if (buf.length < 4) {
        this.pendingHead = buf;
        cb();
        return;
      }
      this.pendingHead = undefined;
      this.inner = pickDecompressor(buf);
      if (this.inner !== 'plain') {
        this.inner.on('data', (d: Buffer) => this.push(d));
        this.inner.on('error', (err) => this.fail(new Error(`cannot decompress: ${err.message}`)));
      }
      chunk = buf;
    }
    if (this.inner === 'plain') {
      cb(null, chunk);
      return;
    }
    // Backpressure: wait until the decompressor takes the chunk.
    if (this.inner.write(chunk)) cb();
    else this.inner.once('drain', () => cb());
  }
  override _flush(cb: TransformCallback): void {
    if (this.inner === undefined) {
      // Under 4 bytes: not an archive we know; the tar parser will say so.
      cb(null, this.pendingHead ?? EMPTY);
      return;
    }
    if (this.inner === 'plain') {
      cb();
      return;
    }
    this.inner.once('end', () => cb());
    this.inner.end();
  }
}

function pickDecompressor(head: Buffer): Transform | 'plain' {
  if (head[0] === 0x1f && head[1] === 0x8b) return zlib.createGunzip({ chunkSize: CHUNK });
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return zstdDecompressor();
  return 'plain';
}

type NativeZstd = (opts?: { chunkSize?: number }) => Transform;

/** Node's zlib zstd when present (22.15+), else fzstd's streaming decompressor in a Transform. */
export function zstdDecompressor(): Transform {
  const native = (zlib as unknown as { createZstdDecompress?: NativeZstd }).createZstdDecompress;
  if (native) return native({ chunkSize: CHUNK });
  let push: ((b: Buffer) => void) | undefined;
  const z = new ZstdDecompress((data: Uint8Array) => push?.(Buffer.from(data.buffer, data.byteOffset, data.byteLength)));
  const t = new Transform({
    readableHighWaterMark: CHUNK,
    transform(chunk: Buffer, _enc, cb) {
      try {
        z.push(chunk);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
    flush(cb) {
      try {
        z.push(new Uint8Array(0), true);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
  });
  push = (b) => t.push(b);
  return t;
}
