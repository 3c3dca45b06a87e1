/**
 * Reads a small text file (a config, a secrets list) in pieces up to a limit, so a device or a pipe named by
 * mistake (`-c /dev/zero`) stops with an error instead of filling memory.
 */
import { closeSync, openSync, readSync } from 'node:fs';

export class TooLargeError extends Error {
  override readonly name = 'TooLargeError';
  constructor(readonly limit: number) {
    super(`larger than ${limit >= 1 << 20 ? `${limit / (1 << 20)} MiB` : `${limit} bytes`}; not read`);
  }
}

/** The file's bytes as UTF-8 text; throws `TooLargeError` past `maxBytes`, the fs error (with `code`) otherwise. */
export function readTextCapped(file: string, maxBytes: number): string {
  const fd = openSync(file, 'r');
  try {
    const parts: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(64 * 1024);
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      total += n;
      if (total > maxBytes) throw new TooLargeError(maxBytes);
      parts.push(buf.subarray(0, n));
    }
    return Buffer.concat(parts).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
