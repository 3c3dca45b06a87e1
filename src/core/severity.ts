/**
 * Severity of a finding: how sure and how bad, for triage and `--min-severity`. Apart from a rule's `confidence`
 * (which says only whether the masker may mask the rule's unregistered matches in logs).
 *
 * - high: checksum-validated and fixed-prefix provider tokens, private keys (and containers of them);
 * - medium: provider credentials recognised by a name next to them, connection-string passwords, JWTs;
 * - low: generic name = value assignments.
 * A rule may set `severity` itself; otherwise it is derived from the rule as above.
 */
import type { RuleSpec } from './types.js';

export type Severity = 'high' | 'medium' | 'low';

export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high'];

export function severityRank(s: Severity): number {
  return s === 'high' ? 2 : s === 'medium' ? 1 : 0;
}

export function isSeverity(s: unknown): s is Severity {
  return s === 'high' || s === 'medium' || s === 'low';
}

/** Does the finding reach `min`? A finding without a severity counts as low. */
export function atLeastSeverity(f: { readonly severity?: Severity | undefined }, min: Severity): boolean {
  return severityRank(f.severity ?? 'low') >= severityRank(min);
}

export function ruleSeverity(spec: RuleSpec): Severity {
  if (spec.severity) return spec.severity;
  const tags = spec.tags ?? [];
  if (spec.id.startsWith('generic') || tags.includes('generic')) return 'low';
  if (spec.id.includes('private-key') || tags.includes('type:private-key')) return 'high';
  if (spec.validate !== undefined && spec.validate !== 'generic-value') return 'high';
  if (spec.confidence === 'high') return 'high';
  return 'medium';
}
