/**
 * Allowlists with gitleaks v8 semantics. Each allowlist has up to four checks: `commits` (fragment commit sha),
 * `paths` (regexes over the fragment path), `regexes` (over the secret, the match or the line, per `regexTarget`)
 * and `stopwords` (the lower-cased secret contains one). `condition = "OR"` (default): any present check that
 * passes allows the finding; `"AND"`: every present check must pass. Global allowlists may name `targetRules`.
 *
 * The fragment-level checks (commits, paths) are evaluated once per fragment (`forFragment`); an allowlist whose
 * verdict is already decided there lets the scanner skip the rule for the whole fragment.
 */
import { ByteRegex } from './regex.js';
import type { AllowlistSpec, CommitInfo } from './types.js';

export class CompiledAllowlist {
  readonly and: boolean;
  readonly regexes: readonly ByteRegex[];
  readonly target: 'secret' | 'match' | 'line';
  readonly stopwords: readonly string[];
  readonly paths: readonly ByteRegex[];
  /** `paths` as written (the scanner tests all path patterns of a config at once with one RE2::Set). */
  readonly pathSources: readonly string[];
  readonly commits: readonly string[];
  readonly targetRules: ReadonlySet<string> | undefined;

  constructor(spec: AllowlistSpec) {
    this.and = spec.condition === 'AND';
    this.regexes = (spec.regexes ?? []).map((r) => new ByteRegex(r));
    this.target = spec.regexTarget ?? 'secret';
    this.stopwords = (spec.stopwords ?? []).map((s) => s.toLowerCase());
    this.pathSources = spec.paths ?? [];
    this.paths = this.pathSources.map((r) => new ByteRegex(r));
    this.commits = (spec.commits ?? []).map((c) => c.toLowerCase());
    this.targetRules = spec.targetRules && spec.targetRules.length > 0 ? new Set(spec.targetRules) : undefined;
  }

  appliesTo(ruleId: string): boolean {
    return this.targetRules === undefined || this.targetRules.has(ruleId);
  }

  /**
   * The part of the verdict fixed by the fragment: 'allow' (every finding allowed), 'deny' (no finding can be
   * allowed by this list in this fragment), or 'check' (depends on each finding's secret/match/line).
   */
  forFragment(path: string, commit: CommitInfo | undefined, pathMatched?: boolean): FragmentVerdict {
    const pathHit = this.paths.length > 0 ? (pathMatched ?? this.paths.some((r) => r.test(path))) : undefined;
    const commitHit = this.commits.length > 0 ? commitAllowed(this.commits, commit) : undefined;
    const perFinding = this.regexes.length > 0 || this.stopwords.length > 0;
    if (this.and) {
      if (pathHit === false || commitHit === false) return 'deny';
      if (!perFinding) return pathHit || commitHit ? 'allow' : 'deny';
      return 'check';
    }
    if (pathHit || commitHit) return 'allow';
    return perFinding ? 'check' : 'deny';
  }

  /** Per-finding checks, for a list whose fragment verdict is 'check'. */
  allows(secret: string, match: string, line: () => string): boolean {
    let regexHit: boolean | undefined;
    if (this.regexes.length > 0) {
      const text = this.target === 'secret' ? secret : this.target === 'match' ? match : line();
      regexHit = this.regexes.some((r) => r.test(text));
    }
    let stopHit: boolean | undefined;
    if (this.stopwords.length > 0) {
      const lower = secret.toLowerCase();
      stopHit = this.stopwords.some((w) => lower.includes(w));
    }
    if (this.and) return regexHit !== false && stopHit !== false;
    return regexHit === true || stopHit === true;
  }
}

export type FragmentVerdict = 'allow' | 'deny' | 'check';

function commitAllowed(commits: readonly string[], commit: CommitInfo | undefined): boolean {
  if (!commit) return false;
  const sha = commit.sha.toLowerCase();
  return commits.some((c) => c === sha || (c.length >= 7 && sha.startsWith(c)));
}
