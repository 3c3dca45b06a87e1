/**
 * Reads back the text a finding was found in: a file of the work tree, or a file as a commit has it. Used by live
 * verification (partners near a secret, whole database URIs) and by `leakward verify`, which re-reads secrets from
 * a report's locations since reports hold none.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { GIT_CONFIG } from './git.js';
import { toUtf8 } from '../core/text-encoding.js';

export interface TextLocation {
  /** Path relative to `root` with `/` separators, as findings carry it. */
  readonly file: string;
  /** Commit id: the file as that commit has it (read from the repository at `root`). */
  readonly commit?: string;
}

/** Longest file read back (larger ones: undefined). */
export const MAX_LOCATION_BYTES = 32 * 1024 * 1024;

const isHexId = (s: string): boolean => s.length >= 4 && s.length <= 64 && [...s].every((c) => (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));

/** The file's bytes, or undefined when it cannot be read (missing, too large, not in that commit). */
export async function readLocation(root: string, loc: TextLocation): Promise<Buffer | undefined> {
  if (loc.file === '' || loc.file === '-') return undefined;
  if (loc.commit) {
    if (!isHexId(loc.commit)) return undefined;
    return gitBlob(root, `${loc.commit}:${loc.file}`);
  }
  const abs = path.resolve(root, loc.file);
  try {
    const st = await stat(abs);
    if (!st.isFile() || st.size > MAX_LOCATION_BYTES) return undefined;
    return await readFile(abs);
  } catch {
    return undefined;
  }
}

/** `readLocation` as text: UTF-16/32 with a BOM is transcoded, as the scanner does, so its lines line up. */
export async function readLocationText(root: string, loc: TextLocation): Promise<string | undefined> {
  const buf = await readLocation(root, loc);
  return buf && toUtf8(buf).toString('utf8');
}

function gitBlob(cwd: string, spec: string): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    // `cat-file blob` prints the stored bytes: no textconv, no filters. `--` is not accepted here; `spec` starts
    // with a checked hex id, so it cannot be read as an option.
    const child = spawn('git', [...GIT_CONFIG, 'cat-file', 'blob', spec], { cwd, stdio: ['ignore', 'pipe', 'ignore'] });
    const out: Buffer[] = [];
    let size = 0;
    child.stdout.on('data', (b: Buffer) => {
      size += b.length;
      if (size > MAX_LOCATION_BYTES) child.kill();
      else out.push(b);
    });
    child.on('error', () => resolve(undefined));
    child.on('close', (code) => resolve(code === 0 && size <= MAX_LOCATION_BYTES ? Buffer.concat(out) : undefined));
  });
}
