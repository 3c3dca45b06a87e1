/**
 * The datastore's schema, as a list of forward migrations. `PRAGMA user_version` holds the version a file is at;
 * opening a file runs every migration above it, each in its own transaction, so a crash mid-migration leaves the
 * file at the last complete version. A file at a version above the last one here was written by a newer leakward
 * and is refused (never downgraded).
 *
 * To extend the schema: append one entry with the next version number. Never edit a released entry.
 * Natural keys everywhere (URLs, shas, fingerprints) rather than row ids: `sweep merge` unions shard files with
 * plain `INSERT OR IGNORE`, and merging the same shard twice changes nothing.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'sweep: repositories, rule sets, scanned commits, findings, occurrences, reach, presence, triage',
    sql: `
      CREATE TABLE repos (
        url TEXT PRIMARY KEY,            -- normalised, credentials stripped
        source TEXT NOT NULL,            -- as given, credentials stripped
        default_branch TEXT, head TEXT,
        commits INTEGER NOT NULL DEFAULT 0, scanned_commits INTEGER NOT NULL DEFAULT 0,
        bytes INTEGER NOT NULL DEFAULT 0, duration_ms INTEGER NOT NULL DEFAULT 0,
        ruleset TEXT, last_sweep TEXT, error TEXT, presence_key TEXT
      );
      CREATE TABLE refs (repo TEXT NOT NULL, name TEXT NOT NULL, sha TEXT NOT NULL, PRIMARY KEY (repo, name)) WITHOUT ROWID;
      CREATE TABLE rulesets (id TEXT PRIMARY KEY, rules TEXT NOT NULL, created TEXT NOT NULL);
      CREATE TABLE scanned (sha TEXT NOT NULL, ruleset TEXT NOT NULL, PRIMARY KEY (sha, ruleset)) WITHOUT ROWID;
      CREATE TABLE findings (
        fingerprint TEXT PRIMARY KEY, rule_id TEXT NOT NULL, description TEXT NOT NULL, preview TEXT NOT NULL,
        confidence TEXT NOT NULL, entropy REAL NOT NULL, first_seen TEXT NOT NULL
      );
      CREATE TABLE occurrences (
        fingerprint TEXT NOT NULL, sha TEXT NOT NULL, path TEXT NOT NULL, line INTEGER NOT NULL, col INTEGER NOT NULL,
        author TEXT NOT NULL, email TEXT NOT NULL, date TEXT NOT NULL,
        PRIMARY KEY (fingerprint, sha, path, line, col)
      ) WITHOUT ROWID;
      CREATE INDEX occurrences_sha ON occurrences (sha);
      CREATE TABLE reach (repo TEXT NOT NULL, sha TEXT NOT NULL, refs TEXT NOT NULL, PRIMARY KEY (repo, sha)) WITHOUT ROWID;
      CREATE INDEX reach_sha ON reach (sha);
      CREATE TABLE presence (repo TEXT NOT NULL, fingerprint TEXT NOT NULL, PRIMARY KEY (repo, fingerprint)) WITHOUT ROWID;
      CREATE TABLE triage (fingerprint TEXT PRIMARY KEY, status TEXT NOT NULL, note TEXT NOT NULL, by TEXT NOT NULL, at TEXT NOT NULL);
      CREATE TABLE triage_log (fingerprint TEXT NOT NULL, status TEXT NOT NULL, note TEXT NOT NULL, by TEXT NOT NULL, at TEXT NOT NULL,
        PRIMARY KEY (fingerprint, at, status)) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'live verification: each finding\'s last check, and the check cache keyed by an HMAC of the credential',
    sql: `
      CREATE TABLE verifications (
        fingerprint TEXT PRIMARY KEY, status TEXT NOT NULL, identity TEXT NOT NULL, provider TEXT NOT NULL,
        reason TEXT NOT NULL, checked_at TEXT NOT NULL
      );
      -- key: lwv1:<HMAC of provider, partner and secret> (never the secret); one row per distinct credential.
      CREATE TABLE verify_cache (
        key TEXT PRIMARY KEY, status TEXT NOT NULL, identity TEXT NOT NULL, reason TEXT NOT NULL, checked_at TEXT NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 3,
    name: 'images: container image layers scanned per rule set (a layer is read once, whatever image holds it)',
    sql: `
      CREATE TABLE scanned_layers (
        digest TEXT NOT NULL, ruleset TEXT NOT NULL, findings INTEGER NOT NULL, scanned_at TEXT NOT NULL,
        PRIMARY KEY (digest, ruleset)
      ) WITHOUT ROWID;
    `,
  },
];

export const SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]!.version;
