import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createMaskStream, SecretRegistry } from '../../src/mask/index.js';
import { chunkings, maskAll, prng } from './helpers.js';

// Synthetic secrets only.
const S = 'hunter2-secret';
const b64 = (s: string | Buffer, k = 0): string => Buffer.from(s).subarray(k).toString('base64');
const b64url = (s: string): string => b64(s).replaceAll('+', '-').replaceAll('/', '_');
const LONG = 'long-synthetic-secret-value-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGH';
const jwt = (secret: string, alg = 'HS256', hash = 'sha256'): string => {
  const h = Buffer.from(JSON.stringify({ alg, typ: 'JWT' })).toString('base64url');
  const p = Buffer.from(JSON.stringify({ sub: 'synthetic-user', iat: 1700000000 })).toString('base64url');
  return `${h}.${p}.${createHmac(hash, secret).update(`${h}.${p}`).digest('base64url')}`;
};

interface Case {
  readonly name: string;
  readonly secrets?: string[];
  readonly derived?: string[];
  readonly input: string;
  readonly want: string;
  readonly rules?: boolean;
}

const wrap = (s: string, width: number, eol = '\n'): string => {
  const lines: string[] = [];
  for (let i = 0; i < s.length; i += width) lines.push(s.slice(i, i + width));
  return lines.join(eol);
};

const cases: Case[] = [
  { name: 'plain value', secrets: [S], input: `pw=${S};`, want: 'pw=***;' },
  { name: 'value is trimmed', secrets: [`  ${S}\n`], input: `pw= ${S} ;`, want: 'pw= *** ;' },
  { name: 'fewer than 4 code points is ignored, with its encodings', secrets: ['abc', ' ab ', 'ééé'], input: `abc ab ééé ${b64('abc')} ${b64('ééé')}`, want: `abc ab ééé ${b64('abc')} ${b64('ééé')}` },
  { name: 'four code points is enough', secrets: ['abcd'], input: 'xabcdx', want: 'x***x' },
  { name: 'registering twice changes nothing', secrets: [S, S, ` ${S}`], input: `a ${S} b`, want: 'a *** b' },
  { name: 'touching spans merge', secrets: ['abcd'], input: 'abcdabcd', want: '***' },
  { name: 'one byte between keeps spans apart', secrets: ['abcd'], input: 'abcd+abcd', want: '***+***' },
  { name: 'overlapping occurrences of one secret', secrets: ['aaaa'], input: 'baaaaaab', want: 'b***b' },
  { name: 'GitLab: two overlapping secrets leak no fragment', secrets: ['abcdef', 'defghi'], input: 'xabcdefghix', want: 'x***x' },
  { name: 'GitLab: secret repeating its own opening', secrets: ['hello-hello-world'], input: 'hello-hello-hello-world!', want: 'hello-***!' },
  { name: 'nested secret inside a longer one', secrets: ['abcdefgh', 'cdef'], input: '1abcdefgh2cdef3', want: '1***2***3' },
  { name: 'case-sensitive', secrets: [S], input: S.toUpperCase(), want: S.toUpperCase() },
  { name: 'ANSI colour codes are ordinary bytes', secrets: [S], input: `\x1b[31m${S}\x1b[0m hunter2\x1b[0m-secret`, want: '\x1b[31m***\x1b[0m hunter2\x1b[0m-secret' },
  { name: 'multi-byte secret', secrets: ['pässwörd-ü-🔑'], input: 'k=pässwörd-ü-🔑 ü', want: 'k=*** ü' },
  { name: 'multi-line value: LF, CRLF and each line', secrets: ['line-one\nline-two'], input: 'a line-one\nline-two b line-one\r\nline-two c line-two d', want: 'a *** b *** c *** d' },
  { name: 'multi-line value: short lines are not registered', secrets: ['ab\nline-two'], input: 'ab line-two', want: 'ab ***' },
  { name: 'base64 padded', secrets: [S], input: `echo ${b64(S)}|`, want: 'echo ***|' },
  { name: 'base64 without padding', secrets: [S], input: `${b64(S).replaceAll('=', '')}|`, want: '***|' },
  { name: 'base64 URL-safe', secrets: ['??>>??>>??'], input: `${b64url('??>>??>>??')}.`, want: '***.' },
  { name: 'base64 shifted inside a blob (offset 1): the mixed character before is masked too', secrets: [S], input: b64(`x${S}yz`), want: 'e***eXo=' },
  { name: 'base64 shifted inside a blob (offset 2): mixed characters on both sides are masked', secrets: [S], input: b64(`xy${S}z`), want: 'eH***o=' },
  { name: "base64 of 'deploy:' + secret (printf | base64 -w0): nothing decodes to part of the secret", secrets: ['S3cr3t-Passw0rd!'], input: `${b64('deploy:S3cr3t-Passw0rd!')}\n`, want: 'ZGVwbG95O***\n' },
  { name: 'base64 shifted inside a blob (offset 0)', secrets: [S], input: b64(`xyz${S}`), want: 'eHl6***' },
  { name: 'base64 wrapped at 76 columns', secrets: [LONG], input: `${wrap(b64(LONG), 76)}\n`, want: '***\n***\n' },
  { name: 'base64 wrapped at 64 columns with CRLF (PEM)', secrets: [LONG], input: `${wrap(b64(LONG), 64, '\r\n')}\r\n`, want: '***\r\n***\r\n' },
  { name: 'base64 across two line breaks in a row is not matched', secrets: [S], input: `${b64(S).slice(0, 8)}\n\n${b64(S).slice(8)}`, want: `${b64(S).slice(0, 8)}\n\n${b64(S).slice(8)}` },
  { name: 'URL encoding upper and lower hex, + for space, encodeURIComponent', secrets: ['p@ss w0rd/é!'], input: 'a p%40ss%20w0rd%2F%C3%A9%21 b p%40ss%20w0rd%2f%c3%a9%21 c p%40ss+w0rd%2F%C3%A9%21 d p%40ss%20w0rd%2F%C3%A9! e', want: 'a *** b *** c *** d *** e' },
  { name: 'JSON escaping, plain and ensure_ascii', secrets: ['a"b\\c\té-x'], input: '{"v":"a\\"b\\\\c\\té-x","w":"a\\"b\\\\c\\t\\u00e9-x"}', want: '{"v":"***","w":"***"}' },
  { name: 'quoting as the GitHub runner does', secrets: [`<it's & "q">`], input: `1 &lt;it&apos;s &amp; &quot;q&quot;&gt; 2 <it''s & "q"> 3 <it's & \\"q\\"> 4`, want: '1 *** 2 *** 3 *** 4' },
  { name: 'derived values get the same treatment', derived: ['Basic dXNlcjpwYXNz'], input: `Authorization: Basic dXNlcjpwYXNz`, want: 'Authorization: ***' },
  { name: 'JWT signed with a registered secret is masked whole', secrets: ['jwt-signing-key-123'], input: `Bearer ${jwt('jwt-signing-key-123')}\n`, want: 'Bearer ***\n' },
  { name: 'JWT HS512 signed with a registered secret', secrets: ['jwt-signing-key-123'], input: `t=${jwt('jwt-signing-key-123', 'HS512', 'sha512')} ok`, want: 't=*** ok' },
  { name: 'JWT signed with another secret is left alone (rules off: the pack masks any JWT)', rules: false, secrets: ['jwt-signing-key-123'], input: `Bearer ${jwt('another-key-456')}\n`, want: `Bearer ${jwt('another-key-456')}\n` },
  { name: '::add-mask:: registers and is removed', input: 'hello\n::add-mask::abcdefgh\nsee abcdefgh\n', want: 'hello\nsee ***\n' },
  { name: '::add-mask:: with CRLF', input: '::add-mask::abcdefgh\r\nabcdefgh\r\n', want: '***\r\n' },
  { name: '::add-mask:: unescapes %25 %0D %0A', input: '::add-mask::ab%0Acd%25ef\nab\ncd%ef cd%ef\n', want: '*** ***\n' },
  { name: '::add-mask:: only at a line start', input: 'x ::add-mask::abcdefgh\nabcdefgh\n', want: 'x ::add-mask::abcdefgh\nabcdefgh\n' },
  { name: '::add-mask:: prefix that is not a command passes through', input: '::add-mas\n::add\n:', want: '::add-mas\n::add\n:' },
  { name: '::add-mask:: lines in a row', input: '::add-mask::first-one\n::add-mask::second-two\nfirst-one second-two\n', want: '*** ***\n' },
  { name: '::add-mask:: among look-alike lines', input: 'a\n::add-x\n::add-mask:\n::add-mask::abcdefgh\nabcdefgh ::\n::', want: 'a\n::add-x\n::add-mask:\n*** ::\n::' },
  { name: '::add-mask:: at end of stream without a line break', input: 'a\n::add-mask::abcdefgh', want: 'a\n' },
  { name: 'indented ::add-mask:: is a command (the runner trims leading whitespace)', input: 'a\n  \t::add-mask::indented-secret\nsee indented-secret\n', want: 'a\nsee ***\n' },
  { name: 'indented line that is not a command passes through', input: 'a\n   ::add-x\n  \n  b\n', want: 'a\n   ::add-x\n  \n  b\n' },
  { name: 'legacy ##[add-mask] anywhere in a line', input: 'log: ##[add-mask]legacy-secret\nsee legacy-secret\n', want: 'log: \nsee ***\n' },
  { name: 'legacy ##[add-mask] at a line start', input: '##[add-mask]legacy-secret\nlegacy-secret\n', want: '***\n' },
  { name: '::stop-commands:: suspends commands until ::TOKEN::', input: '::stop-commands::pause-tok\n::add-mask::not-registered\n##[add-mask]nor-this\n::pause-tok::\n::add-mask::now-registered\nnot-registered now-registered\n', want: '::add-mask::not-registered\n##[add-mask]nor-this\nnot-registered ***\n' },
  { name: 'while suspended, ::add-mask:: lines are masked as text', secrets: ['known-secret-1'], input: '::stop-commands::t0k\n::add-mask::known-secret-1\n', want: '::add-mask::***\n' },
  { name: 'secret continues after a removed ::add-mask:: line', secrets: ['abcd\nefgh'], input: 'abcd\n::add-mask::zzzzzzzz\nefgh', want: '***' },
  { name: 'private key block (rules on)', input: '-----BEGIN RSA PRIVATE KEY-----\nMIIEsynthetic\nAAAA\n-----END RSA PRIVATE KEY-----\nafter', want: '***\nafter' },
  { name: 'private key block (rules off)', rules: false, input: '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n', want: '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n' },
  { name: 'certificate is not a private key', input: '-----BEGIN CERTIFICATE-----\nMIIE\n-----END CERTIFICATE-----\n', want: '-----BEGIN CERTIFICATE-----\nMIIE\n-----END CERTIFICATE-----\n' },
  { name: 'credentials in a URL (rules on)', input: 'fetch https://ci-user:synthetic-pass-123@example.com/repo.git ok', want: 'fetch https://ci-user:***@example.com/repo.git ok' },
  { name: 'URL without credentials', input: 'see https://example.com/a@b', want: 'see https://example.com/a@b' },
  { name: 'URL password with a raw @: the userinfo runs to the last @', input: 'db postgres://svc:myR3aL-p@ssw0rd@db.internal:5432/app ok', want: 'db postgres://svc:***@db.internal:5432/app ok' },
  { name: 'URL password with two raw @ and no path', input: 'u=https://svc:a@b@c-synthetic@host.example x', want: 'u=https://svc:***@host.example x' },
  { name: 'URL token:x-oauth-basic: the token is the secret', input: 'git clone https://0123456789abcdefSYNTHETIC:x-oauth-basic@github.com/o/r.git', want: 'git clone https://***:x-oauth-basic@github.com/o/r.git' },
  { name: 'URL x-access-token:TOKEN: the token is the secret', input: 'https://x-access-token:synthetic-installation-token@github.com/o/r', want: 'https://x-access-token:***@github.com/o/r' },
  { name: 'URL oauth2:TOKEN (GitLab)', input: 'https://oauth2:glsynthetic-token-value@gitlab.example/o/r', want: 'https://oauth2:***@gitlab.example/o/r' },
  { name: 'Python html.escape and numeric references', secrets: [`<it's "q" & x>`], input: `1 &lt;it&#x27;s &quot;q&quot; &amp; x&gt; 2 &#60;it&#39;s &#34;q&#34; &#38; x&#62; 3 &#x3C;it&#x27;s &#x22;q&#x22; &#x26; x&#x3E; 4 &#x3c;it&#x27;s &#x22;q&#x22; &#x26; x&#x3e; 5`, want: '1 *** 2 *** 3 *** 4 *** 5' },
  { name: 'xml.sax.saxutils.escape leaves quotes raw', secrets: [`a<b>"c'&d`], input: `x a&lt;b&gt;"c'&amp;d y`, want: 'x *** y' },
  { name: "Python urllib.parse.quote (safe='/')", secrets: ['p@ss/w0rd é+x'], input: 'u=p%40ss/w0rd%20%C3%A9%2Bx;', want: 'u=***;' },
  { name: 'a partial match of 4 or more characters at the end of the stream is masked', secrets: [S], input: 'x hunter2-sec', want: 'x ***' },
  { name: 'a partial Base64 form at the end of the stream is masked', secrets: [S], input: `x ${b64(S).slice(0, 9)}`, want: 'x ***' },
  { name: 'a partial match of 3 characters at the end of the stream is written unchanged', secrets: [S], input: 'x hun', want: 'x hun' },
  { name: 'empty input', secrets: [S], input: '', want: '' },
];

for (const c of cases) {
  for (const [how, chunks] of chunkings(c.input)) {
    test(`${c.name} / ${how}`, async () => {
      const got = await maskAll(chunks, { secrets: c.secrets ?? [], derived: c.derived ?? [], rules: c.rules ?? true });
      assert.equal(got.toString('utf8'), c.want);
    });
  }
}

// ---- invariants (same names as the list at the top of src/mask/transform.ts) ---------------------------

test('1. Output is byte-identical for every chunking of the same input, including splits inside multi-byte characters.', async () => {
  const secret = 'пароль-秘密-🔑-x';
  const input = Buffer.from(`${secret} ü ${b64(`é${secret}`)} 秘密 ${encodeURIComponent(secret)}\n-----BEGIN PRIVATE KEY-----\nAB\n-----END PRIVATE KEY-----`);
  const want = await maskAll([input], { secrets: [secret] });
  assert.ok(!want.includes(Buffer.from(secret)), 'the secret is masked in one write');
  for (const [how, chunks] of chunkings(input, 7)) {
    assert.deepEqual(await maskAll(chunks, { secrets: [secret] }), want, `chunking ${how} gives the same output`);
  }
});

test('2. No byte of a registered form is emitted before it is proven not to be part of a match.', () => {
  const s = createMaskStream({ secrets: [S] });
  const out: Buffer[] = [];
  s.on('data', (d: Buffer) => out.push(d));
  s.write('abc hunt');
  assert.equal(Buffer.concat(out).toString(), 'abc ', 'the possible start of the secret is held');
  s.write('ing ');
  assert.equal(Buffer.concat(out).toString(), 'abc hunting ', 'released once it cannot match');
  s.write('hunter2-secre');
  assert.equal(Buffer.concat(out).toString(), 'abc hunting ');
  s.write('t!');
  assert.equal(Buffer.concat(out).toString(), 'abc hunting ***!');
});

test('3. Overlapping or touching matches are masked as one span; at end() a held tail of 4 or more characters that begins a registered form is masked, shorter unfinished matches are not.', async () => {
  assert.equal((await maskAll([Buffer.from('x hunter2-sec')], { secrets: [S] })).toString(), 'x ***', 'a child killed mid-secret');
  assert.equal((await maskAll([Buffer.from('x hunt')], { secrets: [S] })).toString(), 'x ***');
  assert.equal((await maskAll([Buffer.from('x hun')], { secrets: [S] })).toString(), 'x hun', 'three characters pass');
  assert.equal((await maskAll([Buffer.from('abcdefghij')], { secrets: ['abcdef', 'defghi', 'ghij'] })).toString(), '***');
  assert.equal((await maskAll([Buffer.from('abcdef'), Buffer.from('abcdefabc')], { secrets: ['abcdef'] })).toString(), '***abc');
});

test('4. Held-back bytes never exceed the longest literal form minus one (Base64 forms: that many characters plus the line breaks between them; an unfinished `::add-mask::` line, an open rule candidate and the token look-behind of pack rules aside).', () => {
  const rnd = prng(42);
  const secrets = ['abcabcabd', 'xyxyxyz-long-one', 'aaaaaaaab'];
  const s = createMaskStream({ secrets, rules: false, commands: false });
  s.resume();
  const forms = s.registry.forms();
  const maxLit = Math.max(...forms.literal.map((f) => Buffer.byteLength(f)));
  const maxB64 = Math.max(...forms.base64.map((f) => f.length));
  const alphabet = 'abcxyz-long\nYWJjYWJj'; // no 'e': the JWT trigger (eyJ) never fires
  let worst = 0;
  for (let i = 0; i < 20000; i++) {
    s.write(alphabet[Math.floor(rnd() * alphabet.length)]!);
    worst = Math.max(worst, s.heldBytes);
  }
  assert.ok(worst <= Math.max(maxLit - 1, 3 * (maxB64 - 1) + 2), `held ${worst} bytes at most`);
  // Without line breaks in the input the Base64 bound is plain characters.
  const t = createMaskStream({ secrets, rules: false, commands: false });
  t.resume();
  let worstT = 0;
  for (let i = 0; i < 20000; i++) {
    t.write('abcxyz-longe'[Math.floor(rnd() * 12)]!);
    worstT = Math.max(worstT, t.heldBytes);
  }
  assert.ok(worstT <= maxLit - 1, `held ${worstT} ≤ ${maxLit - 1}`);
});

test('5. Bytes outside masked spans are emitted unchanged and in order: nothing added, nothing dropped (except `::add-mask::` command lines, which are removed).', async () => {
  const input = Buffer.alloc(4096);
  const rnd = prng(5);
  for (let i = 0; i < input.length; i++) input[i] = Math.floor(rnd() * 256);
  assert.deepEqual(await maskAll([input], { secrets: [S] }), input, 'binary without secrets passes through');
});

test('6. Matching runs on the original input; the `***` replacement is never scanned again.', async () => {
  assert.equal((await maskAll([Buffer.from('abcd+abcd')], { secrets: ['abcd', '***+***'] })).toString(), '***+***');
  assert.equal((await maskAll([Buffer.from('x*abcd*y')], { secrets: ['abcd', '*****'] })).toString(), 'x*****y');
});

test('7. Registering applies to every byte not yet emitted; an `::add-mask::` value applies to everything after its line, before any of it is emitted.', async () => {
  const s = createMaskStream({ secrets: [`${S}-LONGER`] });
  const out: Buffer[] = [];
  s.on('data', (d: Buffer) => out.push(d));
  s.write(`x ${S}`); // held: could still become the longer secret
  assert.equal(s.register(S), true);
  assert.equal(s.register(S), false, 'registering twice changes nothing');
  s.write(' y');
  s.end();
  await new Promise((r) => s.on('end', r));
  assert.equal(Buffer.concat(out).toString(), 'x *** y');
  // Shared registry: an ::add-mask:: on one stream masks the other.
  const registry = new SecretRegistry();
  const a = createMaskStream({ registry });
  const b = createMaskStream({ registry });
  const outB: Buffer[] = [];
  b.on('data', (d: Buffer) => outB.push(d));
  a.resume();
  a.write('::add-mask::shared-secret-1\n');
  b.end('leak? shared-secret-1\n');
  await new Promise((r) => b.on('end', r));
  assert.equal(Buffer.concat(outB).toString(), 'leak? ***\n');
});

test("8. A rule candidate holds bytes back at most its rule's cap; an undecided fail-closed candidate is masked up to it.", async () => {
  const body = 'A'.repeat(20000);
  const input = `-----BEGIN OPENSSH PRIVATE KEY-----\n${body}\nnext`;
  const s = createMaskStream();
  let emitted = 0;
  let worst = 0;
  s.on('data', (d: Buffer) => (emitted += d.length));
  for (let i = 0; i < input.length; i += 100) {
    s.write(input.slice(i, i + 100));
    worst = Math.max(worst, s.heldBytes);
  }
  s.end();
  await new Promise((r) => s.on('end', r));
  assert.ok(worst <= 16 * 1024 + 100, `held ${worst} bytes at most`);
  const got = await maskAll([Buffer.from(input)]);
  assert.equal(got.toString(), `***${input.slice(16 * 1024)}`, 'masked up to the 16 KiB cap');
  assert.equal(emitted, got.length);
});

test('every invariant test above has the text of an invariant at the top of src/mask/transform.ts', async () => {
  const { readFileSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const path = await import('node:path');
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  const src = readFileSync(path.join(root, 'src/mask/transform.ts'), 'utf8');
  const doc = src.slice(0, src.indexOf('*/')).split('\n').map((l) => l.replace(/^\s*\*\s?/, '').trim()).join(' ');
  const names = readFileSync(path.join(root, 'test/mask/transform.test.ts'), 'utf8')
    .split('\n').filter((l) => /^test\(['"][0-9]\. /.test(l)).map((l) => l.slice(6, l.lastIndexOf(', ') - 1));
  assert.equal(names.length, 8, 'eight invariant tests');
  for (const n of names) assert.ok(doc.includes(n), `invariant documented: ${n.slice(0, 40)}…`);
});

test('detection-only mode: same engine, input passes through, spans are reported', async () => {
  const spans: [number, number][] = [];
  const input = `a ${S} b ${b64(S)} c`;
  for (const [how, chunks] of chunkings(input).filter(([h]) => !h.startsWith('split'))) {
    spans.length = 0;
    const got = await maskAll(chunks, { secrets: [S], detectOnly: true, onMask: (s, e) => spans.push([s, e]) });
    assert.equal(got.toString(), input, `passes through (${how})`);
    const merged = spans.reduce<[number, number][]>((acc, [s, e]) => {
      const last = acc[acc.length - 1];
      if (last && last[1] === s) last[1] = e;
      else acc.push([s, e]);
      return acc;
    }, []);
    assert.deepEqual(merged, [[2, 2 + S.length], [2 + S.length + 3, 2 + S.length + 3 + b64(S).length]], how);
  }
});

test('createMaskStream validates its options with a TypeError naming the option', () => {
  const bad: [unknown, string][] = [
    [{ secrets: 'one-string' }, "'secrets'"],
    [{ secrets: ['ok-value', 42] }, "'secrets'"],
    [{ derived: 'x' }, "'derived'"],
    [{ rules: 'yes' }, "'rules'"],
    [{ commands: 1 }, "'commands'"],
    [{ registry: {} }, "'registry'"],
    [{ onMask: true }, "'onMask'"],
    [{ highWaterMark: -1 }, "'highWaterMark'"],
    [{ extraRules: [{}] }, "'extraRules'"],
    [{ secret: ['typo'] }, "'secret'"],
    ['secrets', 'options'],
  ];
  for (const [opts, name] of bad) {
    assert.throws(() => createMaskStream(opts as never), (e: unknown) => e instanceof TypeError && e.message.includes(name), `throws for ${name}`);
  }
  const fromGenerator = createMaskStream({ secrets: (function* () { yield 'generator-secret-1'; })() });
  assert.equal(fromGenerator.registry.size, 1, 'a generator of secrets is read once');
});

test('register() after end() throws', async () => {
  const s = createMaskStream({ rules: false });
  s.resume();
  s.end('done\n');
  await new Promise((r) => s.on('end', r));
  assert.throws(() => s.register('too-late-secret'), /after end\(\)/);
  assert.throws(() => s.registerDerived('too-late-secret'), /after end\(\)/);
});
