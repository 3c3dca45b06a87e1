/**
 * The JSON report: an array of objects with gitleaks' report field names (so tools that read gitleaks reports read
 * ours), plus leakward's own fields. `Fingerprint` is the finding's `lw2:` fingerprint (not gitleaks'
 * `file:rule:line`). `Secret` and `Match` are redacted unless `showSecrets`.
 */
import type { Finding } from '../core/types.js';
import { redactMatch, redactSecret, scrub } from './redact.js';
import type { ReportOptions, ReportRenderer } from './types.js';

/** One report entry. Field order follows gitleaks' `report.Finding`. */
export interface JsonReportEntry {
  readonly RuleID: string;
  readonly Description: string;
  readonly StartLine: number;
  readonly EndLine: number;
  readonly StartColumn: number;
  readonly EndColumn: number;
  readonly Match: string;
  readonly Secret: string;
  readonly File: string;
  readonly SymlinkFile: string;
  readonly Commit: string;
  readonly Entropy: number;
  readonly Author: string;
  readonly Email: string;
  readonly Date: string;
  readonly Message: string;
  readonly Tags: readonly string[];
  readonly Fingerprint: string;
  // leakward's own fields
  readonly DecodedBy: readonly string[];
  readonly Confidence: string;
  /** leakward: high, medium or low (core/severity.ts); empty for findings made without it */
  readonly Severity: string;
  /** Present when live verification ran (`--verify`): trufflehog's field, true for a working credential. */
  readonly Verified?: boolean;
  readonly Verification?: { readonly status: string; readonly identity: string; readonly checkedAt: string; readonly provider?: string; readonly reason?: string };
  /** Image scans only: the image, its manifest digest and platform, the layer (digest, index) and whether a later layer removes the file. */
  readonly Image?: string;
  readonly ImageDigest?: string;
  readonly Platform?: string;
  readonly LayerDigest?: string;
  readonly LayerIndex?: number;
  readonly RemovedInLaterLayer?: boolean;
}

export function toJsonEntry(f: Finding, options: ReportOptions): JsonReportEntry {
  const clean = (s: string): string => scrub(s, f.secret, options);
  const c = f.commit;
  return {
    RuleID: f.ruleId,
    Description: clean(f.description),
    StartLine: f.startLine,
    EndLine: f.endLine,
    StartColumn: f.startColumn,
    EndColumn: f.endColumn,
    Match: redactMatch(f.match, f.secret, options, options.otherSecrets?.(f)),
    Secret: redactSecret(f.secret, options),
    File: clean(f.file),
    SymlinkFile: '',
    Commit: c ? c.sha : '',
    Entropy: Number.isFinite(f.entropy) ? Math.round(f.entropy * 1e6) / 1e6 : 0,
    Author: c ? clean(c.author) : '',
    Email: c ? clean(c.email) : '',
    Date: c ? clean(c.date) : '',
    Message: c ? clean(c.message) : '',
    Tags: [...f.tags],
    Fingerprint: f.fingerprint,
    DecodedBy: f.decodedBy ? [...f.decodedBy] : [],
    Confidence: f.confidence ?? '',
    Severity: f.severity ?? '',
    ...(f.verification ? verificationFields(f, clean) : {}),
    ...(f.image ? imageFields(f.image, clean) : {}),
  };
}

function verificationFields(f: Finding, clean: (s: string) => string): Pick<JsonReportEntry, 'Verified' | 'Verification'> {
  const v = f.verification!;
  return {
    Verified: v.status === 'verified',
    Verification: {
      status: v.status,
      identity: v.identity ? clean(v.identity) : '',
      checkedAt: v.checkedAt,
      ...(v.provider ? { provider: v.provider } : {}),
      ...(v.reason ? { reason: clean(v.reason) } : {}),
    },
  };
}

function imageFields(img: NonNullable<Finding['image']>, clean: (s: string) => string): Partial<JsonReportEntry> {
  return {
    Image: clean(img.ref),
    ImageDigest: img.digest,
    ...(img.platform ? { Platform: img.platform } : {}),
    ...(img.layerDigest ? { LayerDigest: img.layerDigest } : {}),
    ...(img.layerIndex !== undefined ? { LayerIndex: img.layerIndex } : {}),
    RemovedInLaterLayer: img.removed === true,
  };
}

function indent(json: string, prefix: string): string {
  // JSON.stringify escapes newlines inside strings, so every raw '\n' is between tokens.
  return prefix + json.split('\n').join('\n' + prefix);
}

export function jsonRenderer(options: ReportOptions): ReportRenderer {
  let count = 0;
  return {
    begin: () => '[',
    finding(f: Finding): string {
      const sep = count++ === 0 ? '\n' : ',\n';
      return sep + indent(JSON.stringify(toJsonEntry(f, options), null, 2), '  ');
    },
    end: () => (count === 0 ? ']\n' : '\n]\n'),
  };
}
