/**
 * Baselines: known findings to stop reporting.
 *
 * leakward's own file, `.leakward-baseline.json`:
 *   { "version": 1, "salt": "<random hex>", "fingerprints": ["lw1:…", …] }
 * It never holds a secret: fingerprints are HMAC-SHA256 keyed with the salt (core/fingerprint.ts), so the file
 * reveals nothing by brute force unless the salt is also known. A scan that uses the baseline must compute its
 * fingerprints with the same salt: pass `baseline.salt` as `ScanOptions.fingerprintSalt`.
 *
 * `readBaseline` also accepts a JSON report (an array): gitleaks' (`gitleaks … -f json`) or ours.
 * - Entries are matched by position: RuleID + File + StartLine, and Commit when the entry has one.
 * - Entries whose `Fingerprint` is an `lw1:` value (our JSON reports) also match by fingerprint.
 * - Entries with an unredacted `Secret` also match by fingerprint, recomputed with the default salt (a report
 *   carries no salt); the secret itself is dropped as soon as it is hashed.
 *
 * Path-only findings (no secret) would all share `fingerprint(ruleId, '')`, so one baselined path-only finding
 * would hide that rule everywhere; their baseline key is the fingerprint of the path instead (`pathFingerprint`).
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DEFAULT_FINGERPRINT_SALT, fingerprint } from './fingerprint.js';
import type { Finding } from './types.js';

export const BASELINE_FILE = '.leakward-baseline.json';
export const BASELINE_VERSION = 1;

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
  /** The HMAC key of the fingerprints: the scan must use it (`ScanOptions.fingerprintSalt`). */
  readonly salt: string;
  readonly fingerprints: ReadonlySet<string>;
  /** Report entries by position: `ruleId \0 file \0 startLine \0 commit` (commit '' when none). */
  readonly positions: ReadonlySet<string>;
  /** Is this finding (computed with `salt`) in the baseline? */
  has(f: Finding): boolean;
}

/** The shape of `.leakward-baseline.json`. */
export interface BaselineFile {
  readonly version: 1;
  readonly salt: string;
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

function positionKey(ruleId: string, file: string, line: number, commit: string): string {
  return `${ruleId}\0${normPath(file)}\0${line}\0${commit}`;
}

const FINGERPRINT_RE = /^lw1:[0-9a-f]{64}$/; // trusted: baseline file values, not scanned content

function isRedacted(secret: string): boolean {
  return secret === '' || secret === 'REDACTED' || secret.endsWith('...') || secret.endsWith('…');
}

function makeBaseline(file: string, kind: Baseline['kind'], salt: string, fingerprints: Set<string>, positions: Set<string>): Baseline {
  return {
    file,
    kind,
    salt,
    fingerprints,
    positions,
    has(f: Finding): boolean {
      if (fingerprints.size > 0 && fingerprints.has(baselineKey(f, salt))) return true;
      if (positions.size > 0 && positions.has(positionKey(f.ruleId, f.file, f.startLine, f.commit?.sha ?? ''))) return true;
      return false;
    },
  };
}

/** An empty baseline with this salt (e.g. before the first `writeBaseline`). */
export function emptyBaseline(salt: string = DEFAULT_FINGERPRINT_SALT, file = ''): Baseline {
  return makeBaseline(file, 'leakward', salt, new Set(), new Set());
}

function parseOwn(file: string, obj: Record<string, unknown>): Baseline {
  if ('runs' in obj && !('fingerprints' in obj)) {
    throw new BaselineError(file, 'a SARIF report cannot be a baseline; use a JSON report (--format json) or write one with --write-baseline');
  }
  if (obj['version'] !== BASELINE_VERSION) {
    const v = obj['version'];
    // The value is quoted only when it is a small number: anything else in the file may be a secret.
    const shown = typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 1000 ? String(v) : v === undefined ? 'missing' : `a ${typeof v}`;
    throw new BaselineError(file, `unsupported baseline version ${shown} (expected ${BASELINE_VERSION})`);
  }
  const salt = obj['salt'];
  if (typeof salt !== 'string' || salt === '') throw new BaselineError(file, '"salt" must be a non-empty string');
  const list = obj['fingerprints'];
  if (!Array.isArray(list)) throw new BaselineError(file, '"fingerprints" must be an array of "lw1:…" strings');
  const fingerprints = new Set<string>();
  list.forEach((fp, i) => {
    if (typeof fp !== 'string' || !FINGERPRINT_RE.test(fp)) {
      throw new BaselineError(file, `fingerprints[${i}] is not a leakward fingerprint ("lw1:" + 64 hex digits)`);
    }
    fingerprints.add(fp);
  });
  return makeBaseline(file, 'leakward', salt, fingerprints, new Set());
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
    if (typeof fp === 'string' && FINGERPRINT_RE.test(fp)) fingerprints.add(fp);
    if (typeof secret === 'string' && !isRedacted(secret)) fingerprints.add(fingerprint(ruleId, secret, salt));
    if (typeof f === 'string' && f !== '' && typeof line === 'number' && Number.isInteger(line)) {
      positions.add(positionKey(ruleId, f, line, typeof commit === 'string' ? commit : ''));
    }
  });
  return makeBaseline(file, 'report', salt, fingerprints, positions);
}

/** Parses baseline text (our file, or a gitleaks/leakward JSON report). Throws `BaselineError`. */
export function parseBaseline(text: string, file: string, options: { reportSalt?: string } = {}): Baseline {
  let data: unknown;
  try {
    data = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    // JSON.parse's message quotes the text around the error: a mistaken `--baseline .env` would print a secret.
    throw new BaselineError(file, 'not valid JSON (expected a leakward baseline or a gitleaks JSON report)', { cause: err });
  }
  if (Array.isArray(data)) return parseReport(file, data, options.reportSalt ?? DEFAULT_FINGERPRINT_SALT);
  if (data !== null && typeof data === 'object') return parseOwn(file, data as Record<string, unknown>);
  throw new BaselineError(file, 'expected a leakward baseline object or a gitleaks JSON report array');
}

/**
 * Reads a baseline: `.leakward-baseline.json`, or a gitleaks / leakward JSON report. Throws `BaselineError` when
 * the file is unreadable or malformed. `reportSalt`: salt for fingerprints recomputed from a report's unredacted
 * secrets (default: the scanner's default salt, which is what a scan uses when the baseline has no salt of its own).
 */
export async function readBaseline(file: string, options: { reportSalt?: string } = {}): Promise<Baseline> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new BaselineError(file, `cannot read baseline (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  }
  return parseBaseline(text, file, options);
}

/** The baseline file's text for these findings: sorted, unique fingerprints; no secret, no path, no position. */
export async function formatBaseline(findings: Iterable<Finding> | AsyncIterable<Finding>, salt: string): Promise<string> {
  if (typeof salt !== 'string' || salt === '') throw new Error('writeBaseline: salt must be a non-empty string');
  const set = new Set<string>();
  for await (const f of findings) set.add(baselineKey(f, salt));
  const body: BaselineFile = { version: BASELINE_VERSION, salt, fingerprints: [...set].sort() };
  return JSON.stringify(body, null, 2) + '\n';
}

/**
 * Writes `.leakward-baseline.json` for these findings, which must have been computed with `salt`
 * (`ScanOptions.fingerprintSalt`). Atomic: writes a temporary file beside it, then renames.
 */
export async function writeBaseline(file: string, findings: Iterable<Finding> | AsyncIterable<Finding>, salt: string): Promise<void> {
  const text = await formatBaseline(findings, salt);
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await fs.writeFile(tmp, text, { encoding: 'utf8', mode: 0o644 });
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw new BaselineError(file, `cannot write baseline (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  }
}
