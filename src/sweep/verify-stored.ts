/**
 * `sweep --verify`: live checks of the findings reachable in a swept repository. The datastore holds no secret, so
 * each finding's secret is read back from its first occurrence (the blob at that commit and path, scanned again
 * with the finding's rule, kept at the recorded line and column) and held in memory for the check only. Results
 * go to the datastore (`verifications`), and each credential's check to its cache (`verify_cache`, keyed by an
 * HMAC), so a finding reachable from many repositories, or swept again within `maxAgeMs`, is not checked twice.
 */
import type { Config, Finding } from '../core/types.js';
import type { Scanner } from '../core/scanner.js';
import { readLocation } from '../sources/location.js';
import { toUtf8 } from '../core/text-encoding.js';
import type { CachedCheckRecord, VerificationRecord } from '../store/types.js';
import { verifyFindings, type VerifyOptions } from '../verify/verify.js';
import { ruleVerification } from '../verify/registry.js';
import { scannerFor } from './scan-task.js';

/** What verification needs from the datastore (the SQLite store implements it). */
export interface VerifyLedger {
  occurrencesInRepo(url: string): { fingerprint: string; sha: string; path: string; line: number; column: number; author: string; date: string }[];
  findingRuleIds(): Map<string, string>;
  verifications(): Map<string, VerificationRecord>;
  recordVerifications(records: readonly VerificationRecord[]): void;
  verificationCache(): { get(key: string): CachedCheckRecord | undefined; set(key: string, value: CachedCheckRecord): void };
}

export interface SweepVerifyOptions extends Pick<VerifyOptions, 'databases' | 'timeoutMs' | 'requestTimeoutMs' | 'http'> {
  readonly ledger: VerifyLedger;
  /** A finding checked more recently than this is not checked again (default 24 h). */
  readonly maxAgeMs?: number;
}

export interface VerifyCounts { verified: number; invalid: number; unknown: number }

export async function verifyRepoFindings(url: string, dir: string, config: Config, opts: SweepVerifyOptions,
  scanners: Map<string, Scanner>, maxDecodeDepth?: number): Promise<VerifyCounts> {
  const maxAge = opts.maxAgeMs ?? 24 * 3600_000;
  const now = Date.now();
  const rules = opts.ledger.findingRuleIds();
  const done = opts.ledger.verifications();
  // The first occurrence of each finding reachable here that has no recent check.
  const first = new Map<string, ReturnType<VerifyLedger['occurrencesInRepo']>[number]>();
  for (const o of opts.ledger.occurrencesInRepo(url)) {
    if (first.has(o.fingerprint)) continue;
    const v = done.get(o.fingerprint);
    if (v && now - Date.parse(v.checkedAt) <= maxAge) continue;
    first.set(o.fingerprint, o);
  }
  const counts: VerifyCounts = { verified: 0, invalid: 0, unknown: 0 };
  if (first.size === 0) return counts;

  // Read back, one blob per (commit, path), only for rules that have a live check.
  const byBlob = new Map<string, { sha: string; path: string; fps: string[] }>();
  const candidates: { fingerprint: string; finding: Finding }[] = [];
  const unread: string[] = [];
  for (const [fp, o] of first) {
    const rule = rules.get(fp) ?? '';
    if (ruleVerification(rule)?.kind !== 'check') {
      // No secret needed to say there is no check: a placeholder finding gets the registry's reason.
      candidates.push({ fingerprint: fp, finding: placeholder(rule, o) });
      continue;
    }
    const key = `${o.sha}\0${o.path}`;
    const g = byBlob.get(key) ?? { sha: o.sha, path: o.path, fps: [] };
    g.fps.push(fp);
    byBlob.set(key, g);
  }
  const texts = new Map<string, string>();
  for (const g of byBlob.values()) {
    const buf = await readLocation(dir, { file: g.path, commit: g.sha });
    if (!buf) { unread.push(...g.fps); continue; }
    texts.set(`${g.sha}\0${g.path}`, toUtf8(buf).toString('utf8'));
    const ruleIds = [...new Set(g.fps.map((fp) => rules.get(fp)!))].sort();
    const scanner = scannerFor(config, ruleIds, maxDecodeDepth, scanners);
    const found = scanner.scanBuffer(buf, { path: g.path, commit: { sha: g.sha, author: '', email: '', date: '', message: '' } });
    for (const fp of g.fps) {
      const o = first.get(fp)!;
      const f = found.find((x) => x.ruleId === rules.get(fp) && x.startLine === o.line && x.startColumn === o.column);
      if (f) candidates.push({ fingerprint: fp, finding: f });
      else unread.push(fp);
    }
  }

  const { findings } = await verifyFindings(candidates.map((c) => c.finding), {
    ...(opts.databases !== undefined ? { databases: opts.databases } : {}),
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.requestTimeoutMs !== undefined ? { requestTimeoutMs: opts.requestTimeoutMs } : {}),
    ...(opts.http ? { http: opts.http } : {}),
    cache: opts.ledger.verificationCache(),
    maxAgeMs: maxAge,
    readText: async (f) => texts.get(`${f.commit?.sha ?? ''}\0${f.file}`),
  });
  const records: VerificationRecord[] = findings.map((f, i) => {
    const v = f.verification!;
    return { fingerprint: candidates[i]!.fingerprint, status: v.status, identity: v.identity ?? '', provider: v.provider ?? '', reason: v.reason ?? '', checkedAt: v.checkedAt };
  });
  const at = new Date().toISOString();
  for (const fp of unread) {
    records.push({ fingerprint: fp, status: 'unknown', identity: '', provider: '', reason: 'the secret could not be read back at its location', checkedAt: at });
  }
  opts.ledger.recordVerifications(records);
  for (const r of records) counts[r.status]++;
  return counts;
}

function placeholder(ruleId: string, o: { path: string; line: number; column: number }): Finding {
  return {
    ruleId, description: '', tags: [], file: o.path, startLine: o.line, endLine: o.line, startColumn: o.column, endColumn: o.column,
    secret: '', match: '', entropy: 0, fingerprint: '', span: [0, 0],
  };
}
