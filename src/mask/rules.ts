/**
 * Rule policy for the masker: which unregistered secrets are masked anyway, as MaskRule plug-ins
 * (the mechanism is in engine.ts). Each rule documents its trigger, its hold-back cap and how it decides.
 *
 * | rule                    | trigger        | cap     | decided at                          | on cap / end          |
 * |-------------------------|----------------|---------|-------------------------------------|-----------------------|
 * | jwt-hs-registered       | `eyJ`          | 8 KiB   | first byte outside `[A-Za-z0-9_=.-]`| matched as is         |
 * | private-key-block       | `-----BEGIN`   | 16 KiB  | end of the `-----END …-----` marker | masked whole (closed) |
 * | url-credentials         | `://`          | 1 KiB   | `@`, or the end of the authority    | matched as is         |
 * | high-confidence (pack)  | rule keywords  | engine's `maxHighConfidenceMatch` (≤ 16 KiB) | next line break | matched as is |
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { MaskRule, RelSpan } from './engine.js';
import type { SecretRegistry } from './registry.js';

const KIB = 1024;

// Byte tests written by hand: scanned content never meets a JavaScript RegExp (CONTRACT hard rule).
const isB64Url = (c: number): boolean =>
  (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f;

const HS: Record<string, string> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };

/**
 * A JWT (`header.payload.signature`) whose HS256/384/512 signature verifies with a registered secret is
 * masked whole, even though nobody registered the token itself.
 */
export function jwtRule(registry: SecretRegistry): MaskRule {
  return {
    id: 'jwt-hs-registered',
    triggers: ['eyJ'],
    cap: 8 * KIB,
    decide(w) {
      for (let i = 3; i < w.length; i++) {
        const c = w[i]!;
        if (!isB64Url(c) && c !== 0x2e && c !== 0x3d) return i;
      }
      return -1;
    },
    match(w): RelSpan[] {
      if (registry.size === 0) return [];
      const d1 = w.indexOf(0x2e);
      const d2 = d1 < 0 ? -1 : w.indexOf(0x2e, d1 + 1);
      if (d2 < 0) return [];
      let end = w.indexOf(0x2e, d2 + 1);
      if (end < 0) end = w.length;
      const sig = w.subarray(d2 + 1, end).toString('latin1');
      let header: unknown;
      try {
        header = JSON.parse(Buffer.from(w.subarray(0, d1).toString('latin1'), 'base64url').toString('utf8'));
      } catch {
        return [];
      }
      const alg = typeof header === 'object' && header !== null ? (header as { alg?: unknown }).alg : undefined;
      const hash = typeof alg === 'string' ? HS[alg] : undefined;
      if (!hash || sig.length === 0) return [];
      let want: Buffer;
      try {
        want = Buffer.from(sig.replaceAll('=', ''), 'base64url');
      } catch {
        return [];
      }
      const signed = w.subarray(0, d2);
      for (const secret of registry.secrets()) {
        const got = createHmac(hash, secret).update(signed).digest();
        if (got.length === want.length && timingSafeEqual(got, want)) return [[0, end]];
      }
      return [];
    },
  };
}

const BEGIN = Buffer.from('-----BEGIN');
const END = Buffer.from('-----END');
const DASHES = Buffer.from('-----');
const PRIVATE_KEY = Buffer.from('PRIVATE KEY');

/**
 * A PEM/OpenSSH/PGP private-key block, from `-----BEGIN … PRIVATE KEY…` to the end of its `-----END …-----`
 * marker, masked as one span. A block with no END marker within 16 KiB is masked up to the cap (fail closed).
 */
export const privateKeyRule: MaskRule = {
  id: 'private-key-block',
  triggers: [BEGIN.toString()],
  cap: 16 * KIB,
  failClosed: true,
  decide(w) {
    // The header is `-----BEGIN …-----`; the block may use real line breaks or escaped ones (`\n` in JSON).
    const close = w.indexOf(DASHES, BEGIN.length);
    const lf = w.indexOf(0x0a);
    if (close < 0 || (lf >= 0 && lf < close)) return lf >= 0 ? lf : -1; // not a header we know: decided at its line end
    const headerEnd = close + DASHES.length;
    if (w.subarray(0, headerEnd).indexOf(PRIVATE_KEY) < 0) return headerEnd; // a certificate or public key
    const e = w.indexOf(END, headerEnd);
    if (e < 0) return -1;
    const endClose = w.indexOf(DASHES, e + END.length);
    const endLf = w.indexOf(0x0a, e + END.length);
    if (endClose >= 0 && (endLf < 0 || endClose < endLf)) return endClose + DASHES.length;
    return endLf >= 0 ? endLf : -1;
  },
  match(w) {
    const close = w.indexOf(DASHES, BEGIN.length);
    if (close < 0) return [];
    const headerEnd = close + DASHES.length;
    if (w.subarray(0, headerEnd).indexOf(PRIVATE_KEY) < 0) return [];
    return w.indexOf(END, headerEnd) >= 0 ? [[0, w.length]] : [];
  },
};

const endsAuthority = (c: number): boolean =>
  c <= 0x20 || c === 0x2f || c === 0x3f || c === 0x23 || c === 0x22 || c === 0x27 || c === 0x3c || c === 0x3e ||
  c === 0x5c || c === 0x60 || c === 0x7b || c === 0x7d || c === 0x7c || c === 0x5b || c === 0x5d || c === 0x7f;

/**
 * Credentials in a URL's authority: `scheme://user:PASSWORD@host` masks the password;
 * `scheme://TOKEN@host` masks a user part of 20 bytes or more (tokens used as user names).
 */
export const urlCredentialsRule: MaskRule = {
  id: 'url-credentials',
  triggers: ['://'],
  cap: 1 * KIB,
  decide(w) {
    for (let i = 3; i < w.length; i++) {
      const c = w[i]!;
      if (c === 0x40) return i + 1;
      if (endsAuthority(c)) return i;
    }
    return -1;
  },
  match(w) {
    const at = w.lastIndexOf(0x40);
    if (at < 0 || w.length !== at + 1) return [];
    const colon = w.indexOf(0x3a, 3);
    if (colon >= 0 && colon < at) return at > colon + 1 ? [[colon + 1, at]] : [];
    return at - 3 >= 20 ? [[3, at]] : [];
  },
};

/** What the masker needs from the engine's scanner (src/core/scanner.ts: `Scanner`). */
export interface HighConfidenceMatcher {
  /** Secret spans of rules with `confidence = "high"` in buf. */
  matchSpans(buf: Buffer): readonly { readonly start: number; readonly end: number }[];
  /** Longest span any high-confidence rule can match. */
  readonly maxHighConfidenceMatch: number;
}

/**
 * Bytes a keyword in the middle of a token may have before it: the characters that precede the keyword inside
 * the pack's own positive examples (OpenAI `…T3BlbkFJ…`, Mailchimp `…-us12`, webhook URLs `https://…`):
 * `A–Z a–z 0–9 - . _ / :`. Kept narrow: the trailing run of these bytes is held back at the end of every write.
 */
export const isLookbehindByte = (c: number): boolean =>
  (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x3a) || c === 0x5f || c === 0x2d ||
  c === 0x2e || c === 0x2f;

/**
 * Where a token candidate ends: whitespace and control bytes, quotes, brackets and braces, `< > \\ | , ;`.
 * Broader than the look-behind set: secrets such as Django's `django-insecure-…` keys contain `( ) ! ^ * # %`.
 */
export const endsToken = (c: number): boolean =>
  c <= 0x20 || c === 0x7f || c === 0x22 || c === 0x27 || c === 0x60 || c === 0x3c || c === 0x3e || c === 0x5c ||
  c === 0x7c || c === 0x7b || c === 0x7d || c === 0x5b || c === 0x5d || c === 0x2c || c === 0x3b;

/** Cap of a token candidate (bytes from the token's start). */
export const TOKEN_CAP = 2 * KIB;
/**
 * Shortest token worth handing to the engine: no high-confidence secret in the pack is shorter (the shortest
 * positive example's secret has 17 bytes; rules.test.ts checks every example), and most keyword hits in logs
 * are words like `path` or `compat`. Saves a regex pass per such word.
 */
export const MIN_TOKEN = 16;
/** How far a keyword may sit inside its token (keywords such as OpenAI's `t3blbkfj` are not prefixes). */
export const TOKEN_LOOKBEHIND = 256;

/**
 * Plugs the engine's high-confidence rules in. Triggers are the rules' keywords (any case); the candidate
 * window is the token around the keyword: back over up to 256 look-behind bytes, forward to the first byte
 * that ends a token (endsToken; or 2 KiB: the cap). Its spans are whatever `matchSpans` finds in it (windows shorter
 * than `minToken` bytes are skipped: MIN_TOKEN for the built-in pack). Keywords with
 * spaces (private-key headers) are left to privateKeyRule, which holds a whole block.
 */
export function scannerRule(matcher: HighConfidenceMatcher, keywords: readonly string[], minToken = 0): MaskRule | undefined {
  const triggers = [...new Set(keywords.map((k) => k.toLowerCase()))].filter((k) => k.length > 0 && ![...k].some((ch) => ch.charCodeAt(0) <= 0x20));
  if (triggers.length === 0) return undefined;
  return {
    id: 'high-confidence',
    triggers,
    lookbehind: { max: TOKEN_LOOKBEHIND, accepts: isLookbehindByte },
    cap: Math.max(64, Math.min(TOKEN_CAP, matcher.maxHighConfidenceMatch)),
    ...(minToken > 0 ? { shortReject: { minLength: minToken, ends: endsToken } } : {}),
    decide(w, t) {
      for (let i = t; i < w.length; i++) if (endsToken(w[i]!)) return i;
      return -1;
    },
    match(w) {
      if (w.length < minToken) return [];
      return matcher.matchSpans(w).map((m) => [m.start, m.end] as const);
    },
  };
}
