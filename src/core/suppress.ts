/**
 * Suppression: which findings not to report, from a baseline and/or a `.gitleaksignore` file.
 *
 * `.gitleaksignore` (gitleaks' format, plus ours):
 *   # comment                        whole-line comments and blank lines are skipped
 *   path/to/file:rule-id:12          gitleaks "global" fingerprint: matches with or without a commit
 *   <commit sha>:path/to/file:rule-id:12   gitleaks commit fingerprint: matches that commit only
 *   lw2:<64 hex> (or old lw1:)       leakward fingerprint (the scan's key: LEAKWARD_FINGERPRINT_KEY, the baseline's salt, else the default)
 * Matching follows gitleaks' `Detector.AddFinding`: the global form `file:rule:line` is checked first, then, for a
 * finding with a commit, `commit:file:rule:line`. Paths are compared with `/` separators. Lines are parsed from the
 * right (line, then rule id), so a path may itself contain `:`.
 */
import { promises as fs } from 'node:fs';
import { fingerprintListed, type Baseline } from './baseline.js';
import { DEFAULT_FINGERPRINT_SALT } from './fingerprint.js';
import type { Finding } from './types.js';

export const GITLEAKS_IGNORE_FILE = '.gitleaksignore';

export interface GitleaksIgnore {
  readonly file: string;
  /** gitleaks fingerprints, normalised: `file:rule:line` or `commit:file:rule:line`. */
  readonly entries: ReadonlySet<string>;
  /** `lw2:` and `lw1:` fingerprints. */
  readonly fingerprints: ReadonlySet<string>;
  /** Lines that were neither (with their 1-based line numbers), for the CLI to warn about. */
  readonly warnings: readonly string[];
}

export interface SuppressOptions {
  readonly baseline?: Baseline | undefined;
  readonly gitleaksIgnore?: GitleaksIgnore | undefined;
  /** Key of the scan's fingerprints, for `lw2:`/`lw1:` lines of `.gitleaksignore` (default: the baseline's, else the default salt). */
  readonly salt?: string | undefined;
}

/** true = do not report this finding. */
export type Suppressor = (f: Finding) => boolean;

const LW_RE = /^lw[12]:[0-9a-f]{64}$/; // trusted: lines of the ignore file
const COMMIT_RE = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/i;
const LINE_RE = /^[0-9]+$/;

function normPath(p: string): string {
  let s = p.split('\\').join('/');
  while (s.startsWith('./')) s = s.slice(2);
  return s;
}

/** gitleaks' fingerprint of a finding: `commit:file:rule:line`, or `file:rule:line` without a commit. */
export function gitleaksFingerprint(f: Finding): string {
  const g = `${normPath(f.file)}:${f.ruleId}:${f.startLine}`;
  return f.commit ? `${f.commit.sha}:${g}` : g;
}

/** Parses `.gitleaksignore` text. Never throws: unrecognised lines become warnings. */
export function parseGitleaksIgnore(text: string, file = GITLEAKS_IGNORE_FILE): GitleaksIgnore {
  const entries = new Set<string>();
  const fingerprints = new Set<string>();
  const warnings: string[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.trim();
    if (i === 0 && line.charCodeAt(0) === 0xfeff) line = line.slice(1).trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('lw1:') || line.startsWith('lw2:')) {
      if (LW_RE.test(line)) fingerprints.add(line);
      else warnings.push(`${file}:${i + 1}: malformed leakward fingerprint (expected "lw2:" + 64 hex digits)`);
      continue;
    }
    const c1 = line.lastIndexOf(':');
    const c2 = c1 > 0 ? line.lastIndexOf(':', c1 - 1) : -1;
    const lineNo = line.slice(c1 + 1);
    const rule = c2 >= 0 ? line.slice(c2 + 1, c1) : '';
    if (c2 <= 0 || !LINE_RE.test(lineNo) || rule === '') {
      warnings.push(`${file}:${i + 1}: not a gitleaks fingerprint ("file:rule-id:line" or "commit:file:rule-id:line")`);
      continue;
    }
    let prefix = line.slice(0, c2);
    const c0 = prefix.indexOf(':');
    let commit = '';
    if (c0 > 0 && COMMIT_RE.test(prefix.slice(0, c0))) {
      commit = prefix.slice(0, c0).toLowerCase();
      prefix = prefix.slice(c0 + 1);
    }
    const g = `${normPath(prefix)}:${rule}:${Number(lineNo)}`;
    entries.add(commit ? `${commit}:${g}` : g);
  }
  return { file, entries, fingerprints, warnings };
}

/** Reads `.gitleaksignore`. A missing file is an empty ignore list; other read errors throw. */
export async function readGitleaksIgnore(file: string): Promise<GitleaksIgnore> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { file, entries: new Set(), fingerprints: new Set(), warnings: [] };
    throw new Error(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  }
  return parseGitleaksIgnore(text, file);
}

/** One predicate for both sources; `() => false` when neither is given. */
export function createSuppressor(options: SuppressOptions = {}): Suppressor {
  const { baseline, gitleaksIgnore } = options;
  const salt = options.salt ?? baseline?.salt ?? DEFAULT_FINGERPRINT_SALT;
  const entries = gitleaksIgnore && gitleaksIgnore.entries.size > 0 ? gitleaksIgnore.entries : undefined;
  const listed = gitleaksIgnore && gitleaksIgnore.fingerprints.size > 0 ? gitleaksIgnore.fingerprints : undefined;
  if (!baseline && !entries && !listed) return () => false;
  return (f: Finding): boolean => {
    if (baseline && baseline.has(f)) return true;
    if (listed && fingerprintListed(listed, f, salt)) return true;
    if (entries) {
      const g = `${normPath(f.file)}:${f.ruleId}:${f.startLine}`;
      if (entries.has(g)) return true;
      if (f.commit && entries.has(`${f.commit.sha.toLowerCase()}:${g}`)) return true;
    }
    return false;
  };
}
