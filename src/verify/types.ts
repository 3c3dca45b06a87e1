import type { VerificationStatus } from '../core/types.js';
import type { Endpoint, HttpClient } from './http.js';

/** What a verifier checks: a secret, and for paired credentials (AWS, Twilio) its partner (key id, account SID). */
export interface Credential {
  readonly secret: string;
  readonly partner?: string;
}

/** A verifier's answer. `identity` and `reason` come from the provider's answer or our own words, never the secret. */
export interface CheckResult {
  readonly status: VerificationStatus;
  readonly identity?: string;
  readonly reason?: string;
}

/** Everything a check may use: the shared HTTP client (HTTP providers) and whether databases may be contacted. */
export interface CheckContext {
  readonly http: HttpClient;
  readonly signal?: AbortSignal;
  readonly requestTimeoutMs: number;
}

/**
 * One provider's read-only check. `check` must not change anything at the provider (no message posted, no token
 * used up or rotated) and must talk only through `ctx.http` to `endpoint` (databases excepted: see database.ts).
 */
export interface Verifier {
  /** Lower-case provider name (also the `LEAKWARD_VERIFY_ENDPOINT_<NAME>` suffix). */
  readonly provider: string;
  /** The documented API host; undefined for database verifiers, which connect to the host in the URI. */
  readonly endpoint?: Endpoint;
  check(credential: Credential, ctx: CheckContext): Promise<CheckResult>;
}

/** How a paired credential's partner is found near the secret (same file and commit, within `PAIR_LINES`). */
export interface PairSpec {
  /** Findings of these rules are candidate partners. */
  readonly partnerRules: readonly string[];
  /** Candidate partners read from the surrounding lines (e.g. a Twilio account SID, which no rule reports). */
  readonly fromText?: (line: string) => string[];
  /** Whether the finding's secret is the pair's `secret` (true) or its `partner` (false: e.g. the AWS key id). */
  readonly findingIsSecret: boolean;
}

/** How a rule's findings are verified: by which verifier, paired or not; or why they are not. */
export type RuleVerification =
  | { readonly kind: 'check'; readonly verifier: Verifier; readonly pair?: PairSpec; readonly database?: boolean }
  | { readonly kind: 'unsupported'; readonly provider?: string; readonly reason: string };

export const PAIR_LINES = 10;
export const MAX_PAIRS = 5;
