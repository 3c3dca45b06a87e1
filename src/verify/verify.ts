/**
 * Live verification of findings: which of them are working credentials.
 *
 * Plan
 * 1. Each finding's rule picks a verifier (registry.ts), or says why there is none (`unknown` with the reason).
 *    Database URIs are checked only with `databases: true`.
 * 2. Paired credentials (AWS key id + secret, Twilio SID + token) take their partners from findings of the partner
 *    rules in the same file and commit within `PAIR_LINES` lines, and from the surrounding lines themselves
 *    (`readText`); nearest first, at most `MAX_PAIRS` per secret, every candidate tried.
 * 3. Credentials are deduplicated by a keyed hash: one check per distinct (provider, partner, secret), shared by all
 *    occurrences, and looked up in the cache first (a hit keeps its original `checkedAt`).
 * 4. A finding is `verified` when any of its candidate credentials is, `invalid` when all are rejected, `unknown`
 *    otherwise. Every finding gets a `verification`, so a report of a verified run says something about each one.
 * 5. A global deadline bounds the run: checks still waiting when it passes end as `unknown` ("timed out").
 *
 * Secrets stay in memory: verifiers see them, nothing returned or thrown holds them.
 */
import type { Finding, Verification } from '../core/types.js';
import pLimit from 'p-limit';
import { cacheKey, memoryCache, type CachedCheck, type VerificationCache } from './cache.js';
import { createHttpClient, endpointOverride, type HttpClient, type HttpClientOptions } from './http.js';
import { httpVerifiers, NO_CHECK, ruleVerification, uncheckable } from './registry.js';
import { MAX_PAIRS, PAIR_LINES, type CheckContext, type CheckResult, type Credential, type PairSpec, type Verifier } from './types.js';

export interface VerifyOptions {
  /** Also connect to databases named in Postgres/MySQL URIs (they are hosts taken from the scanned content). */
  readonly databases?: boolean;
  /**
   * The whole text of the file a finding was found in (at its commit, for history findings), for partners that no
   * rule reports and for database URIs; undefined when it cannot be read. Called at most once per file and commit.
   */
  readonly readText?: (finding: Finding) => Promise<string | undefined>;
  /** Global deadline for the whole run, milliseconds (default 120 000). */
  readonly timeoutMs?: number;
  /** Per request / connection, milliseconds (default 10 000). */
  readonly requestTimeoutMs?: number;
  readonly cache?: VerificationCache;
  /** Cached results older than this are checked again (default 24 h). */
  readonly maxAgeMs?: number;
  /** The HTTP client's options (transport, env for the test-only endpoint overrides, limits). */
  readonly http?: Omit<HttpClientOptions, 'signal' | 'requestTimeoutMs'>;
  readonly now?: () => Date;
}

export interface VerifySummary {
  readonly verified: number;
  readonly invalid: number;
  readonly unknown: number;
  /** Distinct credentials checked over the network (cache hits excluded). */
  readonly checks: number;
}

interface Plan {
  readonly provider?: string;
  /** Candidate credentials, nearest first; empty with `reason` when nothing can be checked. */
  readonly credentials: readonly Credential[];
  readonly verifier?: Verifier;
  readonly reason?: string;
}

const DATABASE_FLAG = 'database URIs are checked only with --verify-databases';

function sameGroup(a: Finding, b: Finding): boolean {
  return a.file === b.file && (a.commit?.sha ?? '') === (b.commit?.sha ?? '');
}

/** `f` plus its verification. */
function withVerification(f: Finding, v: Verification): Finding {
  return { ...f, verification: v };
}

/** The whole URI around a database finding's match, cut at the first character a URI in code cannot hold. */
export function uriAround(line: string, match: string): string | undefined {
  let s = -1;
  for (const scheme of ['postgres', 'pgsql', 'mysql', 'mariadb']) {
    const i = match.indexOf(scheme);
    if (i >= 0 && (s < 0 || i < s)) s = i;
  }
  if (s < 0) return undefined;
  const core = match.slice(s);
  const at = line.indexOf(core);
  if (at < 0) return undefined;
  let end = at + core.length;
  while (end < line.length && !' \t\r\n\'"`<>\\{}|,;'.includes(line[end]!)) end++;
  return line.slice(at, end);
}

/** Throws when a `LEAKWARD_VERIFY_ENDPOINT_*` variable is set to anything but a loopback address. */
export function checkEndpointOverrides(env: NodeJS.ProcessEnv): void {
  for (const v of httpVerifiers) endpointOverride(v.provider, env);
}

export async function verifyFindings(findings: readonly Finding[], options: VerifyOptions = {}): Promise<{ findings: Finding[]; summary: VerifySummary }> {
  checkEndpointOverrides(options.http?.env ?? process.env);
  const now = options.now ?? ((): Date => new Date());
  const cache = options.cache ?? memoryCache();
  const maxAge = options.maxAgeMs ?? 24 * 3600_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), options.timeoutMs ?? 120_000);
  timer.unref?.();
  const http: HttpClient = createHttpClient({ ...(options.http ?? {}), requestTimeoutMs, signal: deadline.signal });
  const ctx: CheckContext = { http, signal: deadline.signal, requestTimeoutMs };

  // Texts of files, read once per (commit, file), lines split once.
  const texts = new Map<string, Promise<string[] | undefined>>();
  const linesOf = (f: Finding): Promise<string[] | undefined> => {
    const key = `${f.commit?.sha ?? ''}\0${f.file}`;
    let p = texts.get(key);
    if (!p) {
      p = options.readText ? options.readText(f).then((t) => t?.split('\n')).catch(() => undefined) : Promise.resolve(undefined);
      texts.set(key, p);
    }
    return p;
  };

  async function partners(f: Finding, pair: PairSpec): Promise<string[]> {
    const near: { value: string; distance: number }[] = [];
    for (const g of findings) {
      if (g === f || !pair.partnerRules.includes(g.ruleId) || !sameGroup(f, g) || g.secret === '') continue;
      const d = Math.abs(g.startLine - f.startLine);
      if (d <= PAIR_LINES) near.push({ value: g.secret, distance: d });
    }
    if (pair.fromText) {
      const lines = await linesOf(f);
      if (lines) {
        const from = Math.max(1, f.startLine - PAIR_LINES);
        const to = Math.min(lines.length, f.endLine + PAIR_LINES);
        for (let n = from; n <= to; n++) {
          for (const value of pair.fromText(lines[n - 1]!)) near.push({ value, distance: Math.abs(n - f.startLine) });
        }
      }
    }
    near.sort((a, b) => a.distance - b.distance);
    const out: string[] = [];
    for (const p of near) if (!out.includes(p.value) && p.value !== f.secret && out.length < MAX_PAIRS) out.push(p.value);
    return out;
  }

  async function plan(f: Finding): Promise<Plan> {
    const rv = ruleVerification(f.ruleId);
    if (!rv) return { credentials: [], reason: NO_CHECK };
    if (rv.kind === 'unsupported') return { credentials: [], reason: rv.reason, ...(rv.provider ? { provider: rv.provider } : {}) };
    const provider = rv.verifier.provider;
    if (f.secret === '') return { provider, credentials: [], reason: 'no secret to check' };
    const why = uncheckable(f.ruleId, f.secret);
    if (why) return { provider, credentials: [], reason: why };
    if (rv.database) {
      if (!options.databases) return { provider, credentials: [], reason: DATABASE_FLAG };
      if (f.decodedBy?.length) return { provider, credentials: [], reason: 'found in encoded text: the URI cannot be read back' };
      const lines = await linesOf(f);
      const uri = lines ? uriAround(lines[f.startLine - 1] ?? '', f.match) : undefined;
      if (!uri) return { provider, credentials: [], reason: 'could not read the whole URI at its location' };
      return { provider, verifier: rv.verifier, credentials: [{ secret: uri }] };
    }
    if (!rv.pair) return { provider, verifier: rv.verifier, credentials: [{ secret: f.secret }] };
    const found = await partners(f, rv.pair);
    if (found.length === 0) return { provider, credentials: [], reason: 'no partner credential found within 10 lines' };
    const credentials = found.map((p) => (rv.pair!.findingIsSecret ? { secret: f.secret, partner: p } : { secret: p, partner: f.secret }));
    return { provider, verifier: rv.verifier, credentials };
  }

  const checks = new Map<string, Promise<CachedCheck>>();
  const dbLimit = pLimit(4);
  let network = 0;

  const timedOut = new Promise<CheckResult>((resolve) => {
    const done = (): void => resolve({ status: 'unknown', reason: 'timed out (global verification deadline)' });
    if (deadline.signal.aborted) done();
    else deadline.signal.addEventListener('abort', done, { once: true });
  });

  async function runCheck(verifier: Verifier, c: Credential): Promise<CheckResult> {
    const run = async (): Promise<CheckResult> => {
      if (deadline.signal.aborted) return { status: 'unknown', reason: 'timed out (global verification deadline)' };
      network++;
      try {
        return await verifier.check(c, ctx);
      } catch (err) {
        // A verifier bug must not leak the secret through its message: keep the error's name only.
        return { status: 'unknown', reason: `check failed (${(err as Error)?.name ?? 'error'})` };
      }
    };
    return Promise.race([verifier.endpoint ? run() : dbLimit(run), timedOut]);
  }

  function checkOnce(verifier: Verifier, c: Credential): Promise<CachedCheck> {
    const key = cacheKey(verifier.provider, c.secret, c.partner);
    let p = checks.get(key);
    if (!p) {
      p = (async () => {
        const hit = await cache.get(key);
        if (hit && now().getTime() - Date.parse(hit.checkedAt) <= maxAge) return hit;
        const r = await runCheck(verifier, c);
        const value: CachedCheck = { ...r, checkedAt: now().toISOString() };
        // Unknowns are not cached across runs: the next run should try again.
        if (r.status !== 'unknown') await cache.set(key, value);
        return value;
      })();
      checks.set(key, p);
    }
    return p;
  }

  try {
    const out = await Promise.all(
      findings.map(async (f): Promise<Finding> => {
        const p = await plan(f);
        if (!p.verifier || p.credentials.length === 0) {
          return withVerification(f, {
            status: 'unknown', checkedAt: now().toISOString(),
            ...(p.provider ? { provider: p.provider } : {}), ...(p.reason ? { reason: p.reason } : {}),
          });
        }
        const results = await Promise.all(p.credentials.map((c) => checkOnce(p.verifier!, c)));
        const hit = results.find((r) => r.status === 'verified') ??
          (results.every((r) => r.status === 'invalid') ? results[0]! : results.find((r) => r.status === 'unknown')!);
        return withVerification(f, {
          status: hit.status, checkedAt: hit.checkedAt, provider: p.provider!,
          ...(hit.identity ? { identity: hit.identity } : {}), ...(hit.reason ? { reason: hit.reason } : {}),
        });
      }),
    );
    const count = (s: string): number => out.filter((f) => f.verification?.status === s).length;
    return { findings: out, summary: { verified: count('verified'), invalid: count('invalid'), unknown: count('unknown'), checks: network } };
  } finally {
    clearTimeout(timer);
    deadline.abort();
  }
}
