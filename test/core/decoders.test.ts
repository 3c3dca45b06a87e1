/** Decoding: base64 (standard, URL-safe), percent, hex; recursion depth; findings at the encoded span. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findSegments, mapSpan, type Segment } from '../../src/core/decoders.js';
import type { RuleSpec } from '../../src/core/types.js';
import { brief, config, prng, scanText, token } from './helpers/engine.js';

const tok = token('tk_', 24, 21);
const tokRule: RuleSpec = { id: 'tok', regex: 'tk_[A-Za-z0-9]{24}', keywords: ['tk_'] };
const urlRule: RuleSpec = { id: 'url-pass', regex: '[a-z]+://[^:@/\\s]+:([^/\\s]{6,64})@[a-z0-9.-]+', keywords: ['://'] };
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const b64url = (s: string): string => Buffer.from(s).toString('base64url');

test('decode: a Kubernetes Secret data value (base64 of a token)', () => {
  const enc = b64(tok);
  const text = `apiVersion: v1\nkind: Secret\ndata:\n  api-token: ${enc}\n`;
  const got = scanText(config([tokRule]), text);
  assert.equal(got.length, 1, got.map(brief).join());
  const f = got[0]!;
  assert.equal(f.secret, tok);
  assert.deepEqual(f.decodedBy, ['base64']);
  const at = text.indexOf(enc);
  assert.deepEqual(f.span, [at, at + enc.length], 'span is the encoded text');
  assert.deepEqual([f.startLine, f.startColumn, f.endColumn], [4, 14, 13 + enc.length]);
});

test('decode: a base64 .env file in a CI variable, each secret at its own encoded span', () => {
  const t2 = token('tk_', 24, 22);
  const env = `# env\nFIRST=${tok}\nSECOND=${t2}\n`;
  const enc = b64(env);
  const text = `variables:\n  ENV_FILE: "${enc}"\n`;
  const got = scanText(config([tokRule]), text);
  assert.deepEqual(got.map((f) => f.secret), [tok, t2], got.map(brief).join());
  const at = text.indexOf(enc);
  for (const f of got) {
    assert.ok(f.span[0] >= at && f.span[1] <= at + enc.length, `span inside the encoded value: ${brief(f)}`);
    // the encoded span decodes to text containing the secret
    const part = text.slice(f.span[0] - ((f.span[0] - at) % 4), f.span[1] + 4);
    assert.ok(Buffer.from(part, 'base64').toString().includes(f.secret.slice(0, 8)), brief(f));
  }
});

test('decode: URL-safe base64', () => {
  const s = `${tok}??>>`; // '?' and '>' give '_' / '-' style characters
  const got = scanText(config([tokRule]), `v=${b64url(s)}\n`);
  assert.deepEqual(got.map((f) => [f.secret, f.decodedBy?.join()]), [[tok, 'base64']]);
});

test('decode: a percent-encoded password in a URL is seen decoded', () => {
  const text = 'DATABASE_URL=postgres://app:p%40ss%21w0rd-2024@db.example.com:5432/app\n';
  const got = scanText(config([urlRule]), text);
  assert.equal(got.length, 1, got.map(brief).join());
  assert.equal(got[0]!.secret, 'p@ss!w0rd-2024');
  assert.deepEqual(got[0]!.decodedBy, ['percent']);
  const at = text.indexOf('p%40ss');
  assert.deepEqual(got[0]!.span, [at, at + 'p%40ss%21w0rd-2024'.length]);
});

test('decode: a plain URL password is reported once, not again from the decoded copy', () => {
  const text = 'x = https://user:plainpass99@host.example.com/?q=%20\n';
  const got = scanText(config([urlRule]), text);
  assert.deepEqual(got.map((f) => [f.secret, f.decodedBy]), [['plainpass99', undefined]]);
});

test('decode: hex of a token', () => {
  const enc = Buffer.from(tok).toString('hex');
  const got = scanText(config([tokRule]), `key: ${enc}\n`);
  assert.deepEqual(got.map((f) => [f.secret, f.decodedBy?.join()]), [[tok, 'hex']]);
  assert.deepEqual(got[0]!.span, [5, 5 + enc.length]);
});

test('decode: nested base64 of base64 at depth 2, outermost first', () => {
  const enc = b64(`inner: ${b64(tok)}\n`);
  const got = scanText(config([tokRule]), `blob ${enc}\n`);
  assert.deepEqual(got.map((f) => f.decodedBy), [['base64', 'base64']]);
  assert.equal(got[0]!.secret, tok);
});

test('decode: depth 1 stops after one decoding; depth 0 turns decoding off', () => {
  const nested = `blob ${b64(`inner: ${b64(tok)}\n`)}\n`;
  assert.equal(scanText(config([tokRule]), nested, { path: 'f' }, { maxDecodeDepth: 1 }).length, 0);
  assert.equal(scanText(config([tokRule]), `v: ${b64(tok)}\n`, { path: 'f' }, { maxDecodeDepth: 0 }).length, 0);
});

test('decode: binary-looking decodings are not rescanned', () => {
  const segs: Segment[] = [];
  const buf = Buffer.from(`x ${Buffer.from([0, 1, 2, 3, 250, 251, 252, 4, 5, 6, 7, 8, 9, 10, 11, 12]).toString('base64')} y`);
  findSegments(buf, 0, buf.length, segs);
  assert.equal(segs.length, 0);
});

test('decode: identifiers and plain words are not segments', () => {
  const segs: Segment[] = [];
  const buf = Buffer.from('function addEventListenerOnce(someVeryLongParameterName) { return thisIsNotBase64AtAll; }');
  findSegments(buf, 0, buf.length, segs);
  assert.deepEqual(segs.map((s) => s.kind), []);
});

test('decode: mapSpan maps decoded bytes to the encoded characters', () => {
  const text = 'abcdefghijkl';
  const enc = Buffer.from(`..${b64(text)}..`);
  const segs: Segment[] = [];
  findSegments(enc, 0, enc.length, segs);
  assert.equal(segs.length, 1);
  const seg = segs[0]!;
  assert.equal(seg.decoded.toString(), text);
  for (let a = 0; a < text.length; a++) {
    for (let b = a + 1; b <= text.length; b++) {
      const [s, e] = mapSpan(seg, a, b);
      const dec = Buffer.from(enc.subarray(s - ((s - seg.start) % 4), e + 3).toString(), 'base64').toString();
      assert.ok(dec.includes(text.slice(a, b)), `bytes ${a}..${b} map to ${s}..${e}`);
    }
  }
});

test('decode: a secret in decoded text honours the inline allow marker of the original line', () => {
  const got = scanText(config([tokRule]), `v: ${b64(tok)} # leakward:allow\n`);
  assert.equal(got.length, 0);
});

test('decode: segments found over [0,k) and [k,n) are exactly those over [0,n), for every k (seeded inputs)', () => {
  const words = ['the ', 'apiKey', ' = ', '"', '\n', 'é', 'someVeryLongIdentifierName', '%41', 'deadbeef'];
  for (let seed = 1; seed <= 5; seed++) {
    const r = prng(seed);
    const parts: string[] = [];
    while (parts.join('').length < 600) {
      parts.push(r() < 0.15 ? b64(`k=${token('tk_', 24, Math.floor(r() * 1e6))}\n`) : r() < 0.05 ? `a%20b%40c` : words[Math.floor(r() * words.length)]!);
    }
    const buf = Buffer.from(parts.join(''));
    const whole: Segment[] = [];
    findSegments(buf, 0, buf.length, whole);
    assert.ok(whole.length > 0, `seed ${seed} has segments`);
    const key = (s: Segment): string => `${s.kind}:${s.start}-${s.end}`;
    for (let k = 0; k <= buf.length; k++) {
      const split: Segment[] = [];
      findSegments(buf, 0, k, split);
      findSegments(buf, k, buf.length, split);
      assert.deepEqual(split.map(key).sort(), whole.map(key).sort(), `seed ${seed}, split at ${k}`);
    }
  }
});
