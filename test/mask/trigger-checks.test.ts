import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keywordChecks, keywordTail } from '../../src/mask/index.js';
import { chunkings, maskAll, redact } from './helpers.js';

const AIRTABLE = '(?:\\b|\\x1b\\[[0-9;]{0,12}m)(pat[a-zA-Z0-9]{14}\\.[a-f0-9]{64})\\b';
// Synthetic Airtable-format token (the pack's own positive example shape).
const PAT = 'pat8mY2e2Cpax2bBh.a6b9ff4f2d61da7f1d655ea85a05ff7ef891b12f81c4775434ad2f00c51dc8f7';

const set = (cls: Uint8Array): string => [...cls].map((v, i) => (v ? String.fromCharCode(i) : '')).join('');

test('keywordTail derives the fixed-offset classes after a mandatory keyword', () => {
  const tail = keywordTail(AIRTABLE, 'pat');
  assert.ok(tail);
  assert.deepEqual(tail.map((s) => [set(s.cls), s.min]), [
    ['0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 14],
    ['.', 1],
    ['0123456789abcdef', 64],
  ]);
});

test('keywordTail gives up where the regex does not say so plainly', () => {
  assert.equal(keywordTail('(?i)pat[a-z]{14}', 'pat'), undefined, 'inline flags');
  assert.equal(keywordTail('pat[a-z]{14}|other[0-9]{20}', 'pat'), undefined, 'top-level alternation');
  assert.equal(keywordTail('(?:x|pat[a-z]{14})', 'pat'), undefined, 'alternation around the keyword');
  assert.equal(keywordTail('(pat[a-z]{14})?', 'pat'), undefined, 'optional group');
  assert.equal(keywordTail('pat[a-z]{2}pat[a-z]{14}', 'pat'), undefined, 'keyword twice');
  assert.equal(keywordTail('pat?[a-z]{14}', 'pat'), undefined, 'quantified keyword');
  assert.equal(keywordTail('pat[^ ]{14}', 'pat'), undefined, 'negated class');
  assert.equal(keywordTail('pat[a-z]{0,14}', 'pat'), undefined, 'nothing required');
});

test('keywordChecks: no check for a keyword when one of its rules has no tail', () => {
  const m = keywordChecks([{ regex: AIRTABLE, keywords: ['pat'] }, { regex: '(?i)pat=\\w+', keywords: ['PAT'] }]);
  assert.equal(m.has('pat'), false);
  const m2 = keywordChecks([{ regex: AIRTABLE, keywords: ['pat'] }]);
  const check = m2.get('pat');
  assert.ok(check);
  const words = Buffer.from('the path to compat');
  assert.equal(check(words, words.indexOf('pat'), words.length, 0), true, 'a word rejects');
  const tok = Buffer.from(PAT);
  assert.equal(check(tok, 0, tok.length, 0), false, 'a token passes');
  assert.equal(check(tok, 0, 10, 0), false, 'too few bytes: no verdict');
});

test('trigger checks never lose a rule match, under every chunking', async () => {
  const input =
    `path=/usr/lib/compat/path.so https://example.com/path ` +
    `compat/${PAT} x https://deploy:hunter2hunter2@example.com/a Sentry up\n`;
  const want = await maskAll([Buffer.from(input)]);
  const text = want.toString();
  assert.ok(!text.includes(PAT), `Airtable token masked: ${redact(PAT)}`);
  assert.ok(!text.includes('hunter2hunter2'), 'URL password masked');
  assert.ok(text.includes('path=/usr/lib/compat/path.so https://example.com/path'), 'ordinary text kept');
  for (const [how, chunks] of chunkings(input)) {
    assert.equal((await maskAll(chunks)).toString(), text, how);
  }
});

test('keywordTail reads \\w and \\d; the check rejects where the whole keyword is absent', () => {
  const re = '(?:\\b|\\x1b\\[[0-9;]{0,12}m)(sha256~[\\w-]{43})(?:[^\\w-]|$)';
  const tail = keywordTail(re, 'sha256~');
  assert.ok(tail);
  assert.deepEqual(tail.map((s) => s.min), [43]);
  assert.equal(tail[0]!.cls.reduce((a, b) => a + b, 0), 64);
  const check = keywordChecks([{ regex: re, keywords: ['sha256~'] }]).get('sha256~');
  assert.ok(check);
  const digest = Buffer.from('sha256:0f343b0931126a20f133d67c2b018a3b5e4b2cb0d5fa1d3b1f7ef6ad5cd5b5d0');
  assert.equal(check(digest, 0, digest.length, 0), true, 'sha256: is not the keyword');
  const tok = Buffer.from(`sha256~${'a'.repeat(43)}`);
  assert.equal(check(tok, 0, tok.length, 0), false, 'the token shape passes');
  const short = Buffer.from('sha256~abc def');
  assert.equal(check(short, 0, short.length, 0), true, 'too short a token rejects');
});
