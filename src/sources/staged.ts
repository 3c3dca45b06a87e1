/**
 * What is staged for commit, as fragments: `git diff --cached -U0` (the index against HEAD, or against the
 * empty tree before the first commit) streamed through the diff parser. The working tree is never read:
 * a secret fixed in the work tree but still staged is still blocked.
 *
 * Committing a merge (MERGE_HEAD present, e.g. after resolving conflicts): the index is compared with every parent
 * (`git diff --cc <index tree> HEAD <merge heads>`), so only what the merge itself adds is scanned, not every line
 * arriving from the merged branch (those were checked when they were committed there). This writes the index's
 * tree object (`git write-tree`), the same one the commit is about to write.
 */
import type { Fragment, Source } from '../core/types.js';
import { parseUnifiedDiff } from './diff.js';
import fs from 'node:fs';
import path from 'node:path';
import { DIFF_HARDENING, gitStream, gitTry, type GitStream } from './git.js';

export interface StagedOptions {
  /** Any directory inside the work tree. */
  readonly repo: string;
  readonly maxFragmentBytes?: number;
  /**
   * Where MERGE_HEAD would be (`git rev-parse --git-path MERGE_HEAD`, absolute), when the caller already asked git
   * (the hook asks it together with `--show-toplevel`: one git process fewer before the diff starts).
   */
  readonly mergeHeadFile?: string;
}

/** `git diff` arguments for the staged scan (renames detected: a moved file is not new content). */
export const STAGED_DIFF_ARGS: readonly string[] = ['diff', '--cached', '-U0', '-M', ...DIFF_HARDENING, '--diff-filter=ACMRTUXB', '--'];

export function stagedSource(opts: StagedOptions): Source {
  return { fragments: () => stagedFragments(opts) };
}

/** Throws a GitError (after yielding what it read) when git fails. Lazy: git starts on the first `next()`. */
export function stagedFragments(opts: StagedOptions): AsyncGenerator<Fragment> {
  return (async function* () { yield* startStaged(opts); })();
}

/**
 * Starts `git diff --cached` now (output buffered until iterated), so a hook can load its rules meanwhile.
 * `kill()` stops git for a caller that gives up before iterating.
 */
export function startStaged(opts: StagedOptions): AsyncGenerator<Fragment> & { kill(): void } {
  let killed = false;
  const git: Promise<GitStream> = mergeDiffArgs(opts.repo, opts.mergeHeadFile).then((args) => {
    const g = gitStream(opts.repo, args ?? STAGED_DIFF_ARGS);
    if (killed) g.kill();
    return g;
  });
  git.catch(() => { /* surfaced when iterated */ });
  const read = async function* (): AsyncGenerator<Fragment> {
    const g = await git;
    let finished = false;
    try {
      yield* parseUnifiedDiff(g.stdout, opts.maxFragmentBytes ? { maxFragmentBytes: opts.maxFragmentBytes } : {});
      finished = true;
    } finally {
      if (!finished) g.kill();
    }
    await g.done;
  };
  return Object.assign(read(), { kill: () => { killed = true; void git.then((g) => g.kill(), () => undefined); } });
}

/** For a merge being committed: the combined diff of the index against every parent; undefined otherwise. */
async function mergeDiffArgs(repo: string, mergeHeadFile: string | undefined): Promise<string[] | undefined> {
  const file = mergeHeadFile ?? await gitTry(repo, ['rev-parse', '--git-path', 'MERGE_HEAD']);
  if (!file) return undefined;
  let heads: string[];
  try {
    heads = fs.readFileSync(path.resolve(repo, file), 'utf8').split('\n').map((l) => l.trim()).filter((l) => /^[0-9a-f]{40,64}$/.test(l));
  } catch {
    return undefined; // no merge in progress
  }
  if (heads.length === 0) return undefined;
  const tree = await gitTry(repo, ['write-tree']); // fails while conflicts are unresolved: then the plain diff
  if (!tree) return undefined;
  // -U1: git's combined diff misplaces line numbers with -U0 (see sources/history.ts).
  return ['diff', '--cc', '-U1', '-M', ...DIFF_HARDENING, tree, 'HEAD', ...heads, '--'];
}
