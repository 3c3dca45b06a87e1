/**
 * The data that flows through leakward: sources produce Fragments, the core turns them into Findings,
 * reports render Findings. Nothing here imports anything; every layer may import these types.
 */

/** A half-open byte range `[start, end)`. */
export type Span = readonly [start: number, end: number];

/** The commit a fragment belongs to (history and diff scans). */
export interface CommitInfo {
  readonly sha: string;
  readonly author: string;
  readonly email: string;
  /** ISO 8601, as `git log --format=%aI` prints it. */
  readonly date: string;
  /** The subject line. */
  readonly message: string;
}

/** Where in a container image a fragment's bytes come from (image scans). */
export interface ImageLocation {
  /** The image as named: a registry reference, an archive file or an OCI layout folder. */
  readonly ref: string;
  /** Digest of the image manifest (`sha256:…`). */
  readonly digest: string;
  /** `os/arch[/variant]`, when the image came out of a multi-platform index. */
  readonly platform?: string;
  /** The layer holding the file (absent for the image config and history): its digest and 0-based index. */
  readonly layerDigest?: string;
  readonly layerIndex?: number;
  /** The file is deleted (whiteout) or overwritten by a later layer: gone from the container, still in the image. */
  readonly removed?: boolean;
}

/** Where a fragment's bytes belong. */
export interface FragmentMeta {
  /** Path relative to the scan root with `/` separators; `-` for stdin. */
  readonly path: string;
  readonly commit?: CommitInfo;
  /** 1-based line number, in the real file, of the fragment's first line (default 1). */
  readonly startLine?: number;
  /**
   * For fragments made of non-contiguous lines (the added lines of a diff):
   * `lineNumbers[i]` is the real 1-based line number of the fragment's i-th line (0-based i).
   * Overrides `startLine`.
   */
  readonly lineNumbers?: ArrayLike<number>;
  /**
   * A piece of a long line cut out of a bigger text (a diff's added line over 1 MiB): findings start in
   * `[ownFrom, ownTo)` of the content (default: all of it); the bytes around are context only, so a secret
   * straddling a cut is reported once, by the piece holding its first byte.
   */
  readonly ownFrom?: number;
  readonly ownTo?: number;
  /** Code points on the first line before the content's first byte (a piece starting inside a line). */
  readonly columnOffset?: number;
  /** Image scans: the image and layer; `path` is then the path inside the layer (or `config:Env[3]`, `history[5]`). */
  readonly image?: ImageLocation;
}

/** A piece of text with a location: what every source produces and the core consumes. */
export interface Fragment extends FragmentMeta {
  /**
   * The bytes: in memory, as a stream of chunks, or absent when `filePath` names a file for the
   * scanner to read itself (so a worker thread can read it). Empty content still runs path-only rules.
   */
  readonly content?: Buffer | AsyncIterable<Buffer>;
  /** Absolute path of a file to stream from disk when `content` is absent. */
  readonly filePath?: string;
}

/** A producer of fragments: files, stdin, a diff, the staged index, a git history. */
export interface Source {
  fragments(signal?: AbortSignal): AsyncIterable<Fragment>;
}

export type Confidence = 'high' | 'medium' | 'low';

/** A detected secret. `secret` and `match` live in memory only; reports redact them unless told not to. */
export interface Finding {
  readonly ruleId: string;
  readonly description: string;
  readonly tags: readonly string[];
  /** Same as the fragment's path. */
  readonly file: string;
  /** 1-based line of the first byte of the reported span. */
  readonly startLine: number;
  readonly endLine: number;
  /** 1-based column, counted in characters (Unicode code points), of the span's first character. */
  readonly startColumn: number;
  /** 1-based column of the span's last character (inclusive, as gitleaks reports it). */
  readonly endColumn: number;
  /** The secret (the rule's secretGroup, or the whole match). */
  readonly secret: string;
  /** The whole regex match. */
  readonly match: string;
  /** Shannon entropy of `secret`, bits per character. */
  readonly entropy: number;
  /** Keyed hash of rule id + secret: position-independent. Format `lw2:<hex>` (scrypt; see core/fingerprint.ts). */
  readonly fingerprint: string;
  readonly commit?: CommitInfo;
  /** Image scans: the image and layer the finding is in (`file` is the path inside the layer). */
  readonly image?: ImageLocation;
  /** Byte span of the reported text in the fragment's content (the encoded span for decoded finds). */
  readonly span: Span;
  /** Decodings applied, outermost first, when the secret was found in decoded text (e.g. ['base64']). */
  readonly decodedBy?: readonly string[];
  readonly confidence?: Confidence;
  /** How sure and how bad (core/severity.ts): high, medium or low. */
  readonly severity?: 'high' | 'medium' | 'low';
  /** Set by live verification (`--verify`, src/verify) only: whether the credential works. Never set by the scanner. */
  readonly verification?: Verification;
}

/** `verified`: the provider accepted the credential; `invalid`: it rejected it; `unknown`: could not tell. */
export type VerificationStatus = 'verified' | 'invalid' | 'unknown';

/** The outcome of one live check of a finding's credential. Holds no secret. */
export interface Verification {
  readonly status: VerificationStatus;
  /** Who the credential belongs to, as the provider names it (user, account, key name, ARN), when it says. */
  readonly identity?: string;
  /** ISO 8601 time of the check (of the cached check, when the result came from the cache). */
  readonly checkedAt: string;
  /** Provider checked (e.g. `github`), when the rule has a verifier. */
  readonly provider?: string;
  /** Why the result is `unknown` or `invalid`, in a few words (never the secret). */
  readonly reason?: string;
}

/** One allowlist, as gitleaks defines it (global `[[allowlists]]`, or per rule). */
export interface AllowlistSpec {
  readonly description?: string;
  /** How the checks combine: OR (default, any check allows) or AND (all present checks must allow). */
  readonly condition?: 'OR' | 'AND';
  readonly regexes?: readonly string[];
  /** What `regexes` test: the secret (default), the whole match, or the whole line. */
  readonly regexTarget?: 'secret' | 'match' | 'line';
  readonly stopwords?: readonly string[];
  /** Regexes over the file path. */
  readonly paths?: readonly string[];
  readonly commits?: readonly string[];
  /** Global allowlists only: restrict to these rule ids. */
  readonly targetRules?: readonly string[];
}

export type RuleExample = string | { readonly text: string; readonly secret: string };

/** A rule as written in TOML (gitleaks fields plus leakward's extensions). */
export interface RuleSpec {
  readonly id: string;
  readonly description?: string;
  /** RE2 syntax. */
  readonly regex?: string;
  /** Capture group holding the secret; default: the first group that matched, else the whole match. */
  readonly secretGroup?: number;
  /** Lower-cased literals; the rule runs only near one of them. */
  readonly keywords?: readonly string[];
  /** Minimum Shannon entropy of the secret. */
  readonly entropy?: number;
  /** Regex over the file path; alone, it makes a path-only rule. */
  readonly path?: string;
  readonly tags?: readonly string[];
  readonly allowlists?: readonly AllowlistSpec[];
  /** Named validator (e.g. a checksum) the secret must pass; see core/validators. */
  readonly validate?: string;
  /** `high`: precise enough to mask unregistered matches in live logs. */
  readonly confidence?: Confidence;
  /** Severity of the rule's findings; derived when absent (core/severity.ts). */
  readonly severity?: 'high' | 'medium' | 'low';
  readonly examples?: { readonly positive?: readonly RuleExample[]; readonly negative?: readonly string[] };
  /** Where the rule was defined, for error messages. */
  readonly origin?: { readonly file: string; readonly line: number };
}

/** A loaded configuration: the rules to run and what to ignore. */
export interface Config {
  readonly rules: readonly RuleSpec[];
  /** Global allowlists (`[allowlist]` and `[[allowlists]]`). */
  readonly allowlists: readonly AllowlistSpec[];
  /** Files the config was read from, outermost first (for messages). */
  readonly files: readonly string[];
  /** Warnings met while loading (e.g. unknown keys in a .gitleaks.toml). */
  readonly warnings: readonly string[];
}
