/**
 * Standard input (or any byte stream) as one Fragment, `path: '-'`, whose content is streamed chunk by
 * chunk: the scanner holds only its window, never the whole input. A stream can be read once, so the
 * source yields its fragment once; a second `fragments()` call throws.
 */
import type { Fragment, Source } from '../core/types.js';

/** A readable byte stream: `process.stdin`, a `Readable`, or any async iterable of chunks. */
export type ByteStream = NodeJS.ReadableStream | AsyncIterable<Buffer | Uint8Array | string>;

export function stdinSource(stream: ByteStream = process.stdin): Source {
  let used = false;
  return {
    async *fragments(signal?: AbortSignal): AsyncGenerator<Fragment> {
      if (used) throw new Error('stdin source: the stream was already read');
      used = true;
      signal?.throwIfAborted();
      yield { path: '-', content: chunks(stream as AsyncIterable<Buffer | Uint8Array | string>, signal) };
    },
  };
}

async function* chunks(stream: AsyncIterable<Buffer | Uint8Array | string>, signal: AbortSignal | undefined): AsyncGenerator<Buffer> {
  for await (const c of stream) {
    signal?.throwIfAborted();
    if (typeof c === 'string') yield Buffer.from(c, 'utf8');
    else if (Buffer.isBuffer(c)) yield c;
    else yield Buffer.from(c.buffer, c.byteOffset, c.byteLength);
  }
}
