/**
 * Masking policy (STYLE habit 6): which values count as secrets and which byte strings (forms) each one
 * turns into. The engine (automaton.ts, transform.ts) only ever sees the byte strings.
 *
 * Forms of a registered value V (trimmed of ASCII whitespace, at least 4 code points):
 * - V; if V has line breaks: V with LF breaks, V with CRLF breaks, and every line as a value of its own;
 * - Base64 of V's UTF-8 bytes for shifts k = 0, 1, 2 (first k bytes dropped): padded, unpadded, and the
 *   stable core (the first ⌊4m/3⌋ characters, computed only from the m remaining bytes), each also URL-safe.
 *   These go to the break-tolerant automaton (a LF or CRLF may sit between any two characters);
 * - URL: strict RFC 3986 percent-encoding (upper- and lower-case hex, each also with `+` for space),
 *   `encodeURIComponent(V)` and Python's `urllib.parse.quote(V)` (its default `safe='/'` leaves `/` as it is);
 * - JSON: `JSON.stringify(V)` without quotes, and the same with non-ASCII UTF-16 units as `\uxxxx`;
 * - the GitHub runner's quoting: XML escaping, `''` for `'`, `\"` for `"`;
 * - when V has one of `<>&'"`: Python's `html.escape` (`&#x27;`), `xml.sax.saxutils.escape` (quotes left raw) and
 *   numeric character references (`&#60;`, `&#x3C;`, `&#x3c;`).
 * Every form shorter than 4 code points is dropped. The runner's own list is in actions/runner
 * `src/Sdk/DTLogging/Logging/ValueEncoders.cs` (Base64 shifts, URI data, JSON, XML).
 */
import micromatch from 'micromatch';

/** Fewer code points than this after trimming: the value (and every form of it) is ignored. */
export const MIN_SECRET_CODE_POINTS = 4;
/** Values found only by an env-name pattern must be at least this long (and not a boolean or number). */
export const MIN_PATTERN_SECRET_LENGTH = 8;

/** A default env-name glob and the names it must not take (matched case-insensitively, as the globs). */
export interface SecretEnvGlob {
  readonly glob: string;
  readonly except?: readonly string[];
  /** Also skip values that are paths or URLs without credentials (names like `DEPLOY_KEY` often hold a key's path). */
  readonly notPathsOrUrls?: boolean;
}

/**
 * Env names whose values are registered by default. The exclusions keep well-known non-secrets out: the shell's
 * working directories, publishable/public keys, key ids, key file paths, cache keys, author names.
 */
export const DEFAULT_SECRET_ENV_GLOBS: readonly SecretEnvGlob[] = [
  { glob: '*TOKEN*' }, { glob: '*SECRET*' }, { glob: '*PASSWORD*' }, { glob: '*PASSWD*' }, { glob: '*PRIVATE_KEY*' },
  { glob: '*ACCESS_KEY*' }, { glob: '*API_KEY*' }, { glob: '*CREDENTIAL*' }, { glob: '*CONNECTION_STRING*' },
  { glob: '*PASS', notPathsOrUrls: true }, { glob: '*_PASS_*', notPathsOrUrls: true },
  { glob: '*PWD', except: ['PWD', 'OLDPWD'], notPathsOrUrls: true },
  {
    glob: '*_KEY',
    except: ['*_PUBLISHABLE_KEY', '*_PUBLIC_KEY', '*_KEY_ID', '*_KEY_PATH', '*_KEY_FILE', 'CACHE_KEY', '*_CACHE_KEY'],
    notPathsOrUrls: true,
  },
  { glob: '*_PAT', notPathsOrUrls: true }, { glob: '*AUTH_TOKEN*', notPathsOrUrls: true },
  { glob: '*_AUTH', except: ['*AUTHOR*'], notPathsOrUrls: true },
];

/** The default globs alone (what `--secret-env-pattern` replaces). */
export const DEFAULT_SECRET_ENV_PATTERNS: readonly string[] = DEFAULT_SECRET_ENV_GLOBS.map((g) => g.glob);

export interface SecretForms {
  /** Matched byte-exactly. */
  readonly literal: readonly string[];
  /** Base64 forms: matched with LF / CRLF allowed between any two characters. */
  readonly base64: readonly string[];
  /** EXTEND_LEFT / EXTEND_RIGHT of Base64 forms that have them. */
  readonly base64Flags?: ReadonlyMap<string, number>;
}

const codePoints = (s: string): number => {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
};

const isAsciiSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);

/** Trims leading/trailing ASCII whitespace; undefined when fewer than 4 code points remain. */
export function normalizeSecret(value: string): string | undefined {
  let a = 0;
  let b = value.length;
  while (a < b && isAsciiSpace(value.charCodeAt(a))) a++;
  while (b > a && isAsciiSpace(value.charCodeAt(b - 1))) b--;
  const v = value.slice(a, b);
  return codePoints(v) >= MIN_SECRET_CODE_POINTS ? v : undefined;
}

/** Splits on CRLF, LF or CR. */
const splitLines = (v: string): string[] => {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 10 || c === 13) {
      out.push(v.slice(start, i));
      if (c === 13 && v.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
  }
  out.push(v.slice(start));
  return out;
};

const hasBreak = (v: string): boolean => v.includes('\n') || v.includes('\r');

const UNRESERVED = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  const ch = String.fromCharCode(b);
  UNRESERVED[b] = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || '-._~'.includes(ch) ? 1 : 0;
}

/** Strict RFC 3986 percent-encoding of the UTF-8 bytes; `safe`: ASCII characters also left as they are. */
export function percentEncode(v: string, upper: boolean, plusForSpace: boolean, safe = ''): string {
  const hex = upper ? '0123456789ABCDEF' : '0123456789abcdef';
  let out = '';
  for (const b of Buffer.from(v, 'utf8')) {
    if (UNRESERVED[b] || (b < 0x80 && safe.includes(String.fromCharCode(b)))) out += String.fromCharCode(b);
    else if (b === 0x20 && plusForSpace) out += '+';
    else out += `%${hex[b >> 4]}${hex[b & 15]}`;
  }
  return out;
}

/** `JSON.stringify(v)` without its quotes; with `asciiOnly`, every non-ASCII UTF-16 unit as `\uxxxx`. */
export function jsonEscape(v: string, asciiOnly: boolean): string {
  const s = JSON.stringify(v).slice(1, -1);
  if (!asciiOnly) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c < 0x80 ? s[i] : `\\u${c.toString(16).padStart(4, '0')}`;
  }
  return out;
}

export const xmlEscape = (v: string): string =>
  v.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&apos;');

const HTML_SPECIAL = /[<>&'"]/;

/**
 * HTML/XML escapings of a value with `<>&'"`: Python's `html.escape` (`&#x27;` for `'`), `xml.sax.saxutils.escape`
 * (only `& < >`), and every character of the five as a decimal or hexadecimal (upper/lower case) reference.
 */
export function htmlEscapes(v: string): string[] {
  if (!HTML_SPECIAL.test(v)) return [];
  const sub = (table: Record<string, string>): string => {
    let out = '';
    for (const ch of v) out += table[ch] ?? ch;
    return out;
  };
  const chars = ['&', '<', '>', '"', "'"];
  const ref = (f: (c: number) => string): Record<string, string> => Object.fromEntries(chars.map((c) => [c, f(c.charCodeAt(0))]));
  return [
    sub({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;' }),
    sub({ '&': '&amp;', '<': '&lt;', '>': '&gt;' }),
    sub(ref((c) => `&#${c};`)),
    sub(ref((c) => `&#x${c.toString(16).toUpperCase()};`)),
    sub(ref((c) => `&#x${c.toString(16)};`)),
  ];
}

/** Flags of a Base64 form: a Base64 character just before it (`EXTEND_LEFT`) or after it (`EXTEND_RIGHT`) carries bits of the secret. */
export const EXTEND_LEFT = 1;
export const EXTEND_RIGHT = 2;

/**
 * Base64 forms of `bytes` at each alignment r = 0, 1, 2 (r bytes of other data before it in its first 3-byte group):
 * every character whose 6 bits all come from the secret, padded, unpadded and as the stable core (up to the last such
 * character), each also URL-safe. With r = 1 or 2 the character before the form mixes bits of the data before with
 * the secret's (EXTEND_LEFT); the core's next character, when the secret ends inside a group, mixes the secret's
 * bits with the data after (EXTEND_RIGHT). The masker masks those too: `printf 'deploy:%s' "$PW" | base64` leaves
 * no character that decodes to part of the secret.
 */
export function base64FormFlags(bytes: Buffer): Map<string, number> {
  const out = new Map<string, number>();
  const add = (f: string, flags: number): void => {
    for (const x of [f, f.replaceAll('+', '-').replaceAll('/', '_')]) out.set(x, (out.get(x) ?? 0) | flags);
  };
  for (let r = 0; r <= 2; r++) {
    const n = r + bytes.length;
    const enc = Buffer.concat([Buffer.alloc(r), bytes]).toString('base64');
    const lead = [0, 2, 3][r]!;
    const left = r > 0 ? EXTEND_LEFT : 0;
    let cut = enc.length;
    while (cut > 0 && enc.charCodeAt(cut - 1) === 0x3d) cut--;
    const full = Math.floor((4 * n) / 3);
    if (full <= lead) continue;
    add(enc.slice(lead), left);
    add(enc.slice(lead, cut), left);
    add(enc.slice(lead, full), left | (n % 3 !== 0 ? EXTEND_RIGHT : 0));
  }
  return out;
}

/** The Base64 forms of `bytes` (see base64FormFlags). */
export function base64Forms(bytes: Buffer): string[] {
  return [...base64FormFlags(bytes).keys()];
}

/** The forms of one value (already normalized); line-splitting recurses once per line. */
export function secretForms(value: string): SecretForms {
  const literal = new Set<string>();
  const base64 = new Set<string>();
  const flags = new Map<string, number>();
  const addValue = (v: string): void => {
    literal.add(v);
    if (hasBreak(v)) {
      const lines = splitLines(v);
      literal.add(lines.join('\n'));
      literal.add(lines.join('\r\n'));
      for (const line of lines) {
        const n = normalizeSecret(line);
        if (n !== undefined) addValue(n);
      }
    }
    for (const [f, x] of base64FormFlags(Buffer.from(v, 'utf8'))) {
      base64.add(f);
      if (x !== 0) flags.set(f, (flags.get(f) ?? 0) | x);
    }
    literal.add(percentEncode(v, true, false));
    literal.add(percentEncode(v, true, true));
    literal.add(percentEncode(v, false, false));
    literal.add(percentEncode(v, false, true));
    literal.add(encodeURIComponent(safeForUri(v)));
    literal.add(percentEncode(v, true, false, '/'));
    for (const f of htmlEscapes(v)) literal.add(f);
    literal.add(jsonEscape(v, false));
    literal.add(jsonEscape(v, true));
    literal.add(xmlEscape(v));
    literal.add(v.replaceAll("'", "''"));
    literal.add(v.replaceAll('"', '\\"'));
  };
  addValue(value);
  const keep = (f: string): boolean => codePoints(f) >= MIN_SECRET_CODE_POINTS;
  return { literal: [...literal].filter(keep), base64: [...base64].filter(keep), base64Flags: flags };
}

/** encodeURIComponent throws on lone surrogates; replace them as UTF-8 encoding does. */
const safeForUri = (v: string): string => {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < v.length && (v.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      out += v[i]! + v[i + 1]!;
      i++;
    } else out += c >= 0xd800 && c <= 0xdfff ? '\ufffd' : v[i]!;
  }
  return out;
};

// ---------------------------------------------------------------------------------------------------------
// Where secrets come from (the CLI's policy; the library takes values directly).

export interface EnvSecretOptions {
  /** Names given with --secret-env: registered whatever their shape (4-code-point minimum still applies). */
  readonly names?: readonly string[];
  /** Name globs (micromatch, case-insensitive); default DEFAULT_SECRET_ENV_GLOBS (with their exclusions). */
  readonly patterns?: readonly string[];
}

/** A filesystem path (`/…`, `./…`, `../…`, `~/…`, `C:\…`): not a secret, though `*_KEY` may name it. */
const looksLikePath = (t: string): boolean =>
  !/\s/.test(t) && (t.startsWith('/') || t.startsWith('./') || t.startsWith('../') || t.startsWith('~/') || /^[A-Za-z]:[\\/]/.test(t));

/** A URL with a scheme and no user name, password, query or fragment (where tokens go) in it. */
const looksLikePlainUrl = (t: string): boolean => {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(t)) return false;
  try {
    const u = new URL(t);
    return u.username === '' && u.password === '' && u.search === '' && u.hash === '';
  } catch {
    return false;
  }
};

/**
 * How the default globs take an env name: 'no' (none, or only with an exclusion matching), 'any' (a glob that takes
 * any shape of value), 'plain' (only globs that skip paths and URLs without credentials).
 */
const defaultGlobTakes = (name: string): 'no' | 'any' | 'plain' => {
  let out: 'no' | 'any' | 'plain' = 'no';
  for (const g of DEFAULT_SECRET_ENV_GLOBS) {
    if (!micromatch.isMatch(name, g.glob, { nocase: true })) continue;
    if (g.except && micromatch.isMatch(name, g.except as string[], { nocase: true })) continue;
    if (!g.notPathsOrUrls) return 'any';
    out = 'plain';
  }
  return out;
};

const looksLikeBooleanOrNumber = (v: string): boolean => {
  const t = v.trim().toLowerCase();
  if (['true', 'false', 'yes', 'no', 'on', 'off', 'null', 'none', 'undefined'].includes(t)) return true;
  return t !== '' && Number.isFinite(Number(t));
};

/** Values of the environment that should be masked: named ones, plus pattern-matched ones that look like secrets. */
export function secretsFromEnv(env: NodeJS.ProcessEnv, options: EnvSecretOptions = {}): string[] {
  const out: string[] = [];
  for (const name of options.names ?? []) {
    const v = env[name];
    if (v !== undefined) out.push(v);
  }
  const patterns = options.patterns;
  if (patterns === undefined || patterns.length > 0) {
    for (const [name, v] of Object.entries(env)) {
      if (v === undefined || (options.names ?? []).includes(name)) continue;
      const takes = patterns === undefined ? defaultGlobTakes(name) : micromatch.isMatch(name, patterns as string[], { nocase: true }) ? 'any' : 'no';
      if (takes === 'no') continue;
      const t = v.trim();
      if ([...t].length < MIN_PATTERN_SECRET_LENGTH || looksLikeBooleanOrNumber(t)) continue;
      if (takes === 'plain' && (looksLikePath(t) || looksLikePlainUrl(t))) continue;
      out.push(v);
    }
  }
  return out;
}

/**
 * A secrets file: a JSON array of strings, a JSON object whose (string) values are secrets (what
 * `${{ toJSON(secrets) }}` writes; nested objects are walked), or dotenv (`KEY=value`, `export KEY=value`,
 * single/double quotes, `#` comments). Throws Error with a message that never contains a value.
 */
export function parseSecretsFile(text: string): string[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a UTF-8 BOM (Windows editors, PowerShell's Out-File)
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw new Error('secrets file looks like JSON but does not parse');
    }
    const out: string[] = [];
    const walk = (x: unknown): void => {
      if (typeof x === 'string') out.push(x);
      else if (Array.isArray(x)) x.forEach(walk);
      else if (x !== null && typeof x === 'object') Object.values(x).forEach(walk);
    };
    walk(data);
    return out;
  }
  return parseDotenv(text);
}

function parseDotenv(text: string): string[] {
  const out: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('export ')) line = line.slice(7).trimStart();
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`secrets file line ${i + 1}: expected KEY=value`);
    let v = line.slice(eq + 1).trim();
    const q = v[0];
    if (q === '"' || q === "'") {
      // A quoted value may span lines (PEM keys in dotenv files).
      let body = v.slice(1);
      while (!body.endsWith(q) && i + 1 < lines.length) body += `\n${lines[++i]}`;
      if (!body.endsWith(q)) throw new Error(`secrets file line ${i + 1}: unterminated quote`);
      v = body.slice(0, -1);
      if (q === '"') v = v.replaceAll('\\n', '\n').replaceAll('\\"', '"').replaceAll('\\\\', '\\');
    } else {
      const hash = v.indexOf(' #');
      if (hash >= 0) v = v.slice(0, hash).trimEnd();
    }
    out.push(v);
  }
  return out;
}

/** The value of a `::add-mask::VALUE` command, unescaped as the GitHub runner does (`%25`, `%0D`, `%0A`). */
export function unescapeAddMask(raw: string): string {
  return raw.replaceAll('%0D', '\r').replaceAll('%0A', '\n').replaceAll('%25', '%');
}
