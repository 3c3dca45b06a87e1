/**
 * Named validators a rule can require with `validate = "<name>"` (checksums and structure checks).
 * A secret that fails its rule's validator is not reported.
 *
 * Each validator gets the rule's secret (its `secretGroup`, else the whole match) and answers whether the
 * value has the provider's documented structure. Only formats whose checksum or structure is documented
 * by the issuer (or readable in the issuer's own open-source generator) live here; each entry names its source.
 * Validators run only on regex matches (short, bounded strings), never on whole fragments.
 */
export type Validator = (secret: string) => boolean;

// ---------------------------------------------------------------------------------------------------------
// Shared primitives

const CRC_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, the zlib / Go `crc32.ChecksumIEEE` one) of the UTF-8 bytes of `s`. */
export function crc32(s: string | Uint8Array): number {
  const bytes = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** GMP ("lexicographic") Base62 alphabet, the one GitHub and npm use. */
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `n` (a non-negative integer) in base 62, left-padded with '0' to `width` characters. */
export function base62(n: number, width: number): string {
  let out = '';
  let v = n;
  while (v > 0) {
    out = BASE62[v % 62]! + out;
    v = Math.floor(v / 62);
  }
  return out.padStart(width, '0');
}

// Character tests written by hand: secrets come from scanned content, which never meets a JavaScript RegExp
// (CONTRACT hard rule).
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isUpper = (c: number): boolean => c >= 0x41 && c <= 0x5a;
const isLower = (c: number): boolean => c >= 0x61 && c <= 0x7a;
const isAlnum = (c: number): boolean => isDigit(c) || isUpper(c) || isLower(c);
const isB64 = (c: number): boolean => isAlnum(c) || c === 0x2b || c === 0x2f || c === 0x2d || c === 0x5f; // + / - _
const isLowerHex = (c: number): boolean => isDigit(c) || (c >= 0x61 && c <= 0x66);

function every(s: string, test: (c: number) => boolean): boolean {
  for (let i = 0; i < s.length; i++) if (!test(s.charCodeAt(i))) return false;
  return true;
}

/** Base64 or base64url text (padding optional) → bytes, or undefined when it is not well-formed. */
function decodeBase64(text: string): Buffer | undefined {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0x3d && text.length - end < 2) end--;
  const body = text.slice(0, end);
  if (body.length === 0 || body.length % 4 === 1 || !every(body, isB64)) return undefined;
  return Buffer.from(body, body.includes('-') || body.includes('_') ? 'base64url' : 'base64');
}

function parseJsonObject(bytes: Buffer | undefined): Record<string, unknown> | undefined {
  if (!bytes) return undefined;
  const text = bytes.toString('utf8');
  if (text.includes('\uFFFD')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Validators

/**
 * GitHub classic tokens (`ghp_ gho_ ghu_ ghs_ ghr_`) and npm tokens (`npm_`): 30 Base62 characters of entropy,
 * then the CRC-32 of those 30 characters as 6 Base62 characters (GMP alphabet, big-endian, '0'-padded).
 * Source: GitHub blog "Behind GitHub's new authentication token formats" (2021-04-05) and "npm has a new
 * access token format" (2021-09-23); cross-checked against Samsung/CredSweeper ValueGitHubCheck and
 * therootcompany/base62-token.js (whose test suite verifies 20 real, revoked GitHub tokens).
 */
function base62Crc32Token(secret: string): boolean {
  const sep = secret.lastIndexOf('_');
  const body = secret.slice(sep + 1);
  if (body.length !== 36 || !every(body, isAlnum)) return false;
  return base62(crc32(body.slice(0, 30)), 6) === body.slice(30);
}

/**
 * GitLab routable tokens (`glpat-…`, `glrt-t1_…`, GitLab 17.x+): `<prefix><base64url payload>.<version>.<len><crc>`;
 * the last 7 characters are `Zlib.crc32` of everything before them, in base 36, '0'-padded.
 * Source: gitlab-org/gitlab `lib/authn/token_field/generator/routable_token.rb` and
 * `spec/support/matchers/token_authenticatable_matchers.rb`.
 */
function gitlabRoutableCrc32(secret: string): boolean {
  if (secret.length < 8) return false;
  const crc = secret.slice(-7);
  if (!every(crc, (c) => isDigit(c) || isLower(c))) return false;
  return crc32(secret.slice(0, -7)).toString(36).padStart(7, '0') === crc;
}

/**
 * Grafana service-account tokens `glsa_<32 chars>_<8 hex>`: the hex is CRC-32 of `glsa_<32 chars>`, written as its
 * four bytes little-endian. Source: grafana/grafana `pkg/components/satokengen/tokengen.go` (and its test vector
 * `glsa_iNValIdinValiDinvalidinvalidinva_5b582697`). leakward:allow (a published test vector)
 */
function grafanaServiceAccountCrc32(secret: string): boolean {
  const last = secret.lastIndexOf('_');
  const first = secret.indexOf('_');
  if (!secret.startsWith('gl') || first < 3 || last - first !== 33) return false;
  const key = secret.slice(0, last);
  const checksum = secret.slice(last + 1);
  if (checksum.length !== 8 || !every(checksum, isLowerHex) || !every(key.slice(first + 1), isAlnum)) return false;
  const le = Buffer.alloc(4);
  le.writeUInt32LE(crc32(key), 0);
  return le.toString('hex') === checksum;
}

/** Reads one LEB128 varint at `pos`; returns [value, next position] or undefined. */
function readVarint(buf: Buffer, pos: number): [number, number] | undefined {
  let value = 0;
  let shift = 0;
  for (let i = pos; i < buf.length && shift < 28; i++) {
    const b = buf[i]!;
    value |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [value >>> 0, i + 1];
    shift += 7;
  }
  return undefined;
}

/** ≥ 50 characters mixing upper, lower and digits, with ≥ 20 distinct characters (no placeholder runs). */
function randomTokenTail(tail: string): boolean {
  if (tail.length < 50) return false;
  let up = false;
  let lo = false;
  let dg = false;
  const seen = new Set<number>();
  for (let i = 0; i < tail.length; i++) {
    const c = tail.charCodeAt(i);
    up ||= isUpper(c);
    lo ||= isLower(c);
    dg ||= isDigit(c);
    seen.add(c);
  }
  return up && lo && dg && seen.size >= 20;
}

/**
 * PyPI API tokens: `pypi-` + base64url of a version-2 binary macaroon whose location is `pypi.org` (or
 * `test.pypi.org`). We parse the whole macaroon: version byte 2, location (field 1), identifier (field 2), EOS,
 * caveats (each [location] identifier [vid] EOS), EOS, then a 32-byte signature (field 6).
 * Source: PyPI help "API tokens" (tokens are macaroons, prefixed `pypi-`); libmacaroons / pymacaroons v2 binary
 * format (field tags EOS=0, LOCATION=1, IDENTIFIER=2, VID=4, SIGNATURE=6, lengths as varints).
 */
function pypiMacaroon(secret: string): boolean {
  if (!secret.startsWith('pypi-')) return false;
  // gitleaks' own generator (and many fixtures) follow the documented prefix with random base64url instead of a
  // macaroon: the base64 character after the location then does not encode the identifier tag 2 ('C' after
  // "AgEIcHlwaS5vcmc", one of 'I'..'L' after "AgENdGVzdC5weXBpLm9yZw"). Such a value is no truncated or hand-edited
  // macaroon, so judge it like any random token: long and mixed enough.
  const testPypi = secret.startsWith('pypi-AgENdGVzdC5weXBpLm9yZw');
  if (testPypi || secret.startsWith('pypi-AgEIcHlwaS5vcmc')) {
    const tail = secret.slice(testPypi ? 27 : 20);
    const tagChar = tail.charCodeAt(0);
    const macaroonNext = testPypi ? tagChar >= 0x49 && tagChar <= 0x4c : tagChar === 0x43;
    if (!macaroonNext) return randomTokenTail(tail);
  }
  const buf = decodeBase64(secret.slice(5));
  if (!buf || buf.length < 4 || buf[0] !== 2) return false;
  let pos = 1;
  const field = (): [number, Buffer] | undefined => {
    if (pos >= buf.length) return undefined;
    const tag = buf[pos]!;
    if (tag === 0) {
      pos += 1;
      return [0, Buffer.alloc(0)];
    }
    const len = readVarint(buf, pos + 1);
    if (!len || len[1] + len[0] > buf.length) return undefined;
    const data = buf.subarray(len[1], len[1] + len[0]);
    pos = len[1] + len[0];
    return [tag, data];
  };
  // Header: location, identifier, EOS.
  const loc = field();
  if (!loc || loc[0] !== 1) return false;
  const location = loc[1].toString('latin1');
  if (location !== 'pypi.org' && location !== 'test.pypi.org') return false;
  const id = field();
  if (!id || id[0] !== 2 || id[1].length === 0) return false;
  const eos = field();
  if (!eos || eos[0] !== 0) return false;
  // Caveats until an empty section (EOS straight away).
  for (let guard = 0; guard < 256; guard++) {
    let f = field();
    if (!f) return false;
    if (f[0] === 0) {
      // End of caveats; the signature follows.
      const sig = field();
      return sig !== undefined && sig[0] === 6 && sig[1].length === 32 && pos === buf.length;
    }
    if (f[0] === 1) f = field();
    if (!f || f[0] !== 2) return false;
    f = field();
    if (f && f[0] === 4) f = field();
    if (!f || f[0] !== 0) return false;
  }
  return false;
}

/**
 * Sentry organization auth tokens `sntrys_<base64 JSON>_<secret>`: the JSON payload carries a truthy `iat`.
 * Source: getsentry/sentry `src/sentry/utils/security/orgauthtoken_token.py` (`parse_token`).
 */
function sentryOrgToken(secret: string): boolean {
  if (!secret.startsWith('sntrys_')) return false;
  const last = secret.lastIndexOf('_');
  if (last <= 7) return false;
  const payload = parseJsonObject(decodeBase64(secret.slice(7, last)));
  return payload !== undefined && Boolean(payload['iat']);
}

/**
 * Tokens that are (an optional `word_` prefix plus) base64 of a JSON object: 1Password service-account tokens
 * (`ops_eyJ…`), Grafana Cloud tokens (`glc_eyJ…`), legacy Grafana API keys (`eyJrIjoi…`, `{"k":…}`).
 * Structure check only: the decoded text must be a JSON object with at least one of `keys`.
 */
function base64JsonWithKeys(keys: readonly string[]): Validator {
  return (secret) => {
    // Strip a lower-case `word_` prefix (`ops_`, `glc_`); legacy Grafana keys have none.
    const sep = secret.indexOf('_');
    const prefixed = sep > 0 && every(secret.slice(0, sep), (c) => isLower(c) || isDigit(c));
    const obj = parseJsonObject(decodeBase64(prefixed ? secret.slice(sep + 1) : secret));
    return obj !== undefined && keys.some((k) => k in obj);
  };
}

const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

/**
 * Bech32 checksum (BIP-173 polymod = 1, no 90-character limit), as age uses for `AGE-SECRET-KEY-1…`.
 * Source: age specification (C2SP age.md, "X25519 recipient type": secret keys are Bech32 with HRP
 * `AGE-SECRET-KEY-`) and BIP-173.
 */
function bech32(secret: string): boolean {
  const s = secret.toLowerCase();
  if (s !== secret && secret.toUpperCase() !== secret) return false; // mixed case is invalid Bech32
  const sep = s.lastIndexOf('1');
  if (sep < 1 || sep + 7 > s.length) return false;
  const hrp = s.slice(0, sep);
  const values: number[] = [];
  for (let i = 0; i < hrp.length; i++) values.push(hrp.charCodeAt(i) >> 5);
  values.push(0);
  for (let i = 0; i < hrp.length; i++) values.push(hrp.charCodeAt(i) & 31);
  for (let i = sep + 1; i < s.length; i++) {
    const v = BECH32.indexOf(s[i]!);
    if (v < 0) return false;
    values.push(v);
  }
  const GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GEN[i]!;
  }
  return chk === 1;
}

/**
 * Docker `config.json` `"auth"` values: base64 of `username:password`, both parts non-empty printable text.
 * Source: Docker docs, "docker login" / credentials store (`auths.<registry>.auth` is base64(`user:password`)).
 */
function dockerAuth(secret: string): boolean {
  const buf = decodeBase64(secret);
  if (!buf) return false;
  const text = buf.toString('utf8');
  if (text.length === 0 || !every(text, (c) => c >= 0x20 && c <= 0x7e)) return false;
  const colon = text.indexOf(':');
  return colon > 0 && colon < text.length - 1;
}

/**
 * Discord bot tokens `<base64 user id>.<timestamp>.<hmac>`: the first segment base64-decodes to the bot's
 * numeric snowflake id (17-20 digits). Source: Discord developer docs (snowflake ids) and the token layout
 * used by Discord's own token-scanning partnership (first part = base64 of the user id).
 */
function discordBotToken(secret: string): boolean {
  const first = secret.split('.')[0] ?? '';
  const buf = decodeBase64(first);
  const id = buf?.toString('latin1') ?? '';
  return id.length >= 17 && id.length <= 20 && id[0] !== '0' && every(id, isDigit);
}

// ---------------------------------------------------------------------------------------------------------
// patterns-generic entries (jwt.toml, auth-headers.toml). Appended as one block; owner of this file: patterns-providers.

/**
 * JSON Web Tokens (RFC 7519, JWS compact form `header.payload.signature`): the header is base64url JSON with a string
 * `alg` other than "none", the payload is a JSON object, the signature is non-empty. Supabase "anon" keys (payload
 * `"role": "anon"`) are public by design (shipped to browsers) and fail.
 */
function jwtStructure(secret: string): boolean {
  const parts = secret.split('.');
  if (parts.length !== 3 || parts[2]!.length < 16) return false;
  const header = parseJsonObject(decodeBase64(parts[0]!));
  const alg = header?.['alg'];
  if (typeof alg !== 'string' || alg.toLowerCase() === 'none') return false;
  const payload = parseJsonObject(decodeBase64(parts[1]!));
  return payload !== undefined && payload['role'] !== 'anon';
}

/**
 * HTTP Basic credentials (RFC 7617): base64 of `user:password`, printable, both parts non-empty, and not a
 * documentation pair (`user:password`, `admin:admin`, `username:password`, user equal to password).
 */
function httpBasicCredentials(secret: string): boolean {
  const text = decodeBase64(secret)?.toString('utf8') ?? '';
  if (text.length < 3 || !every(text, (c) => c >= 0x20 && c <= 0x7e)) return false;
  const colon = text.indexOf(':');
  if (colon <= 0 || colon >= text.length - 1) return false;
  const user = text.slice(0, colon).toLowerCase();
  const password = text.slice(colon + 1).toLowerCase();
  const placeholders = ['password', 'pass', 'passwd', 'secret', 'changeme', 'admin', 'test', 'user', 'username', 'pwd'];
  return password !== user && !placeholders.includes(password) && password.length >= 4;
}

// ---------------------------------------------------------------------------------------------------------
// Generic rules' value check (detection QA). Appended as one block.

/** Words that make decoded text a documentation placeholder ("isaacs:not my real password"). */
const ENCODED_PLACEHOLDER_WORDS = ['password', 'passwd', 'not my real', 'not a real', 'notreal', 'example', 'sample', 'dummy',
  'placeholder', 'changeme', 'secret', 'your_', 'your-', 'xxxx', 'test', 'fake', 'user:pass', 'username'];

/**
 * Generic assignment values (generic-api-key, generic-password): a value that is well-formed Base64 of printable text
 * (so an encoded phrase, not random key bytes) is rejected when that text is a placeholder, e.g. npm's README
 * `auth: 'aXNhYWNzOm5vdCBteSByZWFsIHBhc3N3b3Jk'` (= "isaacs:not my real password"). Everything else passes: this
 * validator only removes candidates, it never requires a structure.
 */
function genericValue(secret: string): boolean {
  if (secret.length < 12) return true;
  const bytes = decodeBase64(secret);
  if (!bytes || bytes.length < 8) return true;
  const text = bytes.toString('latin1');
  if (!every(text, (c) => c >= 0x20 && c <= 0x7e)) return true;
  const lower = text.toLowerCase();
  if (ENCODED_PLACEHOLDER_WORDS.some((w) => lower.includes(w))) return false;
  // an encoded phrase of lower-case words ("a-git-token", "another token"): a test word, not key bytes or user:pass
  return !every(text, (c) => (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x20 || c === 0x5f);
}

/** Cloudflare cfk_/cfut_/cfat_: 40 Base62 characters, then their CRC32 as 8 lower-case hex digits. */
function cloudflareCrc32(secret: string): boolean {
  const u = secret.indexOf('_');
  const body = secret.slice(u + 1, u + 41);
  const sum = secret.slice(u + 41);
  if (u < 0 || body.length !== 40 || sum.length !== 8 || !every(body, isAlnum) || !every(sum, isLowerHex)) return false;
  return (crc32(body) >>> 0).toString(16).padStart(8, '0') === sum;
}

/**
 * A PKCS#12 container (path-only rule; the "secret" is the file's bytes as latin1): DER `SEQUENCE` whose length fits
 * the file (BER indefinite length accepted), then `INTEGER 3` (the PFX version). A 0-byte, random or truncated
 * file fails; a real one passes whatever its password.
 */
export function isPkcs12Der(b: Uint8Array): boolean {
  if (b.length < 8 || b[0] !== 0x30) return false;
  const l0 = b[1]!;
  let i = 2;
  let len = -1; // indefinite
  if (l0 < 0x80) len = l0;
  else if (l0 > 0x80) {
    const n = l0 & 0x7f;
    if (n > 4 || b.length < 2 + n) return false;
    len = 0;
    for (let k = 0; k < n; k++) len = len * 256 + b[2 + k]!;
    i = 2 + n;
  }
  if (len >= 0 && i + len > b.length) return false;
  return b[i] === 0x02 && b[i + 1] === 0x01 && b[i + 2] === 0x03;
}

export const validators: Readonly<Record<string, Validator>> = {
  'cloudflare-crc32': cloudflareCrc32,
  'pkcs12-der': (s) => isPkcs12Der(Buffer.from(s, 'latin1')),
  'generic-value': genericValue,
  'github-crc32': base62Crc32Token,
  'npm-crc32': base62Crc32Token,
  'gitlab-routable-crc32': gitlabRoutableCrc32,
  'grafana-sa-crc32': grafanaServiceAccountCrc32,
  'pypi-macaroon': pypiMacaroon,
  'sentry-org-token': sentryOrgToken,
  'onepassword-sa-token': base64JsonWithKeys(['signInAddress', 'email', 'deviceUuid', 'userAuth']),
  'grafana-cloud-token': base64JsonWithKeys(['o', 'n', 'k']),
  'grafana-api-key': base64JsonWithKeys(['k']),
  'age-bech32': bech32,
  'base64-user-password': dockerAuth,
  'discord-bot-token': discordBotToken,
  // patterns-generic
  'jwt': jwtStructure,
  'http-basic-credentials': httpBasicCredentials,
};

export function getValidator(name: string): Validator | undefined {
  return Object.prototype.hasOwnProperty.call(validators, name) ? validators[name] : undefined;
}
