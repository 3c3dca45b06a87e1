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
import { execFile } from 'node:child_process';
import type { Config } from '../core/types.js';
import type { Scanner } from '../core/scanner.js';
import { gitOutput } from '../sources/git.js';
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

/** Refs of a finding commit checked one by one past this many finding commits per repository: repository-level only. */
const MAX_REF_CHECKS = 200;

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
    const reach = await reachOf(dir, [...reached].sort(), refs);
    let present: string[] | undefined;
    let presenceKey: string | undefined;
    if (def) {
      presenceKey = createHash('sha256').update(`${def.sha}\n${ruleSet.id}\n${[...reached].sort().join(',')}`).digest('hex').slice(0, 32);
      if (presenceKey !== opts.ledger.presenceKey(loc.url)) {
        const paths = opts.ledger.findingPaths(reached);
        present = await presentAtTip(dir, def.sha, paths, opts.config, opts.maxDecodeDepth, scanners);
      }
    }
    if (opts.signal?.aborted) return undefined;
    return {
      snapshot: {
        ...base, ...(def ? { defaultBranch: def.name.replace(/^refs\/heads\//, ''), head: def.sha } : {}), refs, commits: total,
        scannedCommits: scanned, bytes, durationMs: Date.now() - t0, sweptAt: new Date().toISOString(), reach,
        ...(present ? { present } : {}), ...(presenceKey ? { presenceKey } : {}),
      },
      newOccurrences: added,
      dir,
    };
  } catch (err) {
    if (opts.signal?.aborted) return undefined;
    return {
      snapshot: {
        ...base, refs: [], commits: total, scannedCommits: scanned, bytes, durationMs: Date.now() - t0, sweptAt: new Date().toISOString(),
        reach: [], error: redactCredentials(String((err as Error).message ?? err).split('\n')[0]!, loc.fetchUrl),
      },
      newOccurrences: added,
    };
  }
}

/** The selected refs that reach each finding commit (`git for-each-ref --contains`, bounded). */
export async function reachOf(dir: string, shas: string[], refs: readonly RefRecord[]): Promise<{ sha: string; refs: string[] }[]> {
  const names = new Set(refs.map((r) => r.name));
  const tipOf = new Map<string, string[]>();
  for (const r of refs) tipOf.set(r.sha, [...(tipOf.get(r.sha) ?? []), r.name]);
  const out: { sha: string; refs: string[] }[] = [];
  for (let i = 0; i < shas.length; i++) {
    const sha = shas[i]!;
    if (i >= MAX_REF_CHECKS) { out.push({ sha, refs: tipOf.get(sha) ?? [] }); continue; }
    const text = await gitOutput(dir, ['for-each-ref', '--contains', sha, '--format=%(refname)']).catch(() => '');
    out.push({ sha, refs: text.split('\n').filter((n) => names.has(n)) });
  }
  return out;
}

/** Fingerprints of the findings in the default branch's tip among the files that ever held a finding. */
export async function presentAtTip(dir: string, head: string, paths: readonly string[], config: Config, depth: number | undefined,
  scanners: Map<string, Scanner>): Promise<string[]> {
  const scanner = scannerFor(config, config.rules.map((r) => r.id), depth, scanners);
  const out = new Set<string>();
  for (const p of paths) {
    const blob = await catBlob(dir, `${head}:${p}`);
    if (!blob) continue;
    for (const f of scanner.scanBuffer(blob, { path: p })) out.add(toOccurrence(f).fingerprint);
  }
  return [...out].sort();
}

function catBlob(dir: string, spec: string): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    execFile('git', ['cat-file', 'blob', spec], { cwd: dir, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
      (err, stdout) => resolve(err ? undefined : stdout));
  });
}
