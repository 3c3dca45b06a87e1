/** Runs the CLI in-process with captured stdout/stderr and a given stdin (shared by the CLI tests). */
import { PassThrough, Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';

export async function cli(args: string[], cwd: string, stdin = ''): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const sink = (f: (s: string) => void): Writable => new Writable({ write(c, _e, cb) { f(String(c)); cb(); } });
  const input = new PassThrough();
  input.end(stdin);
  const io: CliIO = { stdin: input, stdout: sink((s) => { out += s; }), stderr: sink((s) => { err += s; }), env: {}, cwd };
  const code = await main(args, io);
  return { code, out, err };
}
