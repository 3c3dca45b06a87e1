import type { Readable, Writable } from 'node:stream';

/** What a command talks to; tests pass their own. */
export interface CliIO {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/** A subcommand: parses its own arguments, returns the exit code. */
export type Command = (args: string[], io: CliIO) => Promise<number>;

/** Thrown for bad arguments or configuration: exit code 2 with this message. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * A reader that went away (`leakward scan | head -1`) makes the next write fail with EPIPE, emitted as an
 * `error` event: without a listener Node prints a stack trace. The output is no longer wanted, so the command
 * ends quietly with its own exit code; later writes to the closed stream fail the same way and are dropped too.
 */
const guarded = new WeakSet<NodeJS.WriteStream>();
function quietWhenClosed(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  if (!guarded.has(stream)) {
    guarded.add(stream);
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
      process.exitCode = 2;
      if (stream !== process.stderr) process.stderr.write(`leakward: cannot write output (${err.code ?? err.message})\n`);
    });
  }
  return stream;
}

/** An option the command does not know; `main` names the command's --help. */
export class UnknownOptionError extends UsageError {
  constructor(readonly option: string) {
    super(`unknown option '${option}'`);
  }
}

/** A `node:util` parseArgs error as a UsageError, in our words (its own are long and name no --help). */
export function argsError(err: unknown): UsageError {
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /^Unknown option '([^']*)'/.exec(message)?.[1];
    if (option !== undefined) return new UnknownOptionError(option);
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const m = /^Option '(?:-\w, )?(--[\w-]+)[^']*' argument missing/.exec(message);
    if (m) return new UsageError(`${m[1]} needs a value`);
  }
  return new UsageError(message);
}

/** The process's streams, opened on first use: `process.stdin` alone costs ~2 ms, and most commands never read it. */
export const processIO = (): CliIO => ({
  get stdin() { return process.stdin; },
  get stdout() { return quietWhenClosed(process.stdout); },
  get stderr() { return quietWhenClosed(process.stderr); },
  env: process.env,
  cwd: process.cwd(),
});
