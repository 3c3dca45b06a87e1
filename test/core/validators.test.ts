/**
 * Named validators (src/core/validators.ts). Every valid token here is synthetic: built in this file with each
 * issuer's documented algorithm (independently of the code under test where it matters: CRC-32 comes from
 * node:zlib), then broken by changing one character. Test names and messages never show a token.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { builtinConfig } from '../../src/core/config.js';
import { base62, crc32, getValidator, validators, type Validator } from '../../src/core/validators.js';

const zcrc32 = (zlib as unknown as { crc32(data: string | Buffer): number }).crc32;
const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function randomText(alphabet: string, n: number): string {
  const bytes = randomBytes(n);
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[bytes[i]! % alphabet.length];
  return s;
}

/** Changes one character (inside the token, not the prefix) to a different character of the same class. */
function flip(token: string, at: number): string {
  const i = at < 0 ? token.length + at : at;
  const c = token[i]!;
  const repl = /[0-9]/.test(c) ? (c === '1' ? '2' : '1') : /[a-z]/.test(c) ? (c === 'q' ? 'p' : 'q') : c === 'Q' ? 'P' : 'Q';
  return token.slice(0, i) + repl + token.slice(i + 1);
}

function v(name: string): Validator {
  const fn = getValidator(name);
  assert.ok(fn, `validator ${name} is registered`);
  return fn;
}

/** Reference Base62 (GMP alphabet) encoding of a 32-bit value, padded to 6 characters. */
function refBase62(n: number): string {
  let s = '';
  for (let x = n; x > 0; x = Math.floor(x / 62)) s = ALNUM[x % 62] + s;
  return s.padStart(6, '0');
}

function githubStyle(prefix: string): string {
  const entropy = randomText(ALNUM, 30);
  return prefix + entropy + refBase62(zcrc32(entropy) >>> 0);
}

test('crc32 agrees with node:zlib and base62 pads to the requested width', () => {
  for (const s of ['', 'a', 'leakward', randomText(ALNUM, 64)]) assert.equal(crc32(s), zcrc32(s) >>> 0, `crc32 of a ${s.length}-char string`);
  assert.equal(base62(0, 6), '000000');
  assert.equal(base62(61, 6), '00000z');
  assert.equal(base62(62, 6), '000010');
  assert.equal(base62(0xffffffff, 6), refBase62(0xffffffff));
});

test('github-crc32 accepts every classic prefix with a valid checksum and rejects a flipped character', () => {
  const check = v('github-crc32');
  for (const prefix of ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_']) {
    for (let i = 0; i < 20; i++) {
      const token = githubStyle(prefix);
      assert.equal(check(token), true, `valid ${prefix} token passes`);
      assert.equal(check(flip(token, -1)), false, `${prefix} token with a changed checksum character fails`);
      assert.equal(check(flip(token, 10)), false, `${prefix} token with a changed entropy character fails`);
    }
  }
  assert.equal(check('ghp_' + 'x'.repeat(36)), false, 'placeholder fails');
  assert.equal(check('ghp_' + randomText(ALNUM, 35)), false, 'short token fails');
});

test('npm-crc32 uses the same scheme on npm_ tokens', () => {
  const check = v('npm-crc32');
  for (let i = 0; i < 20; i++) {
    const token = githubStyle('npm_');
    assert.equal(check(token), true, 'valid npm token passes');
    assert.equal(check(flip(token, 5)), false, 'npm token with a changed character fails');
  }
});

function gitlabRoutable(prefix: string): string {
  const payload = 'o:' + randomText('0123456789abcdefghijklmnopqrstuvwxyz', 5);
  const encoded = Buffer.concat([randomBytes(16), Buffer.from(payload), Buffer.from([payload.length])]).toString('base64url');
  const body = `${prefix}${encoded}.01.${encoded.length.toString(36).padStart(2, '0')}`;
  return body + (zcrc32(body) >>> 0).toString(36).padStart(7, '0');
}

test('gitlab-routable-crc32 checks the base-36 CRC-32 of routable PAT and runner tokens', () => {
  const check = v('gitlab-routable-crc32');
  for (const prefix of ['glpat-', 'glrt-t1_']) {
    for (let i = 0; i < 20; i++) {
      const token = gitlabRoutable(prefix);
      assert.equal(check(token), true, `valid routable ${prefix} token passes`);
      assert.equal(check(flip(token, -1)), false, `routable ${prefix} token with a changed CRC character fails`);
      assert.equal(check(flip(token, prefix.length + 3)), false, `routable ${prefix} token with a changed payload character fails`);
    }
  }
});

test('grafana-sa-crc32 accepts Grafana’s own test vector and rejects a changed checksum', () => {
  const check = v('grafana-sa-crc32');
  // From grafana/grafana pkg/components/satokengen/tokengen_test.go (a deliberately invalid, public key).
  const vector = 'glsa_iNValIdinValiDinvalidinvalidinva_5b582697';
  assert.equal(check(vector), true, 'Grafana test vector passes');
  assert.equal(check(vector.slice(0, -1) + '8'), false, 'changed checksum fails');
  const key = 'glsa_' + randomText(ALNUM, 32);
  const le = Buffer.alloc(4);
  le.writeUInt32LE(zcrc32(key) >>> 0);
  assert.equal(check(`${key}_${le.toString('hex')}`), true, 'generated service account token passes');
  assert.equal(check(`${flip(key, 12)}_${le.toString('hex')}`), false, 'changed secret fails');
});

function field(tag: number, data: string | Buffer): Buffer {
  const d = Buffer.from(data);
  assert.ok(d.length < 128, 'test macaroon fields stay below one varint byte');
  return Buffer.concat([Buffer.from([tag, d.length]), d]);
}
function macaroon(location: string, signatureLength = 32): Buffer {
  return Buffer.concat([
    Buffer.from([2]),
    field(1, location),
    field(2, JSON.stringify({ nonce: randomBytes(8).toString('hex'), version: 1 })),
    Buffer.from([0]),
    field(2, JSON.stringify({ permissions: 'user', version: 1 })),
    Buffer.from([0]),
    Buffer.from([0]),
    field(6, randomBytes(signatureLength)),
  ]);
}

test('pypi-macaroon parses a v2 macaroon for pypi.org / test.pypi.org and rejects broken structures', () => {
  const check = v('pypi-macaroon');
  const good = 'pypi-' + macaroon('pypi.org').toString('base64url');
  assert.equal(check(good), true, 'pypi.org macaroon passes');
  assert.equal(check('pypi-' + macaroon('test.pypi.org').toString('base64url')), true, 'test.pypi.org macaroon passes');
  assert.equal(check('pypi-' + macaroon('example.org').toString('base64url')), false, 'other location fails');
  assert.equal(check('pypi-' + macaroon('pypi.org', 31).toString('base64url')), false, 'short signature fails');
  assert.equal(check(good.slice(0, -8)), false, 'truncated token fails');
  // gitleaks-style fixtures: documented prefix + random base64url (no identifier tag after the location) pass like
  // any random token; a tail that starts a macaroon ('C' = tag 2) must parse; placeholder tails fail.
  assert.equal(check('pypi-AgEIcHlwaS5vcmcg' + randomText(ALNUM, 120)), true, 'random tail passes');
  assert.equal(check('pypi-AgENdGVzdC5weXBpLm9yZwz' + randomText(ALNUM, 120)), true, 'random test.pypi tail passes');
  assert.equal(check('pypi-AgEIcHlwaS5vcmcC' + randomText(ALNUM, 120)), false, 'random tail after the tag fails');
  assert.equal(check('pypi-AgEIcHlwaS5vcmc' + 'x'.repeat(80)), false, 'placeholder tail fails');
});

test('sentry-org-token requires a base64 JSON payload with iat', () => {
  const check = v('sentry-org-token');
  const secret = randomBytes(32).toString('base64').replace(/=+$/, '');
  const payload = (p: object): string => Buffer.from(JSON.stringify(p)).toString('base64');
  const good = `sntrys_${payload({ iat: 1700000000.5, url: 'https://sentry.io', region_url: 'https://us.sentry.io', org: 'acme' })}_${secret}`;
  assert.equal(check(good), true, 'token with iat passes');
  assert.equal(check(`sntrys_${payload({ url: 'https://sentry.io', org: 'acme' })}_${secret}`), false, 'payload without iat fails');
  assert.equal(check(`sntrys_${randomText(ALNUM, 80)}_${secret}`), false, 'non-JSON payload fails');
});

test('age-bech32 verifies the Bech32 checksum of age secret keys', () => {
  const check = v('age-bech32');
  const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
  const hrp = 'age-secret-key-';
  const data: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const b of randomBytes(32)) {
    acc = ((acc << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      data.push((acc >> bits) & 31);
    }
  }
  if (bits > 0) data.push((acc << (5 - bits)) & 31);
  const polymod = (values: number[]): number => {
    const gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
    let chk = 1;
    for (const x of values) {
      const top = chk >>> 25;
      chk = ((chk & 0x1ffffff) << 5) ^ x;
      for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= gen[i]!;
    }
    return chk >>> 0;
  };
  const expanded = [...hrp].map((c) => c.charCodeAt(0) >> 5).concat([0], [...hrp].map((c) => c.charCodeAt(0) & 31));
  const mod = polymod([...expanded, ...data, 0, 0, 0, 0, 0, 0]) ^ 1;
  const checksum = [0, 1, 2, 3, 4, 5].map((i) => (mod >>> (5 * (5 - i))) & 31);
  const key = (hrp + '1' + [...data, ...checksum].map((x) => CHARSET[x]).join('')).toUpperCase();
  assert.equal(check(key), true, 'generated age secret key passes');
  assert.equal(check(key.toLowerCase()), true, 'lower-case form passes');
  assert.equal(check(flip(key, -3)), false, 'changed character fails');
});

test('base64-user-password wants base64 of user:password', () => {
  const check = v('base64-user-password');
  assert.equal(check(Buffer.from('deploy:' + randomText(ALNUM, 20)).toString('base64')), true, 'user:password passes');
  assert.equal(check(Buffer.from('no-colon-here').toString('base64')), false, 'no colon fails');
  assert.equal(check(Buffer.from('user:').toString('base64')), false, 'empty password fails');
  assert.equal(check(randomBytes(30).toString('base64')), false, 'binary fails');
});

test('discord-bot-token wants a base64 snowflake id as first segment', () => {
  const check = v('discord-bot-token');
  const id = '1' + randomText('0123456789', 17);
  const tail = `.${randomText(ALNUM, 6)}.${randomText(ALNUM, 38)}`;
  assert.equal(check(Buffer.from(id).toString('base64url') + tail), true, 'snowflake id passes');
  assert.equal(check(Buffer.from('not-a-snowflake-id').toString('base64url') + tail), false, 'non-numeric id fails');
});

test('base64 JSON validators (1Password, Grafana) want a JSON object with their keys', () => {
  const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64').replace(/=+$/, '');
  assert.equal(v('onepassword-sa-token')('ops_' + b64({ signInAddress: 'my.1password.com', email: 'x@y.z', deviceUuid: 'abc' })), true, '1Password token passes');
  assert.equal(v('onepassword-sa-token')('ops_' + b64({ hello: 'world' })), false, 'unrelated JSON fails');
  assert.equal(v('grafana-cloud-token')('glc_' + b64({ o: '1', n: 'stack', k: randomText(ALNUM, 24) })), true, 'Grafana Cloud token passes');
  assert.equal(v('grafana-api-key')(b64({ k: randomText(ALNUM, 32), n: 'ci', id: 1 })), true, 'Grafana API key passes');
  assert.equal(v('grafana-api-key')('eyJrIjoi' + randomText(ALNUM, 80)), false, 'random tail fails');
});

test('getValidator knows only registered names, and every validate = … in the pack names one', () => {
  assert.equal(getValidator('no-such-validator'), undefined);
  assert.equal(getValidator('toString'), undefined, 'Object prototype names are not validators');
  const used = new Set(builtinConfig().rules.flatMap((r) => (r.validate ? [r.validate] : [])));
  for (const name of used) assert.ok(Object.prototype.hasOwnProperty.call(validators, name), `validator ${name} used by the pack is registered`);
});

test('jwt (patterns-generic) wants a signed JWS with a JSON header naming alg, and no Supabase anon key', () => {
  const check = v('jwt');
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const sig = randomBytes(32).toString('base64url');
  assert.equal(check(`${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: 'svc', iat: 1 })}.${sig}`), true, 'signed JWT passes');
  assert.equal(check(`${part({ alg: 'none' })}.${part({ sub: 'svc' })}.${sig}`), false, 'alg none fails');
  assert.equal(check(`${part({ alg: 'HS256' })}.${part({ role: 'anon' })}.${sig}`), false, 'Supabase anon key fails');
  assert.equal(check(`${part({ typ: 'JWT' })}.${part({ sub: 'svc' })}.${sig}`), false, 'header without alg fails');
});

test('http-basic-credentials (patterns-generic) wants base64 user:password that is not a placeholder pair', () => {
  const check = v('http-basic-credentials');
  assert.equal(check(Buffer.from('deploy:' + randomText(ALNUM, 16)).toString('base64')), true, 'real-looking pair passes');
  assert.equal(check(Buffer.from('admin:admin').toString('base64')), false, 'user equal to password fails');
  assert.equal(check(Buffer.from('user:password').toString('base64')), false, 'documentation pair fails');
  assert.equal(check(Buffer.from('nocolon').toString('base64')), false, 'no colon fails');
});

test('generic-value (detection QA) rejects Base64 of placeholder text and passes everything else', () => {
  const fn = v('generic-value');
  assert.equal(fn(Buffer.from('isaacs:not my real password').toString('base64')), false, 'encoded placeholder phrase');
  assert.equal(fn(Buffer.from('my-sample-api-key-value').toString('base64')), false, 'encoded sample word');
  assert.equal(fn(Buffer.from('deploy:Xk9qLm2vR7pT4wZ8').toString('base64')), true, 'encoded real-looking pair passes');
  assert.equal(fn(randomText(ALNUM, 32)), true, 'random key passes');
  assert.equal(fn(randomBytes(30).toString('base64')), true, 'base64 of random bytes passes');
});
