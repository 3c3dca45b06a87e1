/**
 * Planning a repository's sweep: which refs, which commits, which rules. The output is a stream of plain,
 * serialisable tasks (commit batches + the rule ids to run) that any worker can execute; what was already
 * scanned is asked through `ScannedCommits`, which the local datastore implements (a shared set can too).
 *
 * Invariants
 * 1. Every commit reachable from the selected refs is in exactly one task, or was already scanned with every rule
 *    of the current rule set (from this repository or any other).
 * 2. Bounded memory: `git rev-list` is streamed; commits are looked up and grouped `LOOKUP_BATCH` at a time, and a
 *    group is emitted as a task once it reaches `batchSize` commits.
 */
import fs from 'node:fs';
import path from 'node:path';
import micromatch from 'micromatch';
import { gitOutput, gitStream } from '../sources/git.js';
import type { RefRecord, RuleSetRecord, ScannedCommits } from '../store/types.js';
import { missingRules } from './ruleset.js';

/** A unit of scanning work: commits of one repository and the rules to run over them. */
export interface ScanTask {
  readonly repo: string;
  readonly ruleSetId: string;
  /** Rule ids to run; the whole rule set when equal to all of its ids. */
  readonly rules: readonly string[];
  /** Non-merge commits (diffed with `-U0`). */
  readonly commits: readonly string[];
  /** Merge commits (combined diff). */
  readonly merges: readonly string[];
}

export interface RefSelection {
  /** Extra ref globs (`--refs`), on top of branches and tags. */
  readonly include?: readonly string[];
}

const DEFAULT_REFS = ['refs/heads/**', 'refs/tags/**'];
const EXCLUDED_BY_DEFAULT = ['refs/pull/**'];

/**
 * The refs a sweep covers, peeled to commits: branches and tags, plus `--refs` globs; GitHub's `refs/pull/*` only
 * when a glob names them. Refs that do not point to a commit (a tag of a tree) are left out.
 */
export async function selectRefs(dir: string, selection: RefSelection = {}): Promise<RefRecord[]> {
  const out = await gitOutput(dir, ['for-each-ref', '--format=%(objecttype) %(objectname) %(*objecttype) %(*objectname) %(refname)']);
  // micromatch's `*` stops at `/`: `refs/pull/*` means every ref under refs/pull/, as git users expect.
  const extra = (selection.include ?? []).map((g) => (g.endsWith('/*') ? `${g}*` : g));
  const include = [...DEFAULT_REFS, ...extra];
  const refs: RefRecord[] = [];
  for (const line of out.split('\n')) {
    if (!line) continue;
    const [type, sha, ptype, psha, ...rest] = line.split(' ');
    const name = rest.join(' ');
    if (!micromatch.isMatch(name, include)) continue;
    if (micromatch.isMatch(name, EXCLUDED_BY_DEFAULT) && !(extra.length > 0 && micromatch.isMatch(name, extra))) continue;
    if (type === 'commit') refs.push({ name, sha: sha! });
    else if (type === 'tag' && ptype === 'commit' && psha) refs.push({ name, sha: psha });
  }
  return refs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The default branch: what HEAD points to (a mirror's HEAD is the remote's default branch). */
export async function defaultBranch(dir: string, refs: readonly RefRecord[]): Promise<RefRecord | undefined> {
  // `dir` is a git directory: its HEAD file says `ref: refs/heads/<name>` (read directly: one process less per repository).
  let head = '';
  try {
    const text = fs.readFileSync(path.join(dir, 'HEAD'), 'utf8');
    if (text.startsWith('ref: ')) head = text.slice(5).trim();
  } catch {
    head = await gitOutput(dir, ['symbolic-ref', '-q', 'HEAD']).catch(() => '');
  }
  return refs.find((r) => r.name === head) ?? refs.find((r) => r.name === 'refs/heads/main') ?? refs.find((r) => r.name === 'refs/heads/master');
}

export interface PlanOptions {
  readonly repo: string;
  readonly dir: string;
  readonly refs: readonly RefRecord[];
  readonly ruleSet: RuleSetRecord;
  readonly scanned: ScannedCommits;
  /** Commits per task (default 2000). */
  readonly batchSize?: number;
  /** Called for every reachable commit (the sweep uses it to find the finding commits this repository reaches). */
  readonly onCommit?: (sha: string) => void;
  readonly signal?: AbortSignal;
}

const LOOKUP_BATCH = 5000;

/** Streams the tasks of one repository's sweep. Also returns (at the end) the number of reachable commits. */
export async function* planRepo(opts: PlanOptions): AsyncGenerator<ScanTask, number> {
  if (opts.refs.length === 0) return 0;
  const batchSize = opts.batchSize ?? 2000;
  const allRules = Object.keys(opts.ruleSet.rules).sort();
  const tips = [...new Set(opts.refs.map((r) => r.sha))];
  const git = gitStream(opts.dir, ['rev-list', '--parents', '--stdin'], `${tips.join('\n')}\n`);
  const onAbort = (): void => git.kill();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const groups = new Map<string, { rules: string[]; commits: string[]; merges: string[] }>();
  const known = new Map<string, RuleSetRecord | undefined>([[opts.ruleSet.id, opts.ruleSet]]);
  let total = 0;
  let pending: { sha: string; merge: boolean }[] = [];

  const flush = async function* (all: boolean): AsyncGenerator<ScanTask> {
    const seen = await opts.scanned.lookup(pending.map((p) => p.sha));
    for (const p of pending) {
      const sets = seen.get(p.sha) ?? [];
      if (sets.includes(opts.ruleSet.id)) continue;
      let rules = allRules;
      if (sets.length > 0) {
        const prev: RuleSetRecord[] = [];
        for (const id of sets) {
          if (!known.has(id)) known.set(id, await opts.scanned.ruleSet(id));
          const rs = known.get(id);
          if (rs) prev.push(rs);
        }
        rules = missingRules(opts.ruleSet, prev);
      }
      const key = rules === allRules ? '*' : rules.join(',');
      let g = groups.get(key);
      if (!g) groups.set(key, g = { rules, commits: [], merges: [] });
      (p.merge ? g.merges : g.commits).push(p.sha);
      if (g.commits.length + g.merges.length >= batchSize) {
        yield task(g);
        groups.delete(key);
      }
    }
    pending = [];
    if (all) {
      for (const g of groups.values()) if (g.commits.length + g.merges.length > 0) yield task(g);
      groups.clear();
    }
  };
  // A commit already scanned with an earlier rule set but needing no rule (all hashes known) costs nothing: an
  // empty rule list still marks it scanned with this rule set, without running git over it.
  const task = (g: { rules: string[]; commits: string[]; merges: string[] }): ScanTask =>
    ({ repo: opts.repo, ruleSetId: opts.ruleSet.id, rules: g.rules, commits: g.commits, merges: g.merges });

  try {
    let carry = '';
    for await (const chunk of git.stdout) {
      const text = carry + chunk.toString('latin1');
      const lines = text.split('\n');
      carry = lines.pop()!;
      for (const line of lines) {
        if (!line) continue;
        const sp = line.indexOf(' ');
        const sha = sp < 0 ? line : line.slice(0, sp);
        const merge = sp >= 0 && line.indexOf(' ', sp + 1) >= 0;
        total++;
        opts.onCommit?.(sha);
        pending.push({ sha, merge });
      }
      if (pending.length >= LOOKUP_BATCH) yield* flush(false);
    }
    await git.done;
    yield* flush(true);
    return total;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    git.kill();
  }
}
