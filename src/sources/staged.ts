/**
 * What is staged for commit, as fragments: `git diff --cached -U0` (the index against HEAD, or against the
 * empty tree before the first commit) streamed through the diff parser. The working tree is never read:
 * a secret fixed in the work tree but still staged is still blocked.
 */
import type { Fragment, Source } from '../core/types.js';
import { parseUnifiedDiff } from './diff.js';
import { DIFF_HARDENING, gitStream } from './git.js';

export interface StagedOptions {
  /** Any directory inside the work tree. */
  readonly repo: string;
  readonly maxFragmentBytes?: number;
}

/** `git diff` arguments for the staged scan (renames detected: a moved file is not new content). */
export const STAGED_DIFF_ARGS: readonly string[] = ['diff', '--cached', '-U0', '-M', ...DIFF_HARDENING, '--diff-filter=ACMRTUXB', '--'];

export function stagedSource(opts: StagedOptions): Source {
  return { fragments: () => stagedFragments(opts) };
}

/** Throws a GitError (after yielding what it read) when git fails. */
export async function* stagedFragments(opts: StagedOptions): AsyncGenerator<Fragment> {
  const git = gitStream(opts.repo, STAGED_DIFF_ARGS);
  let finished = false;
  try {
    yield* parseUnifiedDiff(git.stdout, opts.maxFragmentBytes ? { maxFragmentBytes: opts.maxFragmentBytes } : {});
    finished = true;
  } finally {
    if (!finished) git.kill();
  }
  await git.done;
}
