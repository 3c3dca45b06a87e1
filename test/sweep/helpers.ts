/** Shared fixtures for the sweep tests: temporary repositories with synthetic keys, a temp datastore, the CLI. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';
import { tempRepo, fakeAwsKey, type TempRepo } from '../sources/git-fixture.js';

export { tempRepo, fakeAwsKey, type TempRepo };

export function tempDir(prefix = 'lw-sweep-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A repository with `n` commits; commit `keyAt` (0-based) adds a synthetic AWS key in keys.txt. */
export function repoWithKey(n: number, keyAt: number, seed = 1): { repo: TempRepo; key: string } {
  const repo = tempRepo('lw-sweep-repo-');
  const key = fakeAwsKey(seed);
  for (let i = 0; i < n; i++) {
    repo.write(`f${i}.txt`, `line ${i}\n`);
    if (i === keyAt) repo.write('keys.txt', `aws_access_key_id = ${key}\n`);
    repo.commit(`commit ${i}`);
  }
  return { repo, key };
}

export async function cli(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const sink = (f: (s: string) => void): Writable => new Writable({ write(c, _e, cb) { f(String(c)); cb(); } });
  const input = new PassThrough();
  input.end('');
  const io: CliIO = { stdin: input, stdout: sink((s) => { out += s; }), stderr: sink((s) => { err += s; }), env: {}, cwd };
  const code = await main(args, io);
  return { code, out, err };
}

/** Every byte of a datastore (main file and WAL) as latin1 text, to look for leaked secrets. */
export function dbBytes(file: string): string {
  let s = '';
  for (const f of [file, `${file}-wal`]) if (fs.existsSync(f)) s += fs.readFileSync(f).toString('latin1');
  return s;
}
