/**
 * The commits of a git history as fragments: spawned `git log -p` processes (non-merge commits and merges side by
 * side, optionally the commits in `jobs` chunks) streamed through the diff parser.
 *
 * Invariants
 * 1. Streaming: git's stdout is read chunk by chunk with backpressure; memory does not grow with history length.
 * 2. Every commit is read by its own diff (`-U0`: added lines only), so a secret is reported at the commit that
 *    introduced it; a cherry-pick is a commit of its own and is reported there too (same fingerprint).
 * 3. Merges: only what the merge itself introduces (evil merges, hand-written conflict resolutions): the combined
 *    diff (`--cc`) lines new to every parent. Lines arriving from a merged branch were reported at their own
 *    commits and are not reported again. `--cc` rather than `--diff-merges=remerge`: on the bench repository
 *    (4,000 commits, 80 merges) remerge made `git log -p` 3.7× slower (1.82 s vs 0.49 s; it re-runs every
 *    merge), and it reported a line of the merged branch again at a merge whose resolution differed from git's
 *    automatic merge (10,000 commits: 36 findings vs 35, the extra one a repeat). Combined diffs need `-U1`
 *    (see {@link LogPart}).
 * 4. Git failing (bad revision, corrupt object) is never silent: `fragments()` throws a GitError after yielding
 *    what it could read, so the caller can report what was found and still fail.
 */
import type { Fragment, Source } from '../core/types.js';
import { parseUnifiedDiff, LOG_FORMAT } from './diff.js';
import { DIFF_HARDENING, GitError, gitOutput, gitReason, gitRun, gitStream, gitTry, type GitStream } from './git.js';

/** How merge commits are diffed: see `bench/history.bench.ts` for the measurement behind the default. */
export type MergeMode = 'remerge' | 'cc' | 'none';

export interface HistoryOptions {
  /** The repository (any directory inside the work tree, or a bare repository). */
  readonly repo: string;
  /** Revision ranges / refs (`main`, `v1..v2`, `^old`); default every ref (`--all`). */
  readonly revisions?: readonly string[];
  /** gitleaks' `--log-opts`: replaces the default `--all` / revision selection (split on spaces). */
  readonly logOpts?: string;
  readonly since?: string;
  readonly branch?: string;
  readonly maxCommits?: number;
  /** Commits reachable from these shas are not scanned (`^sha`; incremental sweeps, pre-push). */
  readonly exclude?: readonly string[];
  readonly merges?: MergeMode;
  /**
   * Non-merge commits are diffed by this many `git log` processes in parallel (the commit list from `git rev-list`
   * cut into contiguous chunks); default 1. Ignored with `maxCommits` or `logOpts`.
   */
  readonly jobs?: number;
  readonly maxFragmentBytes?: number;
  readonly onCommit?: (sha: string) => void;
  readonly onBytes?: (n: number) => void;
}

export const ZERO_SHA = /^0+$/;

/**
 * Which commits one `git log` process diffs: `all` (one process), or the split leakward uses by default,
 * `commits` (non-merges, `-U0`) and `merges` (merges only) run side by side.
 * Merges get `-U1` with `--cc`: git's combined diff with `-U0` coalesces nearby changes without printing the
 * unchanged lines between them, so its new-file line numbers drift (seen on the bench repository: 3 of 44
 * merge lines misplaced with -U0, none with -U1). `--diff-merges=remerge` prints an ordinary diff: -U0 is fine.
 */
export type LogPart = 'all' | 'commits' | 'merges';

/** `git log` arguments for options (exported for the bench, which times the same command alone). */
export function historyLogArgs(opts: Omit<HistoryOptions, 'repo'>, part: LogPart = 'all'): { args: string[]; stdin: string } {
  const merges = opts.merges ?? 'cc';
  const context = merges === 'cc' && part !== 'commits' ? '-U1' : '-U0';
  // Rename detection is what makes combined diffs slow (on git/git, 3,000 merges: 19 s of git CPU with it, 3.7 s
  // without). A merge needs none to find what it adds: a file renamed on one side arrives whole from that parent.
  // The cost is a repeat, never a miss: a file renamed on one side and edited on the other shows the other side's
  // edited lines again at the merge. Non-merge commits keep `-M` (a renamed file adds no lines).
  const renames = part === 'merges' && merges === 'cc' ? '--no-renames' : '-M';
  const args = ['log', '-p', context, renames, `--format=${LOG_FORMAT}`, ...DIFF_HARDENING, '--full-history'];
  if (merges === 'none' || part === 'commits') args.push('--no-merges');
  else if (merges === 'remerge') args.push('--diff-merges=remerge');
  else args.push('--cc');
  if (part === 'merges') args.push('--merges');
  if (opts.since) args.push(`--since=${opts.since}`);
  if (opts.maxCommits !== undefined) args.push(`--max-count=${opts.maxCommits}`);
  const revs: string[] = [];
  let paths: string[] = [];
  if (opts.logOpts !== undefined && opts.logOpts.trim() !== '') {
    const words = opts.logOpts.trim().split(/\s+/);
    const dd = words.indexOf('--');
    if (dd >= 0) { paths = words.slice(dd + 1); words.length = dd; }
    const bad = words.find(unsafeLogOpt);
    if (bad !== undefined) {
      throw new GitError(`--log-opts: ${bad} is not allowed (it would suppress or reshape the patches leakward reads, ` +
        'write files, or re-enable diff drivers)', null, '');
    }
    // Options go on the command line; revisions too (they may be ranges git must see as arguments).
    args.push(...words);
  } else if (opts.branch) {
    revs.push(opts.branch);
  } else if (opts.revisions && opts.revisions.length > 0) {
    revs.push(...opts.revisions);
  } else {
    args.push('--all');
  }
  for (const r of revs) {
    if (r.startsWith('-') && r !== '--all' && r !== '--branches' && r !== '--tags' && r !== '--remotes') {
      throw new GitError(`not a revision: ${r}`, null, '');
    }
  }
  // Revisions and exclusions go through stdin (`--stdin`): no argv length limit however many tips.
  const stdinRevs = [...revs, ...(opts.exclude ?? []).map((s) => `^${s}`)];
  if (stdinRevs.length > 0) args.push('--stdin');
  args.push('--', ...paths);
  return { args, stdin: stdinRevs.length > 0 ? `${stdinRevs.join('\n')}\n` : '' };
}

/**
 * `git log` options a `--log-opts` value may not carry: they suppress the patch (`-s`, `--name-only`), write files
 * (`--output`), re-enable what DIFF_HARDENING turns off (`--ext-diff`, `--textconv`, colour), or reshape the output
 * the parser reads (another `--format`, `--graph`, `-R`, word diffs, prefixes, output indicators).
 */
const UNSAFE_LOG_OPTS = [
  '-s', '--no-patch', '--name-only', '--name-status', '--check', '--stat-only', '--output', '--ext-diff', '--textconv',
  '--color', '--word-diff', '--color-words', '--color-moved', '-z', '--no-prefix', '--src-prefix', '--dst-prefix',
  '--relative', '--line-prefix', '-R', '--graph', '--pretty', '--format', '--oneline', '--output-indicator-new',
  '--output-indicator-old', '--output-indicator-context', '--no-text', '--binary',
];

function unsafeLogOpt(word: string): boolean {
  if (!word.startsWith('-') || word === '--') return false;
  const name = word.startsWith('--') ? word.split('=')[0]! : word;
  return UNSAFE_LOG_OPTS.includes(name);
}

/**
 * The git processes a history scan runs: commits and merges apart (in parallel) unless a commit count limit
 * (`--max-commits`, or raw `--log-opts`, which may hold one) needs a single walk.
 */
export function historyParts(opts: Omit<HistoryOptions, 'repo'>): LogPart[] {
  if ((opts.merges ?? 'cc') === 'none') return ['commits'];
  if (opts.maxCommits !== undefined || (opts.logOpts !== undefined && opts.logOpts.trim() !== '')) return ['all'];
  return ['commits', 'merges'];
}

export interface RepoInfo {
  /** Top of the work tree, or the git dir of a bare repository. */
  readonly root: string;
  readonly shallow: boolean;
  readonly empty: boolean;
  readonly partialClone: boolean;
}

/** Checks that `dir` is a git repository; throws a GitError with a plain message when it is not. */
export async function inspectRepo(dir: string): Promise<RepoInfo> {
  // Three gits in parallel (each spawn costs the main thread 3–18 ms of fork, more on a loaded machine, while
  // `git log` already runs): `--show-toplevel` rides along with the other questions and fails last in a bare
  // repository (the first three answers are printed all the same); `rev-list -n1 --all` finds a commit in any ref
  // or in HEAD.
  const [main, commit, partial] = await Promise.all([
    gitRun(dir, ['rev-parse', '--is-bare-repository', '--is-shallow-repository', '--absolute-git-dir', '--show-toplevel']),
    gitRun(dir, ['rev-list', '-n1', '--all']),
    gitTry(dir, ['config', '--get', 'extensions.partialClone']),
  ]);
  const lines = main.stdout.split('\n');
  if (lines.length < 3) {
    if (/not a git repository/i.test(main.stderr)) throw new GitError(`not a git repository: ${dir}`, main.code, main.stderr);
    throw new GitError(gitReason(main.stderr) || `git rev-parse exited with ${main.code}`, main.code, main.stderr);
  }
  const [bare, shallow, gitDir, top] = lines;
  return {
    root: bare === 'true' ? gitDir! : (main.code === 0 && top ? top : dir),
    shallow: shallow === 'true',
    // A failing rev-list (a broken ref) is not "empty": git log reports the problem then.
    empty: commit.code === 0 && commit.stdout === '',
    partialClone: !!partial,
  };
}

/** A history source: `fragments()` streams `git log -p` through the diff parser. */
export function historySource(opts: HistoryOptions): Source {
  return { fragments: (signal?: AbortSignal) => historyFragments(opts, signal) };
}

/**
 * Starts the git processes now (their output is buffered, up to 4 MiB each, until iterated) and returns the
 * fragments: a caller can load and compile its rules while git is already walking the history.
 */
export function startHistory(opts: HistoryOptions, signal?: AbortSignal): AsyncGenerator<Fragment> & { kill(): void } {
  const parts = historyParts(opts);
  const jobs = Math.max(1, Math.floor(opts.jobs ?? 1));
  const spawned: GitStream[] = [];
  let killed = false;
  const spawnGit = (args: string[], stdin: string | Buffer): GitStream => {
    const g = gitStream(opts.repo, args, stdin);
    spawned.push(g);
    if (killed) g.kill();
    return g;
  };
  const sources: Promise<GitStream[]>[] = parts.map((part) => {
    if (part === 'commits' && jobs > 1) return chunkedCommits(opts, jobs, spawnGit);
    const { args, stdin } = historyLogArgs(opts, part);
    return Promise.resolve([spawnGit(args, stdin)]);
  });
  // kill(): for a caller that gives up before iterating (a generator never started runs no `finally`).
  const kill = (): void => { killed = true; for (const g of spawned) g.kill(); };
  return Object.assign(readHistory(opts, sources, kill, signal), { kill });
}

/**
 * `git rev-list` the non-merge commits, cut the list into `jobs` contiguous chunks and diff each chunk in its own
 * `git log --no-walk --stdin` (the list is kept as git printed it: 41 bytes a commit).
 */
async function chunkedCommits(opts: HistoryOptions, jobs: number, spawnGit: (args: string[], stdin: string | Buffer) => GitStream): Promise<GitStream[]> {
  const { args: logArgs, stdin } = historyLogArgs(opts, 'commits');
  // The same selection as the log command: everything after `--full-history` up to `--` minus the diff options.
  const sel = logArgs.slice(logArgs.indexOf('--full-history'));
  const list = spawnGit(['rev-list', ...sel], stdin);
  const chunks: Buffer[] = [];
  for await (const c of list.stdout) chunks.push(c);
  await list.done;
  const all = Buffer.concat(chunks);
  const per = Math.ceil(all.length / 41 / jobs) * 41; // whole lines (sha1; sha256 lines are cut at newlines below)
  const out: GitStream[] = [];
  const chunkArgs = ['log', '-p', '-U0', '-M', `--format=${LOG_FORMAT}`, ...DIFF_HARDENING, '--no-walk=unsorted', '--stdin', '--'];
  let start = 0;
  while (start < all.length) {
    let end = Math.min(all.length, start + per);
    const nl = all.indexOf(0x0a, end - 1);
    end = nl < 0 ? all.length : nl + 1;
    out.push(spawnGit(chunkArgs, all.subarray(start, end)));
    start = end;
  }
  return out;
}

export function historyFragments(opts: HistoryOptions, signal?: AbortSignal): AsyncGenerator<Fragment> {
  // Lazy: nothing runs until the first fragment is asked for.
  return (async function* () { yield* startHistory(opts, signal); })();
}

async function* readHistory(opts: HistoryOptions, sources: Promise<GitStream[]>[], kill: () => void,
  signal?: AbortSignal): AsyncGenerator<Fragment> {
  signal?.addEventListener('abort', kill, { once: true });
  const streams: GitStream[] = [];
  let finished = false;
  try {
    for (const group of await Promise.all(sources)) streams.push(...group);
    const iters = streams.map((git) => parseUnifiedDiff(git.stdout, {
      commitMetadata: true,
      ...(opts.maxFragmentBytes ? { maxFragmentBytes: opts.maxFragmentBytes } : {}),
      ...(opts.onCommit ? { onCommit: (c) => opts.onCommit!(c.sha) } : {}),
      ...(opts.onBytes ? { onBytes: opts.onBytes } : {}),
    }));
    yield* iters.length === 1 ? iters[0]! : interleave(iters);
    finished = true;
  } finally {
    signal?.removeEventListener('abort', kill);
    if (!finished) kill();
  }
  // Throws a GitError when a git failed (after everything readable was yielded).
  for (const g of streams) await g.done;
}

/** Yields from several async generators as their items arrive; at most one pending `next()` per source. */
async function* interleave<T>(sources: AsyncGenerator<T>[]): AsyncGenerator<T> {
  const pending = new Map<number, Promise<{ i: number; r: IteratorResult<T> }>>();
  const pull = (i: number): void => { pending.set(i, sources[i]!.next().then((r) => ({ i, r }))); };
  sources.forEach((_, i) => pull(i));
  try {
    while (pending.size > 1) {
      const { i, r } = await Promise.race(pending.values());
      if (r.done) { pending.delete(i); continue; }
      pull(i);
      yield r.value;
    }
    // One source left (the merges' git is done after a tenth of the history): no race per fragment any more.
    for (const [i, p] of pending) {
      const { r } = await p;
      pending.delete(i);
      if (r.done) break;
      yield r.value;
      for (let n = await sources[i]!.next(); !n.done; n = await sources[i]!.next()) yield n.value;
    }
  } finally {
    // Stopped early (or failed): close every source so its git is killed.
    await Promise.allSettled(sources.map((s) => s.return(undefined)));
  }
}

/** Tips of what a revision selection covers (for `--state`): the positive shas `git rev-parse` resolves. */
export async function resolveTips(repo: string, opts: Omit<HistoryOptions, 'repo'>): Promise<string[]> {
  let revs: string[];
  if (opts.branch) revs = [opts.branch];
  else if (opts.revisions && opts.revisions.length > 0) revs = [...opts.revisions];
  else revs = ['--all'];
  const out = await gitOutput(repo, ['rev-parse', '--revs-only', ...revs, '--']);
  const tips = new Set<string>();
  for (const line of out.split('\n')) if (/^[0-9a-f]{40,64}$/.test(line)) tips.add(line);
  // rev-parse gives tag objects for annotated tags: peel to commits.
  if (tips.size === 0) return [];
  const peeled = await gitOutput(repo, ['rev-parse', ...[...tips].map((t) => `${t}^{commit}`)]).catch(() => '');
  const commits = new Set(peeled.split('\n').filter((l) => /^[0-9a-f]{40,64}$/.test(l)));
  return [...(commits.size > 0 ? commits : tips)].sort();
}

/** The subset of `shas` that still name commits in `repo` (a state file may outlive a force-push + gc). */
export async function existingCommits(repo: string, shas: readonly string[]): Promise<string[]> {
  if (shas.length === 0) return [];
  const out = await gitTry(repo, ['cat-file', '--batch-check=%(objectname) %(objecttype)'], `${shas.join('\n')}\n`);
  if (!out) return [];
  return out.split('\n').filter((l) => l.endsWith(' commit')).map((l) => l.slice(0, l.indexOf(' ')));
}

/** What a push publishes, from a pre-push hook's stdin. */
export interface PushSelection {
  /** Local tips being pushed. */
  readonly include: string[];
  /** Remote tips being overwritten (commits reachable from them are on the remote already). */
  readonly exclude: string[];
  /** A new remote ref is created: also exclude everything any remote-tracking ref has (`--not --remotes`). */
  readonly newRef: boolean;
}

/**
 * Parses a pre-push hook's stdin (`<local ref> <local sha> <remote ref> <remote sha>` lines): an update scans
 * `remote..local`, a new branch `local --not --remotes`; deletions are skipped.
 */
export function parsePrePush(stdin: string): PushSelection {
  const include = new Set<string>(), exclude = new Set<string>();
  let newRef = false;
  let n = 0;
  for (const raw of stdin.split('\n')) {
    n++;
    if (raw.trim() === '') continue;
    const parts = raw.trim().split(/\s+/);
    const [, localSha = '', , remoteSha = ''] = parts;
    // anything else is not what git gives a pre-push hook: fail closed rather than push unchecked
    if (parts.length !== 4 || !/^[0-9a-f]{40,64}$/.test(localSha) || !/^[0-9a-f]{40,64}$/.test(remoteSha)) {
      throw new GitError(`--pre-push: line ${n} of stdin is not "<local ref> <local sha> <remote ref> <remote sha>"`, null, '');
    }
    if (ZERO_SHA.test(localSha)) continue; // deletion
    include.add(localSha);
    if (ZERO_SHA.test(remoteSha)) newRef = true;
    else exclude.add(remoteSha);
  }
  return { include: [...include], exclude: [...exclude], newRef };
}

/** Commits at the tips of remote-tracking refs (for `--not --remotes`; git 2.39's `--stdin` takes no pseudo-options). */
export async function remoteTips(repo: string): Promise<string[]> {
  const out = await gitTry(repo, ['for-each-ref', '--format=%(objectname)^{commit}', 'refs/remotes']);
  if (!out) return [];
  const peeled = await gitTry(repo, ['rev-parse', ...new Set(out.split('\n').filter(Boolean))]);
  return peeled ? [...new Set(peeled.split('\n').filter(Boolean))] : [];
}
