/**
 * The sweep datastore: one SQLite file (WAL), opened through `better-sqlite3`, an optional dependency loaded
 * here only (the hook, `scan` and `mask` never load it).
 *
 * Invariants
 * 1. No secret is ever written: findings are fingerprints, redacted previews and locations (types.ts).
 * 2. Recording is idempotent: `record`, `recordRepo` and `merge` use natural keys with INSERT OR IGNORE / upserts,
 *    so a result recorded twice, or a shard merged twice, changes nothing.
 * 3. All or nothing: one result (its findings, occurrences and its commits marked scanned) is one transaction; a
 *    sweep killed at any point leaves every batch either fully recorded or absent.
 * 4. A finding triaged `revoked` whose secret shows up in a commit dated after the triage is `new` again.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
import type {
  CachedCheckRecord, FindingRow, OccurrenceRecord, VerificationRecord, RepoRow, RepoSnapshot, RuleSetRecord, ScanResult, ScannedCommits, TriageRecord, TriageStatus,
} from './types.js';

/** A datastore that cannot be used: the CLI prints the message on one line and exits 2. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
}

export const INSTALL_HINT = 'the sweep datastore needs the optional dependency better-sqlite3 (12.x), which is not installed here: ' +
  'npm install better-sqlite3@12 (it builds with a C++ compiler, make and Python when no prebuilt binary fits)';

type DatabaseCtor = typeof BetterSqlite3;
let ctor: DatabaseCtor | undefined;

/** Loads better-sqlite3 on first use; a StoreError saying how to install it when it is missing or broken. */
export function loadDriver(): DatabaseCtor {
  if (ctor) return ctor;
  try {
    ctor = createRequire(import.meta.url)('better-sqlite3') as DatabaseCtor;
    return ctor;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new StoreError(code === 'MODULE_NOT_FOUND' ? INSTALL_HINT : `${INSTALL_HINT} (loading it failed: ${(err as Error).message.split('\n')[0]})`);
  }
}

/** Is the datastore driver available (without throwing)? */
export function storeAvailable(): boolean {
  try { loadDriver(); return true; } catch { return false; }
}

export interface OpenOptions {
  /** The file must exist (report, triage); default false (a sweep creates it). */
  readonly mustExist?: boolean;
}

/** Opens (creating and migrating when needed) a datastore file. */
export function openStore(file: string, options: OpenOptions = {}): SweepStore {
  const Database = loadDriver();
  if (options.mustExist && !fs.existsSync(file)) throw new StoreError(`${file}: no such datastore`);
  let db: BetterSqlite3.Database;
  try {
    db = new Database(file, { fileMustExist: options.mustExist === true });
  } catch (err) {
    throw new StoreError(`${file}: cannot open the datastore: ${oneLine(err)}`);
  }
  try {
    db.pragma('busy_timeout = 10000');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new StoreError(`${file}: the datastore has schema version ${version}, newer than this leakward understands (${SCHEMA_VERSION}); upgrade leakward`);
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    migrate(db, version, file);
    return new SweepStore(db, file);
  } catch (err) {
    db.close();
    if (err instanceof StoreError) throw err;
    throw new StoreError(`${file}: not a usable leakward datastore: ${oneLine(err)}`);
  }
}

function migrate(db: BetterSqlite3.Database, from: number, file: string): void {
  if (from > 0) {
    // A file at a known version must look like one: a foreign SQLite file that set user_version is refused.
    const has = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'scanned'`).get();
    if (!has) throw new StoreError(`${file}: not a leakward datastore (schema version ${from} but no leakward tables)`);
  } else {
    const tables = db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'`).get() as { n: number };
    if (tables.n > 0) throw new StoreError(`${file}: not a leakward datastore (an SQLite file with other tables)`);
  }
  for (const m of MIGRATIONS) {
    if (m.version <= from) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}

const oneLine = (err: unknown): string => String((err as Error)?.message ?? err).split('\n')[0]!;

/** The datastore. One instance per file and process; better-sqlite3 is synchronous (each call is short). */
export class SweepStore implements ScannedCommits {
  private readonly stmts: ReturnType<SweepStore['prepare']>;
  constructor(readonly db: BetterSqlite3.Database, readonly file: string) {
    this.stmts = this.prepare();
  }

  private prepare() {
    const db = this.db;
    return {
      scannedBySha: db.prepare<[string], { ruleset: string }>('SELECT ruleset FROM scanned WHERE sha = ?'),
      insScanned: db.prepare('INSERT OR IGNORE INTO scanned (sha, ruleset) VALUES (?, ?)'),
      insFinding: db.prepare(`INSERT OR IGNORE INTO findings (fingerprint, rule_id, description, preview, confidence, entropy, first_seen)
        VALUES (?, ?, ?, ?, ?, ?, ?)`),
      insOcc: db.prepare(`INSERT OR IGNORE INTO occurrences (fingerprint, sha, path, line, col, author, email, date)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      getTriage: db.prepare<[string], { status: string; at: string }>('SELECT status, at FROM triage WHERE fingerprint = ?'),
      setTriage: db.prepare(`INSERT INTO triage (fingerprint, status, note, by, at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (fingerprint) DO UPDATE SET status = excluded.status, note = excluded.note, by = excluded.by, at = excluded.at`),
      logTriage: db.prepare('INSERT OR IGNORE INTO triage_log (fingerprint, status, note, by, at) VALUES (?, ?, ?, ?, ?)'),
      getRuleSet: db.prepare<[string], { rules: string }>('SELECT rules FROM rulesets WHERE id = ?'),
      insRuleSet: db.prepare('INSERT OR IGNORE INTO rulesets (id, rules, created) VALUES (?, ?, ?)'),
    };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // ---- planning (ScannedCommits) ----

  async lookup(shas: readonly string[]): Promise<Map<string, readonly string[]>> {
    return this.lookupSync(shas);
  }

  lookupSync(shas: readonly string[]): Map<string, readonly string[]> {
    const out = new Map<string, string[]>();
    const stmt = this.stmts.scannedBySha;
    this.db.transaction(() => {
      for (const sha of shas) {
        const rows = stmt.all(sha);
        if (rows.length > 0) out.set(sha, rows.map((r) => r.ruleset));
      }
    })();
    return out;
  }

  async ruleSet(id: string): Promise<RuleSetRecord | undefined> {
    const row = this.stmts.getRuleSet.get(id);
    return row ? { id, rules: JSON.parse(row.rules) as Record<string, string> } : undefined;
  }

  putRuleSet(rs: RuleSetRecord): void {
    this.stmts.insRuleSet.run(rs.id, JSON.stringify(rs.rules), new Date().toISOString());
  }

  /** Every commit that holds at least one finding. */
  findingCommits(): Set<string> {
    const out = new Set<string>();
    for (const r of this.db.prepare<[], { sha: string }>('SELECT DISTINCT sha FROM occurrences').iterate()) out.add(r.sha);
    return out;
  }

  /** The distinct paths of findings in these commits (what the default-branch tip is checked for). */
  findingPaths(shas: Iterable<string>): string[] {
    const stmt = this.db.prepare<[string], { path: string }>('SELECT DISTINCT path FROM occurrences WHERE sha = ?');
    const out = new Set<string>();
    for (const sha of shas) for (const r of stmt.all(sha)) out.add(r.path);
    return [...out].sort();
  }

  /**
   * What the last sweep of a repository recorded: its rule set, error, commit count and ref tips (the sweep skips a
   * repository whose refs are all unchanged since a complete sweep with the same rule set).
   */
  repoState(url: string): { ruleSetId: string | null; error: string | null; commits: number; refs: Map<string, string> } | undefined {
    const row = this.db.prepare<[string], { ruleset: string | null; error: string | null; commits: number }>(
      'SELECT ruleset, error, commits FROM repos WHERE url = ?').get(url);
    if (!row) return undefined;
    const refs = new Map<string, string>();
    for (const r of this.db.prepare<[string], { name: string; sha: string }>('SELECT name, sha FROM refs WHERE repo = ?').iterate(url)) refs.set(r.name, r.sha);
    return { ruleSetId: row.ruleset, error: row.error, commits: row.commits, refs };
  }

  /** The stored presence key of a repository (see RepoSnapshot.presenceKey). */
  presenceKey(url: string): string | undefined {
    const row = this.db.prepare<[string], { presence_key: string | null }>('SELECT presence_key FROM repos WHERE url = ?').get(url);
    return row?.presence_key ?? undefined;
  }

  // ---- recording ----

  /** Records one scan result (all or nothing; idempotent). Returns how many occurrences were new. */
  record(result: ScanResult): number {
    const now = new Date().toISOString();
    let added = 0;
    this.db.transaction(() => {
      for (const o of result.occurrences) added += this.addOccurrence(o, now);
      for (const sha of result.commits) this.stmts.insScanned.run(sha, result.ruleSetId);
    })();
    return added;
  }

  private addOccurrence(o: OccurrenceRecord, now: string): number {
    const s = this.stmts;
    s.insFinding.run(o.fingerprint, o.ruleId, o.description, o.preview, o.confidence, o.entropy, now);
    const r = s.insOcc.run(o.fingerprint, o.sha, o.path, o.line, o.column, o.author, o.email, o.date);
    if (r.changes === 0) return 0;
    const t = s.getTriage.get(o.fingerprint);
    if (t && t.status === 'revoked' && o.date > t.at) {
      // Revoked, then committed again: a live exposure once more.
      const note = `revoked secret committed again in ${o.sha.slice(0, 12)} (${o.path})`;
      s.setTriage.run(o.fingerprint, 'new', note, 'leakward', now);
      s.logTriage.run(o.fingerprint, 'new', note, 'leakward', now);
    }
    return 1;
  }

  /** Records a repository's state after its sweep (refs, reach, presence, coverage figures, or its error). */
  recordRepo(snap: RepoSnapshot): void {
    const db = this.db;
    db.transaction(() => {
      db.prepare(`INSERT INTO repos (url, source, default_branch, head, commits, scanned_commits, bytes, duration_ms, ruleset, last_sweep, error, presence_key)
        VALUES (@url, @source, @defaultBranch, @head, @commits, @scannedCommits, @bytes, @durationMs, @ruleSetId, @sweptAt, @error, @presenceKey)
        ON CONFLICT (url) DO UPDATE SET source = excluded.source,
          default_branch = coalesce(excluded.default_branch, default_branch), head = coalesce(excluded.head, head),
          commits = CASE WHEN excluded.error IS NULL THEN excluded.commits ELSE commits END,
          scanned_commits = excluded.scanned_commits, bytes = excluded.bytes, duration_ms = excluded.duration_ms,
          ruleset = coalesce(excluded.ruleset, ruleset), last_sweep = excluded.last_sweep, error = excluded.error,
          presence_key = coalesce(excluded.presence_key, presence_key)`).run({
        url: snap.url, source: snap.source, defaultBranch: snap.defaultBranch ?? null, head: snap.head ?? null,
        commits: snap.commits, scannedCommits: snap.scannedCommits, bytes: snap.bytes, durationMs: Math.round(snap.durationMs),
        ruleSetId: snap.error ? null : snap.ruleSetId, sweptAt: snap.sweptAt, error: snap.error ?? null,
        presenceKey: snap.error ? null : snap.presenceKey ?? null,
      });
      if (snap.error) return; // a failed fetch keeps what the last good sweep recorded
      db.prepare('DELETE FROM refs WHERE repo = ?').run(snap.url);
      const insRef = db.prepare('INSERT OR REPLACE INTO refs (repo, name, sha) VALUES (?, ?, ?)');
      for (const r of snap.refs) insRef.run(snap.url, r.name, r.sha);
      if (snap.reach) {
        db.prepare('DELETE FROM reach WHERE repo = ?').run(snap.url);
        const insReach = db.prepare('INSERT OR REPLACE INTO reach (repo, sha, refs) VALUES (?, ?, ?)');
        for (const r of snap.reach) insReach.run(snap.url, r.sha, JSON.stringify([...r.refs].sort()));
      }
      if (snap.present) {
        db.prepare('DELETE FROM presence WHERE repo = ?').run(snap.url);
        const insP = db.prepare('INSERT OR IGNORE INTO presence (repo, fingerprint) VALUES (?, ?)');
        for (const fp of snap.present) insP.run(snap.url, fp);
      }
    })();
  }

  // ---- triage ----

  /** Sets a finding's status; false when no finding has this fingerprint. */
  triage(fingerprint: string, status: TriageStatus, note: string, by: string, at = new Date().toISOString()): boolean {
    const exists = this.db.prepare('SELECT 1 FROM findings WHERE fingerprint = ?').get(fingerprint);
    if (!exists) return false;
    this.db.transaction(() => {
      this.stmts.setTriage.run(fingerprint, status, note, by, at);
      this.stmts.logTriage.run(fingerprint, status, note, by, at);
    })();
    return true;
  }

  triageOf(fingerprint: string): TriageRecord | undefined {
    return this.db.prepare<[string], TriageRecord>('SELECT fingerprint, status, note, by, at FROM triage WHERE fingerprint = ?').get(fingerprint);
  }

  triageHistory(fingerprint: string): TriageRecord[] {
    return this.db.prepare<[string], TriageRecord>('SELECT fingerprint, status, note, by, at FROM triage_log WHERE fingerprint = ? ORDER BY at').all(fingerprint);
  }

  /** Fingerprints matching a prefix (triage accepts an unambiguous prefix, as git does for shas). */
  fingerprintsLike(prefix: string, limit = 3): string[] {
    return this.db.prepare<[number, string, number], { fingerprint: string }>(
      'SELECT fingerprint FROM findings WHERE substr(fingerprint, 1, ?) = ? LIMIT ?').all(prefix.length, prefix, limit).map((r) => r.fingerprint);
  }

  // ---- live verification ----

  /** Records findings' last checks (the newest check of a fingerprint wins). */
  recordVerifications(records: readonly VerificationRecord[]): void {
    const stmt = this.db.prepare(`INSERT INTO verifications (fingerprint, status, identity, provider, reason, checked_at)
      VALUES (@fingerprint, @status, @identity, @provider, @reason, @checkedAt)
      ON CONFLICT (fingerprint) DO UPDATE SET status = excluded.status, identity = excluded.identity, provider = excluded.provider,
        reason = excluded.reason, checked_at = excluded.checked_at WHERE excluded.checked_at >= verifications.checked_at`);
    this.db.transaction(() => { for (const r of records) stmt.run(r); })();
  }

  verifications(): Map<string, VerificationRecord> {
    const out = new Map<string, VerificationRecord>();
    for (const r of this.db.prepare<[], VerificationRecord>(`SELECT fingerprint, status, identity, provider, reason, checked_at AS checkedAt
      FROM verifications`).iterate()) out.set(r.fingerprint, r);
    return out;
  }

  /** Rule id of every finding, by fingerprint. */
  findingRuleIds(): Map<string, string> {
    const out = new Map<string, string>();
    for (const r of this.db.prepare<[], { fingerprint: string; rule_id: string }>('SELECT fingerprint, rule_id FROM findings').iterate()) out.set(r.fingerprint, r.rule_id);
    return out;
  }

  /** The verification cache (verify's `VerificationCache`): one row per distinct credential, keyed by an HMAC. */
  verificationCache(): { get(key: string): CachedCheckRecord | undefined; set(key: string, value: CachedCheckRecord): void } {
    const get = this.db.prepare<[string], { status: CachedCheckRecord['status']; identity: string; reason: string; checked_at: string }>(
      'SELECT status, identity, reason, checked_at FROM verify_cache WHERE key = ?');
    const set = this.db.prepare(`INSERT INTO verify_cache (key, status, identity, reason, checked_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (key) DO UPDATE SET status = excluded.status, identity = excluded.identity, reason = excluded.reason, checked_at = excluded.checked_at`);
    return {
      get: (key) => {
        const r = get.get(key);
        return r ? { status: r.status, checkedAt: r.checked_at, ...(r.identity ? { identity: r.identity } : {}), ...(r.reason ? { reason: r.reason } : {}) } : undefined;
      },
      set: (key, v) => { set.run(key, v.status, v.identity ?? '', v.reason ?? '', v.checkedAt); },
    };
  }

  // ---- reading (reports) ----

  repos(): RepoRow[] {
    return this.db.prepare<[], RepoRow>(`SELECT url, source, default_branch AS defaultBranch, head, commits, scanned_commits AS scannedCommits,
      bytes, duration_ms AS durationMs, ruleset AS ruleSetId, last_sweep AS lastSweep, error FROM repos ORDER BY url`).all();
  }

  ruleSets(): RuleSetRecord[] {
    return this.db.prepare<[], { id: string; rules: string }>('SELECT id, rules FROM rulesets ORDER BY created').all()
      .map((r) => ({ id: r.id, rules: JSON.parse(r.rules) as Record<string, string> }));
  }

  /** Count of distinct commits scanned (any rule set). */
  scannedCount(): number {
    return (this.db.prepare('SELECT count(DISTINCT sha) AS n FROM scanned').get() as { n: number }).n;
  }

  /** Every finding with its first introduction, status, repositories and presence. */
  findings(): FindingRow[] {
    const db = this.db;
    const firsts = new Map<string, FindingRow['first'] & { n: number }>();
    for (const o of db.prepare<[], { fingerprint: string; sha: string; path: string; line: number; author: string; email: string; date: string }>(
      'SELECT fingerprint, sha, path, line, author, email, date FROM occurrences ORDER BY fingerprint, date, sha, path, line').iterate()) {
      const f = firsts.get(o.fingerprint);
      if (f) f.n++;
      else firsts.set(o.fingerprint, { sha: o.sha, path: o.path, line: o.line, author: o.author, email: o.email, date: o.date, n: 1 });
    }
    const repos = new Map<string, Map<string, Set<string>>>();
    for (const r of db.prepare<[], { fingerprint: string; repo: string; refs: string }>(
      'SELECT DISTINCT o.fingerprint, r.repo, r.refs FROM occurrences o JOIN reach r ON r.sha = o.sha').iterate()) {
      let m = repos.get(r.fingerprint);
      if (!m) repos.set(r.fingerprint, m = new Map());
      let refs = m.get(r.repo);
      if (!refs) m.set(r.repo, refs = new Set());
      for (const ref of JSON.parse(r.refs) as string[]) refs.add(ref);
    }
    const present = new Map<string, Set<string>>();
    for (const p of db.prepare<[], { repo: string; fingerprint: string }>('SELECT repo, fingerprint FROM presence').iterate()) {
      let s = present.get(p.fingerprint);
      if (!s) present.set(p.fingerprint, s = new Set());
      s.add(p.repo);
    }
    const triage = new Map<string, TriageRecord>();
    for (const t of db.prepare<[], TriageRecord>('SELECT fingerprint, status, note, by, at FROM triage').iterate()) triage.set(t.fingerprint, t);
    const verifications = this.verifications();
    const out: FindingRow[] = [];
    for (const f of db.prepare<[], { fingerprint: string; rule_id: string; description: string; preview: string; confidence: string; entropy: number }>(
      'SELECT fingerprint, rule_id, description, preview, confidence, entropy FROM findings ORDER BY fingerprint').iterate()) {
      const first = firsts.get(f.fingerprint);
      if (!first) continue;
      const { n, ...firstOcc } = first;
      const p = present.get(f.fingerprint);
      const t = triage.get(f.fingerprint);
      const v = verifications.get(f.fingerprint);
      out.push({
        fingerprint: f.fingerprint, ruleId: f.rule_id, description: f.description, preview: f.preview, confidence: f.confidence,
        entropy: f.entropy, first: firstOcc, occurrences: n, status: (t?.status ?? 'new') as TriageStatus, ...(t ? { triage: t } : {}),
        repos: [...(repos.get(f.fingerprint) ?? new Map<string, Set<string>>())].map(([url, refs]) => ({ url, refs: [...refs].sort(), present: p?.has(url) ?? false }))
          .sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0)),
        present: (p?.size ?? 0) > 0,
        ...(v ? { verification: v } : {}),
      });
    }
    return out;
  }

  /** Every occurrence of one finding, oldest first. */
  occurrencesOf(fingerprint: string): { sha: string; path: string; line: number; column: number; author: string; email: string; date: string }[] {
    return this.db.prepare<[string], { sha: string; path: string; line: number; column: number; author: string; email: string; date: string }>(
      'SELECT sha, path, line, col AS column, author, email, date FROM occurrences WHERE fingerprint = ? ORDER BY date, sha, path, line').all(fingerprint);
  }

  /** Occurrences in commits reachable in one repository (for per-repository reports), oldest first. */
  occurrencesInRepo(url: string): { fingerprint: string; sha: string; path: string; line: number; column: number; author: string; date: string }[] {
    return this.db.prepare<[string], { fingerprint: string; sha: string; path: string; line: number; column: number; author: string; date: string }>(
      `SELECT o.fingerprint, o.sha, o.path, o.line, o.col AS column, o.author, o.date FROM occurrences o JOIN reach r ON r.sha = o.sha AND r.repo = ?
       ORDER BY o.date, o.sha, o.path, o.line`).all(url);
  }

  /** Fingerprints with one of these statuses (baseline export). */
  fingerprintsWithStatus(statuses: readonly TriageStatus[]): string[] {
    const marks = statuses.map(() => '?').join(',');
    return this.db.prepare<string[], { fingerprint: string }>(`SELECT fingerprint FROM triage WHERE status IN (${marks}) ORDER BY fingerprint`)
      .all(...statuses).map((r) => r.fingerprint);
  }

  // ---- container image layers (leakward image --db) ----

  /** Was this layer (blob digest) read whole with this rule set? */
  layerScanned(digest: string, ruleset: string): boolean {
    return this.db.prepare('SELECT 1 FROM scanned_layers WHERE digest = ? AND ruleset = ?').get(digest, ruleset) !== undefined;
  }

  /** Records a layer read whole with this rule set, and how many findings it had (idempotent). */
  recordLayer(digest: string, ruleset: string, findings: number): void {
    this.db.prepare('INSERT OR IGNORE INTO scanned_layers (digest, ruleset, findings, scanned_at) VALUES (?, ?, ?, ?)')
      .run(digest, ruleset, findings, new Date().toISOString());
  }

  // ---- merging shards ----

  /** Unions another datastore into this one (idempotent). The other file is only read. */
  merge(otherFile: string): void {
    // Opening it through openStore validates it (schema version, leakward tables) and migrates it forward.
    openStore(otherFile, { mustExist: true }).close();
    const db = this.db;
    db.prepare('ATTACH DATABASE ? AS other').run(otherFile);
    try {
      db.transaction(() => {
        db.exec(`
          INSERT OR IGNORE INTO rulesets SELECT * FROM other.rulesets;
          INSERT OR IGNORE INTO scanned SELECT * FROM other.scanned;
          INSERT OR IGNORE INTO findings SELECT * FROM other.findings;
          INSERT OR IGNORE INTO occurrences SELECT * FROM other.occurrences;
          INSERT OR IGNORE INTO triage_log SELECT * FROM other.triage_log;
          INSERT OR IGNORE INTO scanned_layers SELECT * FROM other.scanned_layers;
          INSERT INTO verifications SELECT * FROM other.verifications WHERE true
            ON CONFLICT (fingerprint) DO UPDATE SET status = excluded.status, identity = excluded.identity, provider = excluded.provider,
              reason = excluded.reason, checked_at = excluded.checked_at WHERE excluded.checked_at > verifications.checked_at;
          INSERT INTO verify_cache SELECT * FROM other.verify_cache WHERE true
            ON CONFLICT (key) DO UPDATE SET status = excluded.status, identity = excluded.identity, reason = excluded.reason,
              checked_at = excluded.checked_at WHERE excluded.checked_at > verify_cache.checked_at;
          INSERT INTO triage SELECT * FROM other.triage WHERE true
            ON CONFLICT (fingerprint) DO UPDATE SET status = excluded.status, note = excluded.note, by = excluded.by, at = excluded.at
            WHERE excluded.at > triage.at;
          -- A repository's state: the most recent sweep wins, with its refs, reach and presence.
          CREATE TEMP TABLE newer AS SELECT o.url FROM other.repos o LEFT JOIN main.repos m ON m.url = o.url
            WHERE m.url IS NULL OR coalesce(o.last_sweep, '') > coalesce(m.last_sweep, '');
          DELETE FROM refs WHERE repo IN (SELECT url FROM newer);
          DELETE FROM reach WHERE repo IN (SELECT url FROM newer);
          DELETE FROM presence WHERE repo IN (SELECT url FROM newer);
          INSERT OR REPLACE INTO repos SELECT * FROM other.repos WHERE url IN (SELECT url FROM newer);
          INSERT OR IGNORE INTO refs SELECT * FROM other.refs WHERE repo IN (SELECT url FROM newer);
          INSERT OR IGNORE INTO reach SELECT * FROM other.reach WHERE repo IN (SELECT url FROM newer);
          INSERT OR IGNORE INTO presence SELECT * FROM other.presence WHERE repo IN (SELECT url FROM newer);
          DROP TABLE newer;
        `);
      })();
    } finally {
      db.prepare('DETACH DATABASE other').run();
    }
  }
}

export type { OccurrenceRecord };
