import type { Finding, RuleSpec } from '../core/types.js';

export type ReportFormat = 'text' | 'json' | 'sarif';

export const REPORT_FORMATS: readonly ReportFormat[] = ['text', 'json', 'sarif'];

export interface ReportOptions {
  readonly format: ReportFormat;
  /** Absolute scan root: SARIF's `%SRCROOT%` (finding paths are already relative to it). */
  readonly root?: string | undefined;
  /**
   * Percent of each secret to hide, as gitleaks' `--redact=N`; absent → the first 4 characters (never more than a
   * quarter of the secret) then `…`; 100 → `REDACTED`. Whatever the value, at most a quarter of a secret and at most
   * 6 characters are shown (see redact.ts).
   */
  readonly redact?: number | undefined;
  /** Print whole secrets (text, json; SARIF adds them as region snippets). The only way to see a full secret. */
  readonly showSecrets?: boolean | undefined;
  /** ANSI colour in the text report (decide with `shouldUseColor`). */
  readonly color?: boolean | undefined;
  /** The rules that ran: SARIF `tool.driver.rules` (rules of findings not listed are added from the findings). */
  readonly rules?: readonly RuleSpec[] | undefined;
  /**
   * The scan did not finish: what was not scanned (one line, no content). SARIF marks the run
   * `executionSuccessful: false` with this as an error notification; the text report says so instead of "No secrets
   * found." (findings listed are what was read before the failure).
   */
  readonly incomplete?: string | undefined;
  /**
   * The other secrets found in a finding's file (and commit), redacted in its match too. `formatReport` fills it
   * from the findings it is given; the CLI adds those a baseline suppressed.
   */
  readonly otherSecrets?: ((f: Finding) => readonly string[]) | undefined;
  /** leakward's version for SARIF `tool.driver.version`. */
  readonly toolVersion?: string | undefined;
}

/**
 * One report being written: `begin`, then `finding` per finding in order, then `end`; each returns the text to
 * append. Holds only counters and rule indexes, never findings, so any format streams in bounded memory.
 */
export interface ReportRenderer {
  begin(): string;
  finding(f: Finding): string;
  end(): string;
}
