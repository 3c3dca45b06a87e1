/**
 * `leakward mask -- CMD [ARGS...]`: runs CMD with its stdout and stderr each through its own mask stream
 * (one shared set of secrets, so an `::add-mask::` on either masks both); stdin is inherited.
 * `CMD | leakward mask`: the same as a filter from stdin to stdout.
 *
 * Exit codes: the child's, unchanged (128 + n when it was killed by signal n); our own errors come before the
 * child starts: 2 usage or unreadable secrets file, 127 CMD not found, 126 CMD cannot be executed.
 * As a filter: 0, or 2 on our own error.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fstatSync, readSync } from 'node:fs';
import { readTextCapped, TooLargeError } from '../../core/read-capped.js';
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import {
  createMaskStream, parseSecretsFile, secretsFromEnv, SecretRegistry, DEFAULT_SECRET_ENV_GLOBS, normalizeSecret, type MaskStream,
} from '../../index.js';
import { UnknownOptionError, UsageError, type CliIO } from '../io.js';

/** The default globs as help text: `*PWD (not PWD, OLDPWD)`, wrapped to the option column. */
const defaultGlobsHelp = (): string => {
  const items = DEFAULT_SECRET_ENV_GLOBS.map((g) => (g.except ? `${g.glob} (not ${g.except.join(', ')})` : g.glob));
  const lines: string[] = [];
  let line = '';
  for (const it of items) {
    if (line !== '' && line.length + it.length + 1 > 78) {
      lines.push(line);
      line = '';
    }
    line += (line === '' ? '' : ' ') + it;
  }
  if (line !== '') lines.push(line);
  return lines.map((l) => `      ${l}`).join('\n');
};

const help = `usage: leakward mask [options] -- CMD [ARGS...]
       CMD | leakward mask [options]

Masks secrets (and their Base64, URL, JSON and quoted forms) in CMD's output with ***.

options:
  --secret-env NAME           mask the value of env var NAME (repeatable)
  --secret-env-pattern GLOB   mask env vars whose name matches GLOB (repeatable; replaces the defaults below);
                              values shorter than 8 characters, booleans and numbers are skipped
  --secrets-file FILE         JSON array of strings, JSON object of secrets (toJSON(secrets)), or dotenv
  --no-rules                  do not mask unregistered high-confidence matches (provider tokens, keys)
  -h, --help                  this help

Env vars masked by default (names matched ignoring case; values shorter than 8 characters, booleans and numbers
skipped; for *PASS, *_PASS_*, *PWD, *_KEY, *_PAT, *AUTH_TOKEN*, *_AUTH also paths and URLs without credentials):
${defaultGlobsHelp()}

Lines printed as ::add-mask::VALUE register VALUE and are not passed through.
Exit status: CMD's own (128+n if killed by signal n); 2 usage, 127 CMD not found, 126 CMD not executable.
`;

interface MaskArgs {
  secretEnv: string[];
  patterns: string[] | undefined;
  secretsFiles: string[];
  rules: boolean;
  command: string[] | undefined;
  help: boolean;
}

function parseArgs(args: string[]): MaskArgs {
  const out: MaskArgs = { secretEnv: [], patterns: undefined, secretsFiles: [], rules: true, command: undefined, help: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = (name: string): string => {
      const eq = a.indexOf('=');
      if (eq >= 0) return a.slice(eq + 1);
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${name} needs a value`);
      return v;
    };
    const name = a.includes('=') ? a.slice(0, a.indexOf('=')) : a;
    if (a === '--') {
      out.command = args.slice(i + 1);
      break;
    } else if (a === '-h' || a === '--help') out.help = true;
    else if (name === '--secret-env') out.secretEnv.push(value(name));
    else if (name === '--secret-env-pattern') (out.patterns ??= []).push(value(name));
    else if (name === '--secrets-file') out.secretsFiles.push(value(name));
    else if (a === '--no-rules') out.rules = false;
    else if (a.startsWith('-')) throw new UnknownOptionError(a);
    else {
      out.command = args.slice(i);
      break;
    }
  }
  if (out.command !== undefined && out.command.length === 0) throw new UsageError('missing command after --');
  return out;
}

/** Registers every configured secret; errors never show a value. */
function registerSecrets(a: MaskArgs, io: CliIO, registry: SecretRegistry): void {
  for (const name of a.secretEnv) {
    const v = io.env[name];
    if (v === undefined) io.stderr.write(`leakward mask: warning: --secret-env ${name} is not set\n`);
    else if (normalizeSecret(v) === undefined) {
      io.stderr.write(`leakward mask: warning: --secret-env ${name} is shorter than 4 characters: not masked\n`);
    }
  }
  const envOpts = a.patterns === undefined ? { names: a.secretEnv } : { names: a.secretEnv, patterns: a.patterns };
  for (const v of secretsFromEnv(io.env, envOpts)) registry.register(v);
  for (const file of a.secretsFiles) {
    let text: string;
    try {
      // A secrets file is small; /dev/zero or a pipe named by mistake must stop, not fill memory.
      text = readTextCapped(path.resolve(io.cwd, file), 16 * 1024 * 1024);
    } catch (err) {
      if (err instanceof TooLargeError) throw new UsageError(`secrets file ${file} is ${err.message}`);
      throw new UsageError(`cannot read secrets file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    let values: string[];
    try {
      values = parseSecretsFile(text);
    } catch (err) {
      throw new UsageError(`${file}: ${(err as Error).message}`);
    }
    for (const v of values) registry.register(v);
  }
}

/** Pipes `from` through `mask` into `to` (never ending `to`: it may be the process's stdout). */
function through(from: Readable, mask: MaskStream, to: Writable): Promise<void> {
  return new Promise<void>((resolve) => {
    let settled = false;
    const done = (): void => {
      if (!settled) {
        settled = true;
        resolve();
      }
    };
    mask.on('data', (d: Buffer) => {
      if (!to.write(d)) {
        mask.pause();
        to.once('drain', () => mask.resume());
      }
    });
    mask.on('end', done);
    mask.on('error', done);
    // A reader that went away (EPIPE: `leakward mask -- yes | head -1`): stop reading, so the writer gets SIGPIPE as
    // it would without us (draining it instead would run `yes` forever). The other stream of the child goes on being
    // masked, and its exit status is still ours.
    to.once('error', () => {
      mask.removeAllListeners('data');
      from.unpipe(mask);
      from.destroy();
      mask.resume();
      done();
    });
    from.on('error', () => mask.end());
    from.pipe(mask);
  });
}

/** Read size for a regular file on stdin (`leakward mask < job.log`). */
const FILE_CHUNK = 1024 * 1024;

/**
 * stdin as a stream. When it is a regular file (`leakward mask < job.log`), it is read synchronously in 1 MiB
 * chunks instead of `process.stdin`'s 64 KiB thread-pool reads: a read from a file never waits for a writer,
 * the main thread never idles waiting for the pool, and the masker pays its per-write costs 16 times less often
 * (bench: a pass-through pipe goes from ~0.8 to ~1.7 GB/s with 1 MiB reads). Pipes and terminals keep
 * `process.stdin` (a pipe yields at most its 64 KiB capacity per read anyway).
 */
function fastStdin(io: CliIO): Readable {
  if (io.stdin !== process.stdin) return io.stdin;
  try {
    if (!fstatSync(0).isFile()) return io.stdin;
  } catch {
    return io.stdin;
  }
  return new Readable({
    highWaterMark: FILE_CHUNK,
    read(this: Readable): void {
      // A fresh buffer per read: the masker's output pieces are views of it, still queued downstream.
      const buf = Buffer.allocUnsafe(FILE_CHUNK);
      let n: number;
      try {
        n = readSync(0, buf, 0, FILE_CHUNK, null);
      } catch (err) {
        this.destroy(err as Error);
        return;
      }
      this.push(n === 0 ? null : buf.subarray(0, n));
    },
  });
}

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export async function run(args: string[], io: CliIO): Promise<number> {
  const a = parseArgs(args);
  if (a.help) {
    io.stdout.write(help);
    return 0;
  }
  const registry = new SecretRegistry();
  registerSecrets(a, io, registry);
  const newMask = (): MaskStream => createMaskStream({ registry, rules: a.rules });

  if (a.command === undefined) {
    await through(fastStdin(io), newMask(), io.stdout);
    return 0;
  }

  const [cmd, ...cmdArgs] = a.command as [string, ...string[]];
  // Build the masks (and compile the rule pack) before the child starts, so its first byte is not delayed.
  const outMask = newMask();
  const errMask = newMask();
  const child: ChildProcess = spawn(cmd, cmdArgs, { stdio: ['inherit', 'pipe', 'pipe'], env: io.env, cwd: io.cwd });
  const spawnError = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    child.once('spawn', () => resolve(undefined));
    child.once('error', (err: NodeJS.ErrnoException) => resolve(err));
  });
  if (spawnError) {
    const notFound = spawnError.code === 'ENOENT';
    io.stderr.write(`leakward mask: ${cmd}: ${notFound ? 'command not found' : `cannot execute (${spawnError.code ?? 'error'})`}\n`);
    return notFound ? 127 : 126;
  }
  child.on('error', () => undefined); // e.g. kill() after exit; the exit status still arrives through 'close'

  // Signals: forward SIGTERM/SIGHUP always. With a terminal attached, the child is in our (foreground)
  // process group and already got the terminal's Ctrl-C (SIGINT): forwarding it would deliver it twice.
  const interactive = Boolean((process.stdin as { isTTY?: boolean }).isTTY || (process.stdout as { isTTY?: boolean }).isTTY || (process.stderr as { isTTY?: boolean }).isTTY);
  const handlers = new Map<NodeJS.Signals, () => void>();
  for (const sig of FORWARDED) {
    const h = (): void => {
      if (sig === 'SIGINT' && interactive) return;
      if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    };
    handlers.set(sig, h);
    process.on(sig, h);
  }

  const closed = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('close', (code, signal) => resolve([code, signal])));
  const flushed = Promise.all([through(child.stdout!, outMask, io.stdout), through(child.stderr!, errMask, io.stderr)]);
  const [code, signal] = await closed;
  await flushed;
  for (const [sig, h] of handlers) process.off(sig, h);
  if (signal) return 128 + (osConstants.signals[signal] ?? 0);
  return code ?? 0;
}
