/**
 * What the sweep datastore holds, as plain serialisable records: a worker can build them anywhere (another
 * thread, another machine behind a queue) and the store records them. None of them ever holds a secret: a finding
 * is its fingerprint, a redacted preview and where it was seen.
 */

/** What identifies and describes a finding, wherever it occurs. */
export interface FindingFacts {
  readonly fingerprint: string;
  readonly ruleId: string;
  readonly description: string;
  /** The secret as every report prints it (core's redaction): never more than a few leading characters. */
  readonly preview: string;
  readonly confidence: string;
  readonly entropy: number;
}

/** One place a finding was seen: a commit, a path, a line. */
export interface OccurrenceRecord extends FindingFacts {
  readonly sha: string;
  readonly path: string;
  readonly line: number;
  readonly column: number;
  readonly author: string;
  readonly email: string;
  /** Author date, ISO 8601. */
  readonly date: string;
}

/**
 * The result of scanning one batch of commits of one repository with a set of rules. Recording it is idempotent:
 * the same result twice (a retried job, a merged shard) changes nothing.
 */
export interface ScanResult {
  /** The repository's normalised URL (no credentials). */
  readonly repo: string;
  readonly ruleSetId: string;
  /** Rule ids that ran (all of the rule set, or the ones new since the commits' earlier scans). */
  readonly rules: readonly string[];
  /** Every commit of the batch, scanned completely. */
  readonly commits: readonly string[];
  readonly occurrences: readonly OccurrenceRecord[];
  readonly bytes: number;
}

/** A ref of a repository and the commit it points to (annotated tags peeled). */
export interface RefRecord { readonly name: string; readonly sha: string }

/** Where a commit that holds findings is reachable in a repository. */
export interface ReachRecord { readonly sha: string; readonly refs: readonly string[] }

/**
 * The state of one repository after a sweep (or its failure): recorded once all its batches are.
 * `error` set → the sweep of this repository failed (git's message, credentials redacted).
 */
export interface RepoSnapshot {
  readonly url: string;
  /** What the user gave (credentials stripped), for messages. */
  readonly source: string;
  readonly defaultBranch?: string;
  readonly head?: string;
  readonly refs: readonly RefRecord[];
  /** Commits reachable from the selected refs. */
  readonly commits: number;
  /** Commits this sweep scanned (others were scanned before, from this or another repository). */
  readonly scannedCommits: number;
  readonly bytes: number;
  readonly durationMs: number;
  readonly ruleSetId: string;
  readonly sweptAt: string;
  readonly error?: string;
  /** Finding commits reachable in this repository, with the branches that reach them; undefined = unchanged. */
  readonly reach?: readonly ReachRecord[];
  /**
   * Fingerprints present at the tip of the default branch; undefined = unchanged since the last sweep (the
   * stored set stays).
   */
  readonly present?: readonly string[];
  /** Key of what `reach` and `present` were computed from (ref tips, rule set, finding commits); unchanged → skipped. */
  readonly presenceKey?: string;
}

/** A rule set: its id and the hash of each rule in it (rule id → hash). */
export interface RuleSetRecord {
  readonly id: string;
  readonly rules: Readonly<Record<string, string>>;
}

export type TriageStatus = 'new' | 'confirmed' | 'false-positive' | 'revoked' | 'ignored';
export const TRIAGE_STATUSES: readonly TriageStatus[] = ['new', 'confirmed', 'false-positive', 'revoked', 'ignored'];

export interface TriageRecord {
  readonly fingerprint: string;
  readonly status: TriageStatus;
  readonly note: string;
  readonly by: string;
  /** ISO 8601. */
  readonly at: string;
}

/**
 * Which rule sets each commit was already scanned with. The sweep planner asks through this interface only, so
 * the set can live in the local store or be shared between machines (a Redis set, for the queue workers).
 */
export interface ScannedCommits {
  /** For each sha that was scanned, the rule-set ids it was scanned with (absent: never scanned). */
  lookup(shas: readonly string[]): Promise<Map<string, readonly string[]>>;
  /** A rule set by id (undefined when unknown). */
  ruleSet(id: string): Promise<RuleSetRecord | undefined>;
}

/** A finding's last live check (`sweep --verify`): no secret, only the outcome. */
export interface VerificationRecord {
  readonly fingerprint: string;
  readonly status: 'verified' | 'invalid' | 'unknown';
  /** '' when the provider named nobody. */
  readonly identity: string;
  readonly provider: string;
  readonly reason: string;
  /** ISO 8601. */
  readonly checkedAt: string;
}

/** A cached check of one credential, keyed by an HMAC (shape of verify's `CachedCheck`). */
export interface CachedCheckRecord {
  readonly status: 'verified' | 'invalid' | 'unknown';
  readonly identity?: string;
  readonly reason?: string;
  readonly checkedAt: string;
}

/** A finding as the report reads it: one row per fingerprint, with its first introduction and status. */
export interface FindingRow extends FindingFacts {
  /** The earliest occurrence by commit date. */
  readonly first: { readonly sha: string; readonly path: string; readonly line: number; readonly author: string; readonly email: string; readonly date: string };
  readonly occurrences: number;
  readonly status: TriageStatus;
  readonly triage?: TriageRecord;
  /** Repositories where it is reachable, with the refs. */
  readonly repos: readonly { readonly url: string; readonly refs: readonly string[]; readonly present: boolean }[];
  /** Present at the tip of some repository's default branch. */
  readonly present: boolean;
  /** The last live check, when a sweep ran with `--verify`. */
  readonly verification?: VerificationRecord;
}

export interface RepoRow {
  readonly url: string;
  readonly source: string;
  readonly defaultBranch: string | null;
  readonly head: string | null;
  readonly commits: number;
  readonly scannedCommits: number;
  readonly bytes: number;
  readonly durationMs: number;
  readonly ruleSetId: string | null;
  readonly lastSweep: string | null;
  readonly error: string | null;
}
