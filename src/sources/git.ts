/**
 * Small helpers to run git: `gitOutput` for short queries (whole output in memory), `gitStream` for
 * `git log -p` / `git diff` (stdout consumed chunk by chunk with backpressure, stderr kept bounded).
 * Errors never carry content: only git's own (bounded) stderr.
 */
import { spawn } from 'node:child_process';

/**
 * Options every diff-producing git command gets, whatever the user's git config and the repository's attributes
 * say. `--text`: a repository's own `.gitattributes` (`-diff`, `binary`, `diff=<driver>` with `binary = true`) or
 * `core.bigFileThreshold` must never turn content into "Binary files … differ" — the scanner decides binary from
 * the content, as `scan` does. `--no-ext-diff` / `--no-textconv` override `diff.external`, `GIT_EXTERNAL_DIFF`,
 * `diff.<driver>.command` and `diff.<driver>.textconv` (command-line options win over any config).
 */
export const DIFF_HARDENING: readonly string[] = [
  '--text', '--no-color', '--no-ext-diff', '--no-textconv', '--src-prefix=a/', '--dst-prefix=b/', '--no-relative',
];

/** Config overrides for every git we spawn (quoted paths are decoded by the parser either way). */
export const GIT_CONFIG: readonly string[] = ['-c', 'core.quotePath=true', '-c', 'log.showSignature=false', '-c', 'diff.noprefix=false'];

export class GitError extends Error {
  override readonly name = 'GitError';
  constructor(message: string, readonly code: number | null, readonly stderr: string) { super(message); }
}

const MAX_STDERR = 16 * 1024;

/** The first meaningful line of git's stderr, without the "fatal: " prefix. */
export function gitReason(stderr: string): string {
  const line = stderr.split('\n').map((l) => l.trim()).find((l) => l.startsWith('fatal:') || l.startsWith('error:')) ??
    stderr.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.replace(/^(fatal|error):\s*/, '');
}

/** Runs git to completion; resolves stdout (trimmed of one trailing newline) or rejects with a GitError. */
export async function gitOutput(cwd: string, args: readonly string[], input?: string): Promise<string> {
  const r = await gitRun(cwd, args, input);
  if (r.code === 0) return r.stdout;
  throw new GitError(gitReason(r.stderr) || `git ${args[0]} exited with ${r.code}`, r.code, r.stderr);
}

/**
 * Runs git to completion whatever its exit code: stdout (trimmed of one trailing newline), the code and the
 * (bounded) stderr. Rejects only when git cannot be started.
 */
export function gitRun(cwd: string, args: readonly string[], input?: string): Promise<{ stdout: string; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...GIT_CONFIG, ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'], env: gitEnv() });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => { if (err.length < MAX_STDERR) err += b.toString('utf8'); });
    child.on('error', (e) => reject(new GitError(`cannot run git: ${e.message}`, null, '')));
    child.on('close', (code) => resolve({ stdout: Buffer.concat(out).toString('utf8').replace(/\n$/, ''), code, stderr: err }));
    child.stdin.on('error', () => { /* git may exit before reading stdin */ });
    child.stdin.end(input ?? '');
  });
}

/** gitOutput that resolves undefined instead of rejecting. */
export async function gitTry(cwd: string, args: readonly string[], input?: string): Promise<string | undefined> {
  try { return await gitOutput(cwd, args, input); } catch { return undefined; }
}

export interface GitStream {
  readonly stdout: AsyncIterable<Buffer>;
  /** Settles when git exits: resolves on exit code 0, rejects with a GitError otherwise. */
  readonly done: Promise<void>;
  kill(): void;
}

/** Spawns git with stdout as a stream (consume it, then await `done`). */
export function gitStream(cwd: string, args: readonly string[], input?: string | Buffer): GitStream {
  const child = spawn('git', [...GIT_CONFIG, ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'], env: gitEnv() });
  let err = '';
  child.stderr.on('data', (b: Buffer) => { if (err.length < MAX_STDERR) err += b.toString('utf8'); });
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (e) => reject(new GitError(`cannot run git: ${e.message}`, null, '')));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new GitError(gitReason(err) || `git ${args[0]} ${signal ? `killed by ${signal}` : `exited with ${code}`}`, code, err));
    });
  });
  done.catch(() => { /* observed by the caller */ });
  child.stdin.on('error', () => { /* git may exit before reading stdin */ });
  child.stdin.end(input ?? '');
  return { stdout: drain(child.stdout, STDOUT_BUFFER), done, kill: () => { child.kill(); } };
}

/**
 * How far git may run ahead of us. A Readable consumed with `for await` buffers only its highWaterMark (16 KiB
 * in Node 20) beyond the 64 KiB pipe, so git stalled every time the scanner was busy; reading in flowing mode
 * into a queue of up to 4 MiB lets git keep writing (bounded memory all the same).
 */
const STDOUT_BUFFER = 4 * 1024 * 1024;

/**
 * Reads a stream in flowing mode into a bounded queue (pausing it when the queue is full), starting NOW, before
 * anyone iterates: git can run while the caller still loads its rules.
 */
export function drain(stream: NodeJS.ReadableStream & { destroy?(): void }, maxBytes: number): AsyncGenerator<Buffer> {
  const queue: Buffer[] = [];
  let queued = 0;
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const signal = (): void => { const w = wake; wake = undefined; w?.(); };
  const onData = (b: Buffer): void => {
    queue.push(b);
    queued += b.length;
    if (queued >= maxBytes) stream.pause();
    signal();
  };
  const onEnd = (): void => { ended = true; signal(); };
  const onError = (e: Error): void => { failure = e; ended = true; signal(); };
  stream.on('data', onData);
  stream.on('end', onEnd);
  stream.on('close', onEnd);
  stream.on('error', onError);
  return (async function* () {
    try {
      for (;;) {
        if (queue.length > 0) {
          // Everything queued as one chunk: git writes a few KiB at a time, and every chunk costs the consumer a
          // round of promises through the parser and the scan loop (bounded: the queue holds at most maxBytes).
          const b = queue.length === 1 ? queue.pop()! : Buffer.concat(queue.splice(0), queued);
          queued -= b.length;
          if (queued < maxBytes / 2 && stream.isPaused()) stream.resume();
          yield b;
          continue;
        }
        if (failure) throw failure;
        if (ended) return;
        await new Promise<void>((resolve) => { wake = resolve; });
      }
    } finally {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('close', onEnd);
      stream.off('error', onError);
      if (!ended) stream.destroy?.();
    }
  })();
}

/** A partial clone must not fetch missing blobs behind our back (git ≥ 2.44 honours this). */
function gitEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GIT_NO_LAZY_FETCH: '1', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
}
