import { createMaskStream, type MaskStreamOptions } from '../../src/mask/index.js';
import { mulberry32 as prng } from '../support/prng.js';
export { prng };


/** Every way STYLE habit 7 asks for: one write, byte by byte, every two-way split, random sizes. */
export function chunkings(input: Buffer | string, seed = 1): [string, Buffer[]][] {
  const buf = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const out: [string, Buffer[]][] = [['one write', [buf]]];
  const bytes: Buffer[] = [];
  for (let i = 0; i < buf.length; i++) bytes.push(buf.subarray(i, i + 1));
  out.push(['byte by byte', bytes]);
  for (let i = 1; i < buf.length; i++) out.push([`split at ${i}`, [buf.subarray(0, i), buf.subarray(i)]]);
  const rnd = prng(seed);
  for (let r = 0; r < 3; r++) {
    const parts: Buffer[] = [];
    let i = 0;
    while (i < buf.length) {
      const n = 1 + Math.floor(rnd() * 7);
      parts.push(buf.subarray(i, i + n));
      i += n;
    }
    out.push([`random sizes #${r}`, parts]);
  }
  return out;
}

/** Feeds the chunks synchronously through the Transform; returns the output. */
export async function maskAll(chunks: readonly Buffer[], options: MaskStreamOptions = {}): Promise<Buffer> {
  const s = createMaskStream(options);
  const out: Buffer[] = [];
  s.on('data', (d: Buffer) => out.push(d));
  const done = new Promise<void>((resolve, reject) => {
    s.on('end', resolve);
    s.on('error', reject);
  });
  for (const c of chunks) s.write(c);
  s.end();
  await done;
  return Buffer.concat(out);
}

/** Shows a value in an assertion message without revealing it (CONTRACT: never print a secret). */
export const redact = (s: string): string => `${[...s].slice(0, 2).join('')}…(${s.length})`;
