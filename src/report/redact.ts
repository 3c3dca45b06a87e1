/**
 * Redaction of secrets for every report format.
 *
 * Invariants
 * 1. Unless `showSecrets` is set, no output shows more than a quarter of a secret, and never more than
 *    `MAX_VISIBLE` characters of it: no 8-character piece of a secret can appear in a report.
 * 2. `redact` only ever hides more than that cap allows, never less (gitleaks' `--redact=N` shows the first
 *    (100−N)% of the secret, which for N < 75 is most of it; we keep the percent meaning but apply the cap).
 * 3. Free-text fields that may echo the secret (the match, a commit subject, …) have every occurrence of the
 *    secret replaced by its redacted form; a match that should hold the secret but does not (a decoded find whose
 *    match is the encoded text) is replaced whole.
 * 4. Lengths count Unicode code points, so a redacted preview never ends in half a surrogate pair.
 */

/** What a 100%-redacted secret prints as (gitleaks prints the same word). */
export const REDACTED = 'REDACTED';
/** Marks a shortened secret. */
export const ELLIPSIS = '…';
/** Characters shown by default (no `redact` given), before the quarter cap. */
export const DEFAULT_VISIBLE = 4;
/** Hard cap on visible characters of any secret, whatever `redact` says. */
export const MAX_VISIBLE = 6;

import type { CommitInfo, Finding } from '../core/types.js';

export interface RedactOptions {
  /** Percent of the secret to hide (0–100); absent → show the first `DEFAULT_VISIBLE` characters. */
  readonly redact?: number | undefined;
  /** Print whole secrets. The only way to get a full secret into a report. */
  readonly showSecrets?: boolean | undefined;
}

/** How many leading code points of an `n`-code-point secret may be shown. */
export function visibleChars(n: number, redact?: number): number {
  if (n <= 0) return 0;
  let want: number;
  if (redact === undefined || Number.isNaN(redact)) {
    want = DEFAULT_VISIBLE;
  } else {
    const hidden = Math.min(100, Math.max(0, redact));
    want = Math.round((n * (100 - hidden)) / 100);
  }
  return Math.max(0, Math.min(want, Math.floor(n / 4), MAX_VISIBLE));
}

/** The secret as a report may print it. `''` stays `''` (path-only findings have no secret). */
export function redactSecret(secret: string, options: RedactOptions = {}): string {
  if (options.showSecrets) return secret;
  if (secret === '') return '';
  if (options.redact !== undefined && options.redact >= 100) return REDACTED;
  const points = Array.from(secret);
  const shown = visibleChars(points.length, options.redact);
  return points.slice(0, shown).join('') + ELLIPSIS;
}

/** `text` with every occurrence of `secret` replaced by its redacted form (no RegExp: plain string search). */
export function scrub(text: string, secret: string, options: RedactOptions = {}): string {
  if (options.showSecrets || secret === '' || text === '') return text;
  if (!text.includes(secret)) return text;
  return text.split(secret).join(redactSecret(secret, options));
}

/**
 * The match as a report may print it: the secret inside it redacted. A match that does not contain the secret
 * (e.g. a decoded find whose match is the encoded form) is replaced by the redacted secret alone.
 */
export function redactMatch(match: string, secret: string, options: RedactOptions = {}, others: readonly string[] = []): string {
  if (options.showSecrets) return match;
  if (secret === '') return scrubOthers(match, others, options);
  if (!match.includes(secret)) return redactSecret(secret, options);
  return scrubOthers(scrub(match, secret, options), others, options);
}

/**
 * `text` with the other findings' secrets of the same fragment redacted too: a Postgres URI whose user is an AWS
 * key ID must not print that key whole in the URI finding's match. Longest first, so a secret inside another
 * is not split.
 */
export function scrubOthers(text: string, others: readonly string[], options: RedactOptions = {}): string {
  if (options.showSecrets || others.length === 0) return text;
  let out = text;
  for (const s of [...others].sort((a, b) => b.length - a.length)) out = scrub(out, s, options);
  return out;
}

/** Finding → the secrets of every finding from the same file (and commit), for `scrubOthers`. */
export function secretsBySource(findings: Iterable<{ readonly file: string; readonly secret: string; readonly commit?: { readonly sha: string } | undefined }>): (f: { readonly file: string; readonly secret: string; readonly commit?: { readonly sha: string } | undefined }) => readonly string[] {
  const bySource = new Map<string, Set<string>>();
  const key = (f: { readonly file: string; readonly commit?: { readonly sha: string } | undefined }): string => `${f.commit?.sha ?? ''}\0${f.file}`;
  for (const f of findings) {
    if (f.secret === '') continue;
    const k = key(f);
    let set = bySource.get(k);
    if (!set) bySource.set(k, (set = new Set()));
    set.add(f.secret);
  }
  return (f) => {
    const set = bySource.get(key(f));
    return set ? [...set].filter((s) => s !== f.secret) : [];
  };
}

/**
 * The findings with their commits' metadata (subject, author, email) scrubbed of every secret found in that same
 * commit: a secret written in a commit message is a finding of the commit, and must not be printed whole beside
 * its other findings (each renderer only scrubs a finding's own secret). Identity is kept when nothing changes.
 */
export function scrubCommitMetadata(findings: readonly Finding[], options: RedactOptions = {}): Finding[] {
  if (options.showSecrets) return [...findings];
  const bySha = new Map<string, Set<string>>();
  for (const f of findings) {
    if (!f.commit || f.secret === '') continue;
    let set = bySha.get(f.commit.sha);
    if (!set) bySha.set(f.commit.sha, (set = new Set()));
    set.add(f.secret);
  }
  const cleaned = new Map<CommitInfo, CommitInfo>();
  return findings.map((f) => {
    const c = f.commit;
    if (!c) return f;
    let clean = cleaned.get(c);
    if (!clean) {
      let { message, author, email } = c;
      for (const s of bySha.get(c.sha) ?? []) {
        message = scrub(message, s, options);
        author = scrub(author, s, options);
        email = scrub(email, s, options);
      }
      clean = message === c.message && author === c.author && email === c.email ? c : { ...c, message, author, email };
      cleaned.set(c, clean);
    }
    return clean === c ? f : { ...f, commit: clean };
  });
}
