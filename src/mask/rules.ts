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
 *
 * Trigger checks (MaskRule.triggerChecks), run in the engine's skip loop where a trigger begins: url-credentials
 * rejects a `://` whose authority ends before any `@`; the pack rule rejects a keyword occurrence whose following
 * bytes fail every tail its rules' regexes require (keywordTail/keywordChecks, derived from the pack, e.g. Airtable
 * `pat[a-zA-Z0-9]{14}\.`), or where the whole keyword is not there.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { MaskRule, RelSpan, TriggerCheck } from './engine.js';
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
 * User names and passwords that are fixed words of a provider's token scheme, not secrets: in
 * `https://<token>:x-oauth-basic@github.com` the token is the user part. Compared ignoring ASCII case.
 */
export const URL_CREDENTIAL_CONSTANTS: readonly string[] = [
  'x-oauth-basic', 'x-access-token', 'x-token-auth', 'oauth2', 'oauth2accesstoken', 'oauth', 'gitlab-ci-token',
  'x-api-key', 'api', 'apikey', 'token', 'bearer', 'basic', 'pat', 'git', 'x',
];
const CONSTANTS = new Set(URL_CREDENTIAL_CONSTANTS);
const isConstant = (w: Buffer, a: number, b: number): boolean => b - a <= 20 && CONSTANTS.has(w.toString('latin1', a, b).toLowerCase());

/**
 * Credentials in a URL's authority: `scheme://user:PASSWORD@host` masks the password (which may itself hold `@`:
 * the userinfo runs to the last `@` before the host); `scheme://TOKEN:x-oauth-basic@host` masks the token (the
 * other half is a known constant); `scheme://TOKEN@host` masks a user part of 20 bytes or more (tokens used as user
 * names). Decided at the end of the authority (`/`, `?`, `#`, whitespace, quotes …) or the 1 KiB cap.
 */
export const urlCredentialsRule: MaskRule = {
  id: 'url-credentials',
  triggers: ['://'],
  cap: 1 * KIB,
  decide(w) {
    for (let i = 3; i < w.length; i++) if (endsAuthority(w[i]!)) return i;
    return -1;
  },
  // decide/match on the bytes at hand: the authority ends before any `@` → no spans.
  triggerChecks: new Map([['://', (data: Buffer, t: number, to: number): boolean => {
    const lim = Math.min(to, t + 1 * KIB);
    for (let i = t + 3; i < lim; i++) {
      const c = data[i]!;
      if (c === 0x40) return false;
      if (endsAuthority(c)) return true;
    }
    return false;
  }]]),
  match(w) {
    let end = w.length;
    for (let i = 3; i < w.length; i++) {
      if (endsAuthority(w[i]!)) {
        end = i;
        break;
      }
    }
    const at = w.lastIndexOf(0x40, end - 1);
    if (at < 3) return [];
    const colon = w.indexOf(0x3a, 3);
    if (colon >= 0 && colon < at - 1) {
      if (isConstant(w, colon + 1, at) && !isConstant(w, 3, colon) && colon > 3) return [[3, colon]];
      return [[colon + 1, at]];
    }
    const user = colon >= 0 && colon < at ? colon : at;
    return user - 3 >= 20 && !isConstant(w, 3, user) ? [[3, user]] : [];
  },
};

/** A class of bytes at a fixed offset after a keyword, required `min` times in a row. */
interface TailStep {
  readonly cls: Uint8Array;
  readonly min: number;
}

/** Adds `\\w` (ASCII word bytes, RE2 without flags) or `\\d` to a byte set. */
function addShorthand(cls: Uint8Array, e: string): void {
  for (let c = 0x30; c <= 0x39; c++) cls[c] = 1;
  if (e !== 'w') return;
  for (let c = 0x41; c <= 0x5a; c++) cls[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) cls[c] = 1;
  cls[0x5f] = 1;
}

/** Byte set of a `[…]` class at src[i] (ranges, single ASCII chars, `\\.`-style escapes); undefined when unsure. */
function parseClass(src: string, i: number): { cls: Uint8Array; next: number } | undefined {
  const cls = new Uint8Array(256);
  let j = i + 1;
  if (src[j] === '^') return undefined;
  const atom = (): number | undefined => {
    const ch = src[j];
    if (ch === undefined) return undefined;
    if (ch === '\\') {
      const e = src[j + 1];
      if (e === undefined || /[A-Za-z0-9]/.test(e)) return undefined; // \x…, \s…: not handled here
      j += 2;
      return e.charCodeAt(0);
    }
    j++;
    return ch.charCodeAt(0);
  };
  while (j < src.length && src[j] !== ']') {
    if (src[j] === '\\' && (src[j + 1] === 'w' || src[j + 1] === 'd')) {
      addShorthand(cls, src[j + 1]!);
      j += 2;
      continue;
    }
    const a = atom();
    if (a === undefined || a >= 0x80) return undefined;
    if (src[j] === '-' && src[j + 1] !== ']') {
      j++;
      const b = atom();
      if (b === undefined || b >= 0x80 || b < a) return undefined;
      for (let c = a; c <= b; c++) cls[c] = 1;
    } else cls[a] = 1;
  }
  if (src[j] !== ']') return undefined;
  return { cls, next: j + 1 };
}

/**
 * What must follow `keyword` in every match of `regex` (pack regex source: trusted text, never stream content),
 * as fixed-offset byte classes: only when the keyword is a literal that every match contains (no alternation around
 * it, no optional group, one occurrence, no inline flags), e.g. Airtable's `pat[a-zA-Z0-9]{14}\.` → 14 alnum then `.`.
 * Undefined when the regex does not say so plainly.
 */
export function keywordTail(regex: string, keyword: string): TailStep[] | undefined {
  if (keyword.length === 0 || /\(\?[^:]/.test(regex) || !/^[a-z0-9_:/@=~-]+$/.test(keyword)) return undefined;
  // Find the keyword as literal text outside classes; track the enclosing groups.
  const stack: { open: number; alt: boolean }[] = [];
  let found = -1;
  let enclosing: number[] = [];
  let topAlt = false;
  const groups: { open: number; close: number; alt: boolean }[] = [];
  for (let i = 0; i < regex.length; i++) {
    const ch = regex[i]!;
    if (ch === '\\') {
      i++;
      continue;
    }
    if (ch === '[') {
      const c = parseClass(regex, i);
      if (!c) {
        let close = i + 1;
        if (regex[close] === '^') close++;
        if (regex[close] === ']') close++; // a leading `]` is literal
        while (close < regex.length && regex[close] !== ']') close += regex[close] === '\\' ? 2 : 1;
        if (close >= regex.length) return undefined;
        i = close;
      } else i = c.next - 1;
      continue;
    }
    if (ch === '{') {
      const close = regex.indexOf('}', i);
      if (close < 0) return undefined;
      i = close;
      continue;
    }
    if (ch === '(') stack.push({ open: i, alt: false });
    else if (ch === ')') {
      const g = stack.pop();
      if (!g) return undefined;
      groups.push({ open: g.open, close: i, alt: g.alt });
    } else if (ch === '|') {
      if (stack.length === 0) topAlt = true;
      else stack[stack.length - 1]!.alt = true;
    } else if (regex.startsWith(keyword, i)) {
      if (found >= 0) return undefined;
      found = i;
      enclosing = stack.map((g) => g.open);
    }
  }
  if (found < 0 || topAlt || stack.length > 0) return undefined;
  if (found > 0 && regex[found - 1] === '\\') return undefined;
  for (const open of enclosing) {
    const g = groups.find((x) => x.open === open)!;
    const q = regex[g.close + 1];
    if (g.alt || q === '?' || q === '*' || q === '{') return undefined;
  }
  const steps: TailStep[] = [];
  let j = found + keyword.length;
  if ('?*{+'.includes(regex[j] ?? '')) return undefined;
  while (j < regex.length) {
    let cls: Uint8Array;
    const ch = regex[j]!;
    if (ch === '[') {
      const c = parseClass(regex, j);
      if (!c) break;
      cls = c.cls;
      j = c.next;
    } else if (ch === '\\' && (regex[j + 1] === 'w' || regex[j + 1] === 'd')) {
      cls = new Uint8Array(256);
      addShorthand(cls, regex[j + 1]!);
      j += 2;
    } else if (ch === '\\' && regex[j + 1] !== undefined && /[.\-_/:@]/.test(regex[j + 1]!)) {
      cls = new Uint8Array(256);
      cls[regex.charCodeAt(j + 1)] = 1;
      j += 2;
    } else if (/[A-Za-z0-9_\-:@/=~]/.test(ch)) {
      cls = new Uint8Array(256);
      cls[ch.charCodeAt(0)] = 1;
      j++;
    } else break;
    const q = regex[j];
    if (q === '?' || q === '*') break;
    if (q === '+') {
      steps.push({ cls, min: 1 });
      break;
    }
    if (q === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(regex.slice(j));
      if (!m) break;
      const min = Number(m[1]);
      if (min > 0) steps.push({ cls, min });
      if (m[2] !== undefined && m[3] !== m[1]) break; // variable length: later offsets unknown
      j += m[0].length;
      continue;
    }
    steps.push({ cls, min: 1 });
  }
  return steps.length > 0 ? steps : undefined;
}

/**
 * Trigger checks for the scanner rule, derived from the pack: a keyword gets one when every high-confidence rule
 * listing it has a keywordTail; the check says "no window" when, at this occurrence, every such tail fails on the
 * bytes at hand (bytes not written yet never fail). Every match of those rules contains the keyword followed by
 * its tail, so a match elsewhere in the token has its own occurrence that passes and opens the window.
 */
export function keywordChecks(rules: readonly { readonly regex?: string; readonly keywords?: readonly string[] }[]): Map<string, TriggerCheck> {
  const byKeyword = new Map<string, TailStep[][] | null>();
  for (const r of rules) {
    for (const k of r.keywords ?? []) {
      const kw = k.toLowerCase();
      if (byKeyword.get(kw) === null) continue;
      const tail = r.regex !== undefined ? keywordTail(r.regex, kw) : undefined;
      if (!tail) byKeyword.set(kw, null);
      else byKeyword.set(kw, [...(byKeyword.get(kw) ?? []), tail]);
    }
  }
  const out = new Map<string, TriggerCheck>();
  for (const [kw, tails] of byKeyword) {
    if (!tails) continue;
    const len = Buffer.byteLength(kw);
    const kwBytes = Buffer.from(kw, 'utf8');
    out.set(kw, (data, t, to) => {
      // Not the keyword after all (the automaton matches its first four letters only): no window either.
      for (let j = 0; j < len; j++) {
        if (t + j >= to) return false;
        let c = data[t + j]!;
        if (c >= 0x41 && c <= 0x5a) c += 0x20;
        if (c !== kwBytes[j]) return true;
      }
      for (const tail of tails) {
        let p = t + len;
        let failed = false;
        for (const step of tail) {
          for (let n = 0; n < step.min && !failed; n++, p++) {
            if (p >= to) return false; // not enough bytes: this tail may still pass
            if (step.cls[data[p]!] === 0) failed = true;
          }
          if (failed) break;
        }
        if (!failed) return false;
      }
      return true;
    });
  }
  return out;
}

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
 * `A–Z a–z 0–9 - . _ / :`, and `@` (Sidekiq's `https://<key>:<key>@gems.contribsys.com`). Kept narrow: the trailing run of these bytes is held back at the end of every write.
 */
export const isLookbehindByte = (c: number): boolean =>
  (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x3a) || c === 0x5f || c === 0x2d ||
  c === 0x2e || c === 0x2f || c === 0x40;

/**
 * A rule-based mask covers the whole token, never a prefix or a suffix: a span is widened back over these bytes
 * (word characters and `-`: not `=` or `:`, which end the name of what the token is assigned to)…
 */
const widensBack = (c: number): boolean =>
  (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2d;
/** …and forward over these (also `. + / =`: Base64 bodies, padding, dotted token parts). */
const widensForward = (c: number): boolean => widensBack(c) || c === 0x2e || c === 0x2b || c === 0x2f || c === 0x3d;

/** Widens [s, e) within w to the token around it (see widensBack / widensForward). */
export function wholeToken(w: Buffer, s: number, e: number): RelSpan {
  while (s > 0 && widensBack(w[s - 1]!)) s--;
  while (e < w.length && widensForward(w[e]!)) e++;
  return [s, e];
}

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
export function scannerRule(matcher: HighConfidenceMatcher, keywords: readonly string[], minToken = 0,
  triggerChecks?: ReadonlyMap<string, TriggerCheck>): MaskRule | undefined {
  const triggers = [...new Set(keywords.map((k) => k.toLowerCase()))].filter((k) => k.length > 0 && ![...k].some((ch) => ch.charCodeAt(0) <= 0x20));
  if (triggers.length === 0) return undefined;
  return {
    id: 'high-confidence',
    triggers,
    lookbehind: { max: TOKEN_LOOKBEHIND, accepts: isLookbehindByte },
    cap: Math.max(64, Math.min(TOKEN_CAP, matcher.maxHighConfidenceMatch)),
    ...(minToken > 0 ? { shortReject: { minLength: minToken, ends: endsToken } } : {}),
    ...(triggerChecks ? { triggerChecks } : {}),
    decide(w, t) {
      for (let i = t; i < w.length; i++) if (endsToken(w[i]!)) return i;
      return -1;
    },
    match(w) {
      if (w.length < minToken) return [];
      return matcher.matchSpans(w).map((m) => wholeToken(w, m.start, m.end));
    },
  };
}
