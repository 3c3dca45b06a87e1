/**
 * The sweep report's data, read from the datastore once: coverage, findings sorted by risk, counts. Every
 * renderer (html, markdown, sarif, jsonl) works from this; none touches SQL. Previews are already redacted in the
 * datastore (it never holds a secret).
 */
import type { FindingRow, RepoRow, SweepStore } from '../store/index.js';

export interface SweepCoverage {
  readonly repos: readonly RepoRow[];
  readonly swept: number;
  readonly failed: readonly RepoRow[];
  /** Distinct commits scanned (any rule set). */
  readonly commits: number;
  readonly bytes: number;
  readonly durationMs: number;
  readonly ruleSetIds: readonly string[];
  readonly lastSweep: string | null;
}

export interface SweepReportData {
  readonly generatedAt: string;
  readonly coverage: SweepCoverage;
  /**
   * Sorted by risk: open first, still present first, then confidence, then age (oldest first). When verification
   * ran (some finding has a check), verified findings come first, then that order.
   */
  readonly findings: readonly FindingRow[];
  readonly byStatus: ReadonlyMap<string, number>;
  readonly byRule: ReadonlyMap<string, number>;
  readonly byRepo: ReadonlyMap<string, number>;
  /** `YYYY-MM` of first introduction → count, every month from the first to the last. */
  readonly byMonth: ReadonlyMap<string, number>;
}

const CONFIDENCE_RANK: Record<string, number> = { high: 0, medium: 1, low: 2 };
const OPEN = new Set(['new', 'confirmed']);

export function riskOrder(a: FindingRow, b: FindingRow): number {
  return (Number(!OPEN.has(a.status)) - Number(!OPEN.has(b.status))) ||
    (Number(!a.present) - Number(!b.present)) ||
    ((CONFIDENCE_RANK[a.confidence] ?? 3) - (CONFIDENCE_RANK[b.confidence] ?? 3)) ||
    (a.first.date < b.first.date ? -1 : a.first.date > b.first.date ? 1 : 0) ||
    (a.fingerprint < b.fingerprint ? -1 : 1);
}

/** Working credentials first (when verification ran), then the risk order. */
export function verifiedFirst(a: FindingRow, b: FindingRow): number {
  return (Number(a.verification?.status !== 'verified') - Number(b.verification?.status !== 'verified')) || riskOrder(a, b);
}

const inc = (m: Map<string, number>, k: string): void => { m.set(k, (m.get(k) ?? 0) + 1); };
const sortedDesc = (m: Map<string, number>): Map<string, number> =>
  new Map([...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));

export function sweepReportData(store: SweepStore, now = new Date()): SweepReportData {
  const repos = store.repos();
  const all = store.findings();
  const verified = all.some((f) => f.verification);
  const findings = all.sort(verified ? verifiedFirst : riskOrder);
  const byStatus = new Map<string, number>(), byRule = new Map<string, number>(), byRepo = new Map<string, number>(), months = new Map<string, number>();
  for (const f of findings) {
    inc(byStatus, f.status);
    inc(byRule, f.ruleId);
    for (const r of f.repos) inc(byRepo, r.url);
    if (/^\d{4}-\d{2}/.test(f.first.date)) inc(months, f.first.date.slice(0, 7));
  }
  const byMonth = new Map<string, number>();
  const keys = [...months.keys()].sort();
  if (keys.length > 0) {
    let [y, m] = keys[0]!.split('-').map(Number) as [number, number];
    const last = keys[keys.length - 1]!;
    for (let guard = 0; guard < 1200; guard++) {
      const k = `${y}-${String(m).padStart(2, '0')}`;
      byMonth.set(k, months.get(k) ?? 0);
      if (k >= last) break;
      if (++m > 12) { m = 1; y++; }
    }
  }
  const ok = repos.filter((r) => !r.error);
  return {
    generatedAt: now.toISOString(),
    coverage: {
      repos, swept: ok.length, failed: repos.filter((r) => r.error), commits: store.scannedCount(),
      bytes: ok.reduce((n, r) => n + r.bytes, 0), durationMs: repos.reduce((n, r) => n + r.durationMs, 0),
      ruleSetIds: [...new Set(ok.map((r) => r.ruleSetId).filter((x): x is string => !!x))].sort(),
      lastSweep: repos.reduce<string | null>((m, r) => (r.lastSweep && (!m || r.lastSweep > m) ? r.lastSweep : m), null),
    },
    findings, byStatus: sortedDesc(byStatus), byRule: sortedDesc(byRule), byRepo: sortedDesc(byRepo), byMonth,
  };
}

/** A commit link on a known forge (GitHub, GitLab, Bitbucket), or undefined. */
export function commitLink(url: string, sha: string): string | undefined {
  const m = /^(?:https|ssh):\/\/(github\.com|gitlab\.com|bitbucket\.org)(\/[^?#]+)$/.exec(url);
  if (!m) return undefined;
  const base = `https://${m[1]}${m[2]}`;
  if (m[1] === 'github.com') return `${base}/commit/${sha}`;
  if (m[1] === 'gitlab.com') return `${base}/-/commit/${sha}`;
  return `${base}/commits/${sha}`;
}

/** `<host>__<owner>__<name>` for per-repository report files (SARIF); local repositories use host `local`. */
export function repoFileName(url: string): string {
  const local = url.startsWith('file://');
  const parts = url.replace(/^[a-z]+:\/\//, '').split('/').filter(Boolean);
  const tail = local ? parts : parts.slice(1);
  const host = local ? 'local' : parts[0] ?? 'unknown';
  const owner = tail.length >= 2 ? tail[tail.length - 2]! : '_';
  const name = tail.length >= 1 ? tail[tail.length - 1]! : 'repo';
  return [host, owner, name].map((p) => p.replace(/[^A-Za-z0-9._-]/g, '_')).join('__');
}

export const fmtBytes = (n: number): string =>
  n >= 1073741824 ? `${(n / 1073741824).toFixed(1)} GiB` : n >= 1048576 ? `${(n / 1048576).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
export const fmtDuration = (ms: number): string =>
  ms < 60000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
