/**
 * Sweeping many repositories: for each, mirror (or open) it, plan its tasks, scan them, record each result,
 * then record the repository's state (refs, where its finding commits are reachable, what is still present at
 * the tip of its default branch). Repositories run `jobs` at a time.
 *
 * Invariants
 * 1. A commit already scanned with the current rule set is never scanned again, whichever repository reaches it;
 *    after a rule change only the new or changed rules run over old commits (plan.ts).
 * 2. Each task's result is recorded in one transaction as soon as it is complete; an interrupted sweep
 *    (`signal`) drops only the tasks in flight, and the next run plans exactly what is missing.
 * 3. A repository that cannot be fetched or read is recorded with its error (credentials redacted) and the sweep
 *    goes on; it counts as failed, never as clean.
 * 4. Bounded memory: planning streams `git rev-list`, tasks hold at most `batchSize` commits, results are
 *    recorded and dropped one at a time.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import pLimit from 'p-limit';
import { spawn } from 'node:child_process';
import type { Config } from '../core/types.js';
import type { Scanner } from '../core/scanner.js';
import { gitOutput, gitStream } from '../sources/git.js';
import type { RefRecord, RepoSnapshot, RuleSetRecord, ScanResult, ScannedCommits } from '../store/types.js';
import { ensureMirror, localRepo } from './mirror.js';
import { defaultBranch, planRepo, selectRefs } from './plan.js';
import { redactCredentials, type RepoLocation } from './repo-url.js';
import { ruleSetOf } from './ruleset.js';
import { scannerFor, scanTask, toOccurrence } from './scan-task.js';
import { verifyRepoFindings, type SweepVerifyOptions, type VerifyCounts } from './verify-stored.js';

/** What the sweep needs from a datastore (the local SQLite store implements it). */
export interface SweepLedger extends ScannedCommits {
  putRuleSet(rs: RuleSetRecord): void;
  record(result: ScanResult): number;
  recordRepo(snapshot: RepoSnapshot): void;
  /** Every commit holding a finding. */
  findingCommits(): Set<string>;
  /** Paths of findings in these commits. */
  findingPaths(shas: Iterable<string>): string[];
  presenceKey(url: string): string | undefined;
  repoState(url: string): { ruleSetId: string | null; error: string | null; commits: number; refs: Map<string, string> } | undefined;
}

export interface SweepOptions {
  readonly repos: readonly RepoLocation[];
  readonly ledger: SweepLedger;
  readonly config: Config;
  /** Where remote repositories are mirrored. */
  readonly cache: string;
  /** Repositories swept in parallel; default half the cores, at least 1. */
  readonly jobs?: number;
  /** Extra ref globs (`--refs`). */
  readonly refs?: readonly string[];
  readonly maxDecodeDepth?: number;
  readonly batchSize?: number;
  readonly signal?: AbortSignal;
  readonly onRepoStart?: (loc: RepoLocation) => void;
  readonly onRepoDone?: (snapshot: RepoSnapshot, newOccurrences: number) => void;
  readonly onCommits?: (n: number) => void;
  readonly onBytes?: (n: number) => void;
  /** Live verification of the findings reachable in each swept repository (`--verify`): off when absent. */
  readonly verify?: SweepVerifyOptions;
  readonly onVerified?: (url: string, counts: VerifyCounts) => void;
}

export interface SweepSummary {
  readonly ruleSetId: string;
  readonly repos: number;
  readonly failed: number;
  readonly commits: number;
  readonly scannedCommits: number;
  readonly bytes: number;
  readonly newOccurrences: number;
  readonly durationMs: number;
  readonly interrupted: boolean;
  /** Live verification outcomes over the swept repositories, when `verify` was given. */
  readonly verification?: VerifyCounts;
}

export function defaultJobs(): number {
  return Math.max(1, Math.floor(os.availableParallelism() / 2));
}

export async function sweep(opts: SweepOptions): Promise<SweepSummary> {
  const started = Date.now();
  const ruleSet = ruleSetOf(opts.config, { ...(opts.maxDecodeDepth !== undefined ? { maxDecodeDepth: opts.maxDecodeDepth } : {}) });
  opts.ledger.putRuleSet(ruleSet);
  const scanners = new Map<string, Scanner>();
  const limit = pLimit(Math.max(1, opts.jobs ?? defaultJobs()));
  let failed = 0, commits = 0, scannedCommits = 0, bytes = 0, newOcc = 0;
  const verification: VerifyCounts = { verified: 0, invalid: 0, unknown: 0 };
  await Promise.all(opts.repos.map((loc) => limit(async () => {
    if (opts.signal?.aborted) return;
    opts.onRepoStart?.(loc);
    const r = await sweepRepo(loc, opts, ruleSet, scanners);
    if (!r) return; // interrupted: nothing recorded for the repository itself
    opts.ledger.recordRepo(r.snapshot);
    if (r.snapshot.error) failed++;
    commits += r.snapshot.commits;
    scannedCommits += r.snapshot.scannedCommits;
    bytes += r.snapshot.bytes;
    newOcc += r.newOccurrences;
    if (opts.verify && r.dir && !r.snapshot.error && !opts.signal?.aborted) {
      // After recordRepo: the repository's reach (which findings it holds) is in the datastore now.
      const counts = await verifyRepoFindings(loc.url, r.dir, opts.config, opts.verify, scanners, opts.maxDecodeDepth);
      verification.verified += counts.verified;
      verification.invalid += counts.invalid;
      verification.unknown += counts.unknown;
      opts.onVerified?.(loc.url, counts);
    }
    opts.onRepoDone?.(r.snapshot, r.newOccurrences);
  })));
  return {
    ruleSetId: ruleSet.id, repos: opts.repos.length, failed, commits, scannedCommits, bytes, newOccurrences: newOcc,
    durationMs: Date.now() - started, interrupted: opts.signal?.aborted === true, ...(opts.verify ? { verification } : {}),
  };
}

async function sweepRepo(loc: RepoLocation, opts: SweepOptions, ruleSet: RuleSetRecord, scanners: Map<string, Scanner>):
  Promise<{ snapshot: RepoSnapshot; newOccurrences: number; dir?: string } | undefined> {
  const t0 = Date.now();
  const base = { url: loc.url, source: loc.source, ruleSetId: ruleSet.id };
  let scanned = 0, bytes = 0, total = 0, added = 0;
  try {
    const dir = loc.kind === 'remote' ? await ensureMirror(loc, opts.cache) : await localRepo(loc);
    if (opts.signal?.aborted) return undefined;
    const refs = await selectRefs(dir, { ...(opts.refs ? { include: opts.refs } : {}) });
    const def = await defaultBranch(dir, refs);
    const last = opts.ledger.repoState(loc.url);
    if (last && !last.error && last.ruleSetId === ruleSet.id && last.refs.size === refs.length && refs.every((r) => last.refs.get(r.name) === r.sha)) {
      // Every ref where the last complete sweep with this rule set left it: every reachable commit was scanned then
      // (a repository is recorded only after all its batches), and reach and presence are what was recorded.
      opts.onCommits?.(last.commits);
      return {
        snapshot: {
          ...base, ...(def ? { defaultBranch: def.name.replace(/^refs\/heads\//, ''), head: def.sha } : {}), refs, commits: last.commits,
          scannedCommits: 0, bytes: 0, durationMs: Date.now() - t0, sweptAt: new Date().toISOString(),
        },
        newOccurrences: 0,
        dir,
      };
    }
    const findingCommits = opts.ledger.findingCommits();
    const reached = new Set<string>();
    const plan = planRepo({
      repo: loc.url, dir, refs, ruleSet, scanned: opts.ledger, ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
      onCommit: (sha) => { if (findingCommits.has(sha)) reached.add(sha); },
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    for (let step = await plan.next(); ; step = await plan.next()) {
      if (step.done) { total = step.value; break; }
      if (opts.signal?.aborted) { await plan.return(0); return undefined; }
      const task = step.value;
      const result = await scanTask(task, {
        dir, config: opts.config, scanners, ...(opts.maxDecodeDepth !== undefined ? { maxDecodeDepth: opts.maxDecodeDepth } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
        onBytes: (n) => opts.onBytes?.(n), onCommit: () => opts.onCommits?.(1),
      });
      if (opts.signal?.aborted) { await plan.return(0); return undefined; }
      added += opts.ledger.record(result);
      if (task.rules.length === 0) opts.onCommits?.(result.commits.length);
      scanned += task.rules.length > 0 ? result.commits.length : 0;
      bytes += result.bytes;
      for (const o of result.occurrences) reached.add(o.sha);
    }
    // Reach and presence depend only on the ref tips, the rules and which finding commits are reachable.
    const sortedReached = [...reached].sort();
    const presenceKey = createHash('sha256').update(`${refs.map((r) => `${r.name} ${r.sha}`).join('\n')}\n${ruleSet.id}\n${sortedReached.join(',')}`)
      .digest('hex').slice(0, 32);
    let reach: { sha: string; refs: string[] }[] | undefined;
    let present: string[] | undefined;
    if (presenceKey !== opts.ledger.presenceKey(loc.url)) {
      reach = await reachOf(dir, sortedReached, refs);
      present = def ? await presentAtTip(dir, def.sha, opts.ledger.findingPaths(reached), opts.config, opts.maxDecodeDepth, scanners) : [];
    }
    if (opts.signal?.aborted) return undefined;
    return {
      snapshot: {
        ...base, ...(def ? { defaultBranch: def.name.replace(/^refs\/heads\//, ''), head: def.sha } : {}), refs, commits: total,
        scannedCommits: scanned, bytes, durationMs: Date.now() - t0, sweptAt: new Date().toISOString(),
        ...(reach ? { reach } : {}), ...(present ? { present } : {}), presenceKey,
      },
      newOccurrences: added,
      dir,
    };
  } catch (err) {
    if (opts.signal?.aborted) return undefined;
    return {
      snapshot: {
        ...base, refs: [], commits: total, scannedCommits: scanned, bytes, durationMs: Date.now() - t0, sweptAt: new Date().toISOString(),
        error: redactCredentials(String((err as Error).message ?? err).split('\n')[0]!, loc.fetchUrl),
      },
      newOccurrences: added,
    };
  }
}

/**
 * The selected branches (and `--refs` extras; tags are left out: a tag names a release, not where work goes on)
 * that reach each finding commit. Whichever costs fewer walks: one `git rev-list` per branch tip checked against
 * the finding commits, or one `git for-each-ref --contains` per finding commit (4 git processes at a time).
 */
export async function reachOf(dir: string, shas: string[], refs: readonly RefRecord[]): Promise<{ sha: string; refs: string[] }[]> {
  const branches = refs.filter((r) => !r.name.startsWith('refs/tags/'));
  const names = new Set(branches.map((r) => r.name));
  const found = new Map<string, Set<string>>(shas.map((s) => [s, new Set<string>()]));
  const limit = pLimit(4);
  const tips = new Map<string, string[]>();
  for (const r of branches) tips.set(r.sha, [...(tips.get(r.sha) ?? []), r.name]);
  if (tips.size <= shas.length) {
    await Promise.all([...tips].map(([tip, refNames]) => limit(async () => {
      const git = gitStream(dir, ['rev-list', '--stdin'], `${tip}\n`);
      let carry = '';
      for await (const chunk of git.stdout) {
        const lines = (carry + chunk.toString('latin1')).split('\n');
        carry = lines.pop()!;
        for (const l of lines) { const set = found.get(l); if (set) for (const n of refNames) set.add(n); }
      }
      await git.done.catch(() => undefined);
    })));
  } else {
    const prefixes = [...new Set([...names].map((n) => n.split('/').slice(0, 2).join('/')))];
    await Promise.all(shas.map((sha) => limit(async () => {
      const text = await gitOutput(dir, ['for-each-ref', '--contains', sha, '--format=%(refname)', ...prefixes]).catch(() => '');
      for (const n of text.split('\n')) if (names.has(n)) found.get(sha)!.add(n);
    })));
  }
  return shas.map((sha) => ({ sha, refs: [...found.get(sha)!].sort() }));
}

/** Fingerprints of the findings in the default branch's tip among the files that ever held a finding. */
export async function presentAtTip(dir: string, head: string, paths: readonly string[], config: Config, depth: number | undefined,
  scanners: Map<string, Scanner>): Promise<string[]> {
  const wanted = paths.filter((p) => !p.includes('\n'));
  if (wanted.length === 0) return [];
  const scanner = scannerFor(config, config.rules.map((r) => r.id), depth, scanners);
  const out = new Set<string>();
  await catBlobs(dir, wanted.map((p) => `${head}:${p}`), (i, blob) => {
    for (const f of scanner.scanBuffer(blob, { path: wanted[i]! })) out.add(toOccurrence(f).fingerprint);
  });
  return [...out].sort();
}

/** `git cat-file --batch` over `specs`: calls `onBlob(index, bytes)` for each one that names a blob, in order. */
function catBlobs(dir: string, specs: readonly string[], onBlob: (index: number, blob: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd: dir, stdio: ['pipe', 'pipe', 'ignore'] });
    let buf: Buffer = Buffer.alloc(0);
    let i = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      for (;;) {
        const nl = buf.indexOf(0x0a);
        if (nl < 0) return;
        const line = buf.subarray(0, nl).toString('latin1');
        const header = line.split(' ');
        // `<spec> missing` (the spec may hold spaces) or `<sha> <type> <size>` followed by the object and a newline.
        if (line.endsWith(' missing') || line.endsWith(' ambiguous') || header.length !== 3) { buf = buf.subarray(nl + 1); i++; continue; }
        const size = Number(header[2]);
        if (buf.length < nl + 1 + size + 1) return;
        if (header[1] === 'blob') onBlob(i, buf.subarray(nl + 1, nl + 1 + size));
        buf = buf.subarray(nl + 1 + size + 1);
        i++;
      }
    });
    child.on('error', reject);
    child.on('close', () => resolve());
    child.stdin.on('error', () => { /* git may exit early */ });
    child.stdin.end(specs.join('\n') + '\n');
  });
}
