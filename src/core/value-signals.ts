/**
 * Value signals: does a matched value look like documentation rather than a credential? Pure functions over the
 * secret and the text of the match before it, used by the matcher for rules that are not precise on their own
 * (generic name = value rules, URL passwords, name-anchored provider rules) — never for checksum-validated or
 * fixed-prefix tokens.
 *
 * Everything here walks character codes: the values are scanned content, which never goes through JavaScript
 * `RegExp` (linear-time rule of the engine).
 *
 * The signals, each a family seen on real code nobody planted secrets in:
 * - the value echoes its own name: `"attributionToken": "my_attributionToken"` (generated API docs),
 *   `DataLakeGen2SharedKey: "DatasourceDataLakeGen2SharedKey"`, a URL password built from the user name
 *   (`home-user:home-password`, `login bob password bobpass`);
 * - the WHOLE value is a placeholder: made only of placeholder words (`your-api-key-here`, `foo@bar`,
 *   `example-secret`), `my_…` / `your…` prefixes, a long run of one repeated or sequential character in either
 *   direction (`aaaaaaaa`, `abcdefgh`, `87654321`). A value that merely contains a word (`Secret2024!`) is not one;
 * - the value is an identifier, not a literal: camel-case / dotted / slashed words (`KMS_DisabledException`,
 *   `_models.StorageAccountCredential`, `Microsoft.KeyVault/managedHsm/keys/read/action`);
 * - the value looks random enough for a context that needs a stronger signal (minified code, test fixtures).
 */

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isUpper = (c: number): boolean => c >= 0x41 && c <= 0x5a;
const isLower = (c: number): boolean => c >= 0x61 && c <= 0x7a;
const isLetter = (c: number): boolean => isUpper(c) || isLower(c);
const isAlnum = (c: number): boolean => isLetter(c) || isDigit(c);
const isVowel = (c: number): boolean => c === 0x61 || c === 0x65 || c === 0x69 || c === 0x6f || c === 0x75 || c === 0x79; // aeiouy (lower-case)

/**
 * Words that make a value a placeholder when the whole value is made of them. Password words are here because a
 * value built from its own name plus "password" (`home-password` for user `home-user`) is a fixture, and a value
 * made ONLY of these words (`my-secret-password`) is never a generated credential.
 */
export const PLACEHOLDER_WORDS: ReadonlySet<string> = new Set([
  'example', 'examples', 'sample', 'dummy', 'fake', 'placeholder', 'changeme', 'change', 'me', 'changeit', 'replace',
  'insert', 'enter', 'put', 'your', 'yours', 'my', 'our', 'the', 'a', 'an', 'here', 'this', 'with', 'goes', 'value',
  'foo', 'bar', 'baz', 'qux', 'quux', 'foobar', 'xyz', 'abc', 'test', 'testing', 'tests', 'mock', 'stub', 'demo',
  'secret', 'secrets', 'password', 'passwd', 'pass', 'pwd', 'pw', 'passphrase', 'token', 'tokens', 'key', 'keys',
  'api', 'apikey', 'auth', 'access', 'client', 'private', 'credential', 'credentials', 'user', 'username', 'login',
  'on', 'of', 'for', 'to', 'in', 'at', 'and', 'or', 'is', 'not', 'real', 'some', 'any', 'other', 'another', 'new',
  'old', 'super', 'very', 'dev', 'local', 'default', 'string', 'redacted', 'hidden', 'masked', 'xxx', 'xxxx', 'tbd',
  'todo', 'fixme', 'lorem', 'ipsum', 'hello', 'world', 'none', 'null', 'empty', 'id',
]);

/** Lower-case alphanumeric words: split on separators, camel-case humps, letter/digit changes. */
export function wordsOf(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let prev = 0; // 0 none, 1 lower, 2 upper, 3 digit
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const kind = isLower(c) ? 1 : isUpper(c) ? 2 : isDigit(c) ? 3 : 0;
    if (kind === 0) {
      if (cur) out.push(cur);
      cur = '';
      prev = 0;
      continue;
    }
    let split = false;
    if (prev !== 0 && kind !== prev) {
      if (kind === 3 || prev === 3) split = true; // letter <-> digit
      else if (prev === 1 && kind === 2) split = true; // camelHump
      else if (prev === 2 && kind === 1 && cur.length > 1) {
        // XMLHttp: the last upper-case letter starts the next word
        out.push(cur.slice(0, -1).toLowerCase());
        cur = cur.slice(-1);
      }
    }
    if (split) {
      out.push(cur);
      cur = '';
    }
    cur += kind === 2 ? String.fromCharCode(c + 32) : s[i]!;
    prev = kind;
  }
  if (cur) out.push(cur);
  return out.map((w) => w.toLowerCase());
}

/** Can `s` be cut entirely into words of `vocab` (each at least 2 characters, or 'a')? */
function segmentable(s: string, vocab: ReadonlySet<string>): boolean {
  if (s.length === 0) return true;
  if (s.length > 64) return false;
  const ok = new Uint8Array(s.length + 1);
  ok[0] = 1;
  for (let i = 0; i < s.length; i++) {
    if (!ok[i]) continue;
    for (let j = i + 1; j <= s.length && j - i <= 16; j++) if (vocab.has(s.slice(i, j))) ok[j] = 1;
  }
  return ok[s.length] === 1;
}

/** `%40` → `@`: URL passwords arrive percent-encoded (`foo%40bar`). Invalid escapes stay as they are. */
function percentDecode(s: string): string {
  if (s.indexOf('%') < 0) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Length of the longest run of alphanumerics each equal to, one more than, or one less than the previous
 * (consistently): `aaaa`, `abcd`, `4321`.
 */
export function longestMonotoneRun(s: string): number {
  let best = s.length > 0 ? 1 : 0;
  let run = 1;
  let step = 2; // not a valid step
  for (let i = 1; i < s.length; i++) {
    const d = s.charCodeAt(i) - s.charCodeAt(i - 1);
    const near = isAlnum(s.charCodeAt(i)) && isAlnum(s.charCodeAt(i - 1)) && (d === 0 || d === 1 || d === -1);
    if (near && run > 1 && d === step) run++;
    else run = near ? 2 : 1;
    step = d;
    if (run > best) best = run;
  }
  return best;
}

/** The whole value is a placeholder (not: it contains a common word). */
export function isPlaceholderValue(value: string): boolean {
  const v = percentDecode(value);
  const lower = v.toLowerCase();
  // my_token, your-api-key, yourSecretHere: a value that starts by addressing the reader
  if (/* my_ / my- */ (lower.startsWith('my_') || lower.startsWith('my-')) || lower.startsWith('your_') || lower.startsWith('your-')) return true;
  if (lower.startsWith('your') && v.length > 4 && isUpper(v.charCodeAt(4))) return true;
  if (v.length >= 2 && ((v[0] === '<' && v[v.length - 1] === '>') || (v.startsWith('${') && v.endsWith('}')))) return true;
  // mostly one repeated or sequential run (`xxxxxxxx1`, `abcdefgh`, `987654321`); a fixed run inside a token
  // format (Twitter's 22 'A's before 80 random characters) is not
  const run = longestMonotoneRun(v);
  if (run >= 6 && run * 2 >= v.length) return true;
  const words = wordsOf(v);
  if (words.length === 0) return false;
  for (const w of words) {
    if (isDigit(w.charCodeAt(0))) return false;
    if (!PLACEHOLDER_WORDS.has(w) && !segmentable(w, PLACEHOLDER_WORDS)) return false;
  }
  return true;
}

/**
 * The value is built from its own name: once the name's words (and the name as a whole) are taken out, nothing but
 * placeholder words remains, and something was taken out. `nameText` is the matched text before the value.
 */
export function echoesName(nameText: string, value: string): boolean {
  const nameWords = wordsOf(nameText).filter((w) => w.length >= 3 && !isDigit(w.charCodeAt(0)));
  if (nameWords.length === 0) return false;
  const v = percentDecode(value);
  let rest = '';
  for (const w of wordsOf(v)) rest += w + ' ';
  const joinedName = nameWords.join('');
  let removed = false;
  // longest first, so `attributiontoken` goes before `token`
  const pieces = [joinedName, ...[...new Set(nameWords)].sort((a, b) => b.length - a.length)];
  let squashed = rest.split(' ').join('');
  for (const p of pieces) {
    if (p.length < 3) continue;
    const i = squashed.indexOf(p);
    if (i >= 0) {
      squashed = squashed.split(p).join(' ');
      removed = true;
    }
  }
  if (!removed) return false;
  for (const part of squashed.split(' ')) {
    if (part === '') continue;
    if (!segmentable(part, PLACEHOLDER_WORDS)) return false;
  }
  return true;
}

/** Short lower-case words without vowels that still are words in identifiers (acronyms written as humps). */
function weakToken(w: string): boolean {
  for (let i = 0; i < w.length; i++) if (isVowel(w.charCodeAt(i))) return false;
  return true;
}

/**
 * The value is an identifier or a path of identifiers, not a literal: every piece is a word-like letter run
 * (English-like vowel share), digit runs are short and few, single letters never occur. Random tokens fail on
 * their single letters, their many digit runs or their vowel share.
 */
export function isIdentifierShaped(value: string): boolean {
  if (value.length < 6 || value.length > 200) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (!(isAlnum(c) || c === 0x5f || c === 0x2e || c === 0x2d || c === 0x2f || c === 0x3a || c === 0x23 || c === 0x24 || c === 0x20)) return false;
  }
  // an identifier shows its structure: a separator or a camel-case hump (`hunter2hunter2` is a password)
  let structured = false;
  for (let i = 1; i < value.length && !structured; i++) {
    const c = value.charCodeAt(i);
    if (!isAlnum(c) || (isUpper(c) && isLower(value.charCodeAt(i - 1)))) structured = true;
  }
  if (!structured) return false;
  const words = wordsOf(value);
  let digitRuns = 0;
  let letterTokens = 0;
  let letterCount = 0;
  let strongLetters = 0;
  let weak = 0;
  for (const w of words) {
    if (isDigit(w.charCodeAt(0))) {
      if (w.length > 2) return false;
      digitRuns++;
      continue;
    }
    letterTokens++;
    letterCount += w.length;
    let vowels = 0;
    for (let i = 0; i < w.length; i++) if (isVowel(w.charCodeAt(i))) vowels++;
    if (w.length <= 2 || (w.length <= 4 && weakToken(w))) {
      if (vowels === 0) weak++;
      continue;
    }
    // English words: ~40% vowels ("string": 17%); a long vowel-less run is not a word
    if (w.length >= 5 && (vowels === 0 || vowels / w.length < 0.15)) return false;
    strongLetters += w.length;
  }
  if (letterTokens === 0 || strongLetters === 0) return false;
  if (digitRuns > 2 || digitRuns > letterTokens) return false;
  // 85% of the letters in real words (`S3StagingLocation`, `KMS_DisabledException`), few vowel-less scraps
  return strongLetters * 20 >= letterCount * 17 && weak * 3 <= letterTokens;
}

/**
 * A UUID that is not random: versions 1 and 2 (time and MAC), 3 and 5 (hashes of a name). Generated secrets that
 * look like UUIDs are version 4 (or 7's random part); the others are identifiers, whatever the name says.
 */
export function isNonRandomUuid(value: string): boolean {
  if (value.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = value.charCodeAt(i);
    const dash = i === 8 || i === 13 || i === 18 || i === 23;
    if (dash ? c !== 0x2d : !(isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46))) return false;
  }
  const version = value[14];
  return version === '1' || version === '2' || version === '3' || version === '5';
}

/** Random-looking enough where a stronger signal is required: letters and digits mixed, not an identifier. */
export function looksRandom(value: string, entropy: number): boolean {
  if (value.length < 10 || entropy < 3) return false;
  let digits = 0;
  let lettersN = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (isDigit(c)) digits++;
    else if (isLetter(c)) lettersN++;
  }
  if (digits === 0 || lettersN === 0) return false;
  return !isIdentifierShaped(value);
}

/** A URL value without a password in it (`mongodb://host/db` under a `*_AUTH` name): not a credential by itself. */
export function isUrlWithoutPassword(value: string): boolean {
  const i = value.indexOf('://');
  if (i <= 0) return false;
  for (let k = 0; k < i; k++) {
    const c = value.charCodeAt(k);
    if (!(isAlnum(c) || c === 0x2b || c === 0x2e || c === 0x2d)) return false;
  }
  const rest = value.slice(i + 3);
  const at = rest.indexOf('@');
  if (at < 0) return true;
  const slash = rest.indexOf('/');
  if (slash >= 0 && slash < at) return true; // the '@' is in the path
  return rest.slice(0, at).indexOf(':') < 0; // user@host: no password
}

/** Host names reserved for documentation (RFC 2606 / 6761) and loopback. */
export function isDocumentationHost(host: string): boolean {
  const h = host.toLowerCase();
  for (const d of ['example.com', 'example.org', 'example.net']) if (h === d || h.endsWith('.' + d)) return true;
  for (const t of ['.example', '.test', '.invalid', '.localhost']) if (h.endsWith(t)) return true;
  return h === 'localhost' || h === '127.0.0.1' || h === '[::1]' || h === 'example' || h === 'test' || h === 'invalid';
}

/** Passwords that, in a URL to a documentation host, are documentation (listed in the README). */
export const DOCUMENTATION_URL_PASSWORDS: readonly string[] = [
  'password', 'passwd', 'pass', 'secret', 'changeme', 'example', 'test', 'admin', 'root', 'postgres', 'user', 'guest',
];

/**
 * `scheme://user:password@host`: the parts of a URL credential match, or undefined. `match` is the rule's match and
 * `after` the text right after it (the host starts at the match's last character).
 */
export function urlCredentialParts(match: string, secretAt: number, secret: string, after: string): { user: string; host: string } | undefined {
  const s = match.indexOf('://');
  if (s < 0 || s > secretAt) return undefined;
  const user = match.slice(s + 3, Math.max(s + 3, secretAt - 1));
  const tail = match.slice(secretAt + secret.length) + after;
  if (tail[0] !== '@') return undefined;
  let e = 1;
  while (e < tail.length) {
    const c = tail.charCodeAt(e);
    if (!(isAlnum(c) || c === 0x2e || c === 0x2d || c === 0x5b || c === 0x5d || c === 0x3a)) break;
    e++;
  }
  let host = tail.slice(1, e);
  const colon = host.lastIndexOf(':');
  if (colon > 0 && host[0] !== '[') host = host.slice(0, colon);
  return { user: percentDecode(user), host };
}

/**
 * A URL credential that is documentation: a placeholder user name (`your-name%40gmail.com`), or a documentation host
 * with a listed password or the user name itself.
 */
export function isDocumentationUrlCredential(user: string, host: string, password: string): boolean {
  const u = user.toLowerCase();
  if (u.startsWith('your') || u.startsWith('<') || u.startsWith('${') || u.startsWith('my_') || u.startsWith('my-')) return true;
  if (!isDocumentationHost(host)) return false;
  const p = percentDecode(password).toLowerCase();
  return DOCUMENTATION_URL_PASSWORDS.includes(p) || p === user.toLowerCase() || echoesName(user, password);
}
