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

/** The process's streams, opened on first use: `process.stdin` alone costs ~2 ms, and most commands never read it. */
export const processIO = (): CliIO => ({
  get stdin() { return process.stdin; },
  get stdout() { return process.stdout; },
  get stderr() { return process.stderr; },
  env: process.env,
  cwd: process.cwd(),
});
