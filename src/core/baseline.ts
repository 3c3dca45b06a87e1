/**
 * Baselines: known findings to stop reporting.
 *
 * leakward's own file, `.leakward-baseline.json` (version 2):
 *   { "version": 2, "salt": "<random hex>", "fingerprints": ["lw2:…", …] }
 * or, when the fingerprints were keyed by `LEAKWARD_FINGERPRINT_KEY` (kept out of the repository):
 *   { "version": 2, "key": "LEAKWARD_FINGERPRINT_KEY", "fingerprints": ["lw2:…", …] }
 * It never holds a secret: fingerprints are scrypt hashes keyed by the salt or the private key (core/fingerprint.ts).
 * With a committed salt, anyone holding the file can test guesses (each costs a scrypt); with the private key,
 * nobody without the key can. Version 1 files (`lw1:` HMAC fingerprints) are still read.
 *
 * A finding matches a baseline whatever key the scan used: the baseline recomputes the finding's fingerprint
 * under its own key when the scan's does not match (`Finding.secret` is at hand in-process).
 *
 * `readBaseline` also accepts a JSON report (an array): gitleaks' (`gitleaks … -f json`) or ours.
 * - Entries are matched by position: RuleID + File + StartLine, and Commit when the entry has one.
 * - Entries whose `Fingerprint` is an `lw2:` or `lw1:` value (our JSON reports) also match by fingerprint.
 * - Entries with an unredacted `Secret` also match by fingerprint, recomputed with the report salt (a report
 *   carries no salt); the secret itself is dropped as soon as it is hashed.
 *
 * Path-only findings (no secret) would all share `fingerprint(ruleId, '')`, so one baselined path-only finding
 * would hide that rule everywhere; their baseline key is the fingerprint of the path instead (`pathFingerprint`).
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DEFAULT_FINGERPRINT_SALT, FINGERPRINT_KEY_ENV, fingerprint, fingerprintV1, LW1_PATTERN, LW2_PATTERN } from './fingerprint.js';
import type { Finding } from './types.js';

export const BASELINE_FILE = '.leakward-baseline.json';
export const BASELINE_VERSION = 2;

/** A baseline file that cannot be read or understood (the CLI exits 2). */
export class BaselineError extends Error {
  readonly file: string;
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(`${file}: ${message}`, options);
    this.name = 'BaselineError';
    this.file = file;
  }
}

export interface Baseline {
  readonly file: string;
  /** `leakward`: our baseline file; `report`: a gitleaks (or leakward) JSON report. */
  readonly kind: 'leakward' | 'report';
  /** The key of the fingerprints (the file's salt, or `LEAKWARD_FINGERPRINT_KEY`'s value): scans should use it. */
  readonly salt: string;
  /** True when the key is `LEAKWARD_FINGERPRINT_KEY` (then a written baseline records no salt). */
  readonly privateKey?: boolean;
  readonly fingerprints: ReadonlySet<string>;
  /** Report entries by position: `ruleId \0 file \0 startLine \0 commit` (commit '' when none). */
  readonly positions: ReadonlySet<string>;
  /** Is this finding (computed with `salt`) in the baseline? */
  has(f: Finding): boolean;
}

/** The shape of `.leakward-baseline.json`. */
export interface BaselineFile {
  readonly version: 1 | 2;
  /** Absent when `key` names the environment variable that holds the key. */
  readonly salt?: string;
  readonly key?: typeof FINGERPRINT_KEY_ENV;
  readonly fingerprints: readonly string[];
}

/** A fresh random salt: 32 hex characters (128 bits). */
export function newSalt(): string {
  return randomBytes(16).toString('hex');
}

function normPath(p: string): string {
  let s = p.split('\\').join('/');
  while (s.startsWith('./')) s = s.slice(2);
  return s;
}

/** The baseline key of a path-only finding (no secret): keyed by rule and path, not shared across files. */
export function pathFingerprint(ruleId: string, file: string, salt: string): string {
  return fingerprint(ruleId, '\0path:' + normPath(file), salt);
}

/** The fingerprint a baseline stores for `f` (its own, or the path key for path-only findings). */
export function baselineKey(f: Finding, salt: string): string {
  return f.secret === '' ? pathFingerprint(f.ruleId, f.file, salt) : f.fingerprint;
}

/**
 * Is `f` among these fingerprints (`lw2:` under `key`, `lw1:` under `v1Salt`)? The finding's own fingerprint is
 * tried first (a scan with the same key); else it is recomputed under `key` from the secret.
 */
export function fingerprintListed(set: ReadonlySet<string>, f: Finding, key: string, v1Salt: string = key): boolean {
  if (set.size === 0) return false;
  const payload = f.secret === '' ? '\0path:' + normPath(f.file) : f.secret;
  if (f.secret !== '' && set.has(f.fingerprint)) return true;
  if (set.has(fingerprint(f.ruleId, payload, key))) return true;
  return set.has(fingerprintV1(f.ruleId, payload, v1Salt));
}

function positionKey(ruleId: string, file: string, line: number, commit: string): string {
  return `${ruleId}\0${normPath(file)}\0${line}\0${commit}`;
}

const isFingerprint = (v: unknown): v is string => typeof v === 'string' && (LW2_PATTERN.test(v) || LW1_PATTERN.test(v));

function isRedacted(secret: string): boolean {
  return secret === '' || secret === 'REDACTED' || secret.endsWith('...') || secret.endsWith('…');
}

function makeBaseline(file: string, kind: Baseline['kind'], salt: string, fingerprints: Set<string>, positions: Set<string>, privateKey = false): Baseline {
  // lw1 entries of a report were made with the default salt; those of a version 1 file with the file's salt.
  const v1Salt = kind === 'report' ? DEFAULT_FINGERPRINT_SALT : salt;
  return {
    file,
    kind,
    salt,
    ...(privateKey ? { privateKey } : {}),
    fingerprints,
    positions,
    has(f: Finding): boolean {
      if (fingerprintListed(fingerprints, f, salt, v1Salt)) return true;
      if (positions.size > 0 && positions.has(positionKey(f.ruleId, f.file, f.startLine, f.commit?.sha ?? ''))) return true;
      return false;
    },
  };
}

/** An empty baseline with this salt (e.g. before the first `writeBaseline`). */
export function emptyBaseline(salt: string = DEFAULT_FINGERPRINT_SALT, file = ''): Baseline {
  return makeBaseline(file, 'leakward', salt, new Set(), new Set());
}

function parseOwn(file: string, obj: Record<string, unknown>, privateKey: string | undefined): Baseline {
  if ('runs' in obj && !('fingerprints' in obj)) {
    throw new BaselineError(file, 'a SARIF report cannot be a baseline; use a JSON report (--format json) or write one with --write-baseline');
  }
  const v = obj['version'];
  if (v !== 1 && v !== 2) {
    // The value is quoted only when it is a small number: anything else in the file may be a secret.
    const shown = typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 1000 ? String(v) : v === undefined ? 'missing' : `a ${typeof v}`;
    throw new BaselineError(file, `unsupported baseline version ${shown} (expected 1 or ${BASELINE_VERSION})`);
  }
  const keyed = v === 2 && obj['key'] === FINGERPRINT_KEY_ENV;
  if (v === 2 && obj['key'] !== undefined && !keyed) throw new BaselineError(file, `"key" must be "${FINGERPRINT_KEY_ENV}" when present`);
  if (keyed && !privateKey) {
    throw new BaselineError(file, `its fingerprints are keyed by ${FINGERPRINT_KEY_ENV}, which is not set`);
  }
  const salt = keyed ? privateKey! : obj['salt'];
  if (typeof salt !== 'string' || salt === '') throw new BaselineError(file, '"salt" must be a non-empty string');
  const list = obj['fingerprints'];
  const want = v === 1 ? LW1_PATTERN : LW2_PATTERN;
  const form = v === 1 ? '"lw1:"' : '"lw2:"';
  if (!Array.isArray(list)) throw new BaselineError(file, `"fingerprints" must be an array of ${form} strings`);
  const fingerprints = new Set<string>();
  list.forEach((fp, i) => {
    if (typeof fp !== 'string' || !want.test(fp)) {
      throw new BaselineError(file, `fingerprints[${i}] is not a leakward fingerprint (${form} + 64 hex digits)`);
    }
    fingerprints.add(fp);
  });
  return makeBaseline(file, 'leakward', salt, fingerprints, new Set(), keyed);
}

function parseReport(file: string, entries: unknown[], salt: string): Baseline {
  const fingerprints = new Set<string>();
  const positions = new Set<string>();
  entries.forEach((e, i) => {
    if (e === null || typeof e !== 'object' || Array.isArray(e)) throw new BaselineError(file, `entry ${i} is not an object`);
    const o = e as Record<string, unknown>;
    const ruleId = o['RuleID'];
    const f = o['File'];
    const line = o['StartLine'];
    const commit = o['Commit'];
    const fp = o['Fingerprint'];
    const secret = o['Secret'];
    if (typeof ruleId !== 'string' || ruleId === '') throw new BaselineError(file, `entry ${i} has no "RuleID" (is this a gitleaks JSON report?)`);
    if (isFingerprint(fp)) fingerprints.add(fp);
    if (typeof secret === 'string' && !isRedacted(secret)) fingerprints.add(fingerprint(ruleId, secret, salt));
    if (typeof f === 'string' && f !== '' && typeof line === 'number' && Number.isInteger(line)) {
      positions.add(positionKey(ruleId, f, line, typeof commit === 'string' ? commit : ''));
    }
  });
  return makeBaseline(file, 'report', salt, fingerprints, positions);
}

/** Parses baseline text (our file, or a gitleaks/leakward JSON report). Throws `BaselineError`. */
export interface ReadBaselineOptions {
  /** Salt for fingerprints recomputed from a report's unredacted secrets (default: the scanner's default salt). */
  readonly reportSalt?: string | undefined;
  /** `LEAKWARD_FINGERPRINT_KEY`'s value, for baselines written with it. */
  readonly privateKey?: string | undefined;
}

export function parseBaseline(text: string, file: string, options: ReadBaselineOptions = {}): Baseline {
  let data: unknown;
  try {
    data = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    // JSON.parse's message quotes the text around the error: a mistaken `--baseline .env` would print a secret.
    throw new BaselineError(file, 'not valid JSON (expected a leakward baseline or a gitleaks JSON report)', { cause: err });
  }
  if (Array.isArray(data)) return parseReport(file, data, options.reportSalt ?? DEFAULT_FINGERPRINT_SALT);
  if (data !== null && typeof data === 'object') return parseOwn(file, data as Record<string, unknown>, options.privateKey);
  throw new BaselineError(file, 'expected a leakward baseline object or a gitleaks JSON report array');
}

/**
 * Reads a baseline: `.leakward-baseline.json`, or a gitleaks / leakward JSON report. Throws `BaselineError` when
 * the file is unreadable or malformed. `reportSalt`: salt for fingerprints recomputed from a report's unredacted
 * secrets (default: the scanner's default salt, which is what a scan uses when the baseline has no salt of its own).
 */
export async function readBaseline(file: string, options: ReadBaselineOptions = {}): Promise<Baseline> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new BaselineError(file, `cannot read baseline (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  }
  return parseBaseline(text, file, options);
}

/**
 * The baseline file's text for these findings: sorted, unique fingerprints; no secret, no path, no position.
 * `privateKey`: the salt is `LEAKWARD_FINGERPRINT_KEY`'s value, which the file must not hold.
 */
export async function formatBaseline(findings: Iterable<Finding> | AsyncIterable<Finding>, salt: string, privateKey = false): Promise<string> {
  if (typeof salt !== 'string' || salt === '') throw new Error('writeBaseline: salt must be a non-empty string');
  const set = new Set<string>();
  for await (const f of findings) set.add(f.secret === '' ? pathFingerprint(f.ruleId, f.file, salt) : fingerprint(f.ruleId, f.secret, salt));
  const keyField: Pick<BaselineFile, 'salt' | 'key'> = privateKey ? { key: FINGERPRINT_KEY_ENV } : { salt };
  const body: BaselineFile = { version: BASELINE_VERSION, ...keyField, fingerprints: [...set].sort() };
  return JSON.stringify(body, null, 2) + '\n';
}

/**
 * Writes `.leakward-baseline.json` for these findings (fingerprinted under `salt`, whatever key the scan used).
 * Atomic: writes a temporary file beside it, then renames.
 */
export async function writeBaseline(file: string, findings: Iterable<Finding> | AsyncIterable<Finding>, salt: string, privateKey = false): Promise<void> {
  const text = await formatBaseline(findings, salt, privateKey);
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await fs.writeFile(tmp, text, { encoding: 'utf8', mode: 0o644 });
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw new BaselineError(file, `cannot write baseline (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  }
}
