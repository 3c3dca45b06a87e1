import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactMatch, redactSecret, scrub, visibleChars, MAX_VISIBLE, REDACTED } from '../../src/report/redact.js';

// Synthetic values only.
const LONG = 'ghp_Zq8XwVt4NcLm2PkR7sYb9HdJ3fGa6UeQ1oIx'; // 40 chars

test('default shows the first 4 characters then an ellipsis', () => {
  assert.equal(redactSecret(LONG), 'ghp_…');
  assert.equal(redactSecret('AKIAZQXWVUTSRQPONMLK'), 'AKIA…');
});

test('default never shows more than a quarter of a short secret', () => {
  assert.equal(redactSecret('Pw9!xQ'), 'P…', '6 chars → at most 1 shown');
  assert.equal(redactSecret('abcdefgh'), 'ab…', '8 chars → 2 shown');
  assert.equal(redactSecret('k9Z'), '…', '3 chars → nothing shown');
  assert.equal(redactSecret('x'), '…');
});

test('redact: N hides N percent (shows the first (100-N)%), within the caps', () => {
  assert.equal(redactSecret('abcdefghijklmnopqrst', { redact: 90 }), 'ab…', '20 chars, 10% → 2');
  assert.equal(redactSecret('abcdefghijklmnopqrst', { redact: 95 }), 'a…', '20 chars, 5% → 1');
  assert.equal(redactSecret('abcdefghijklmnopqrst', { redact: 99 }), '…', '20 chars, 1% → 0');
  assert.equal(redactSecret('abcdefghijklmnopqrst', { redact: 80 }), 'abcd…', '20 chars, 20% → 4');
  assert.equal(redactSecret('abcdefghijklmnopqrst', { redact: 50 }), 'abcde…', '50% capped at a quarter (5)');
  assert.equal(redactSecret(LONG, { redact: 0 }), LONG.slice(0, MAX_VISIBLE) + '…', '0% capped at MAX_VISIBLE');
  assert.equal(redactSecret(LONG, { redact: -5 }), LONG.slice(0, MAX_VISIBLE) + '…', 'negative treated as 0');
});

test('redact: 100 (or more) hides the whole secret', () => {
  assert.equal(redactSecret(LONG, { redact: 100 }), REDACTED);
  assert.equal(redactSecret('Pw9!xQ', { redact: 250 }), REDACTED);
});

test('showSecrets prints the whole secret, whatever redact says', () => {
  assert.equal(redactSecret(LONG, { showSecrets: true }), LONG);
  assert.equal(redactSecret(LONG, { showSecrets: true, redact: 100 }), LONG);
  assert.equal(redactMatch(`k="${LONG}"`, LONG, { showSecrets: true }), `k="${LONG}"`);
});

test('counts code points, never splitting a surrogate pair', () => {
  const s = '😀😀😀😀😀😀😀😀'; // 8 code points, 16 UTF-16 units
  assert.equal(redactSecret(s), '😀😀…');
  assert.equal(visibleChars(8), 2);
});

test('the cap holds for every length and percent: at most a quarter and MAX_VISIBLE', () => {
  for (let n = 0; n <= 80; n++) {
    for (const r of [undefined, 0, 10, 25, 50, 75, 90, 99]) {
      const v = visibleChars(n, r);
      assert.ok(v <= Math.floor(n / 4) && v <= MAX_VISIBLE && v >= 0, `visibleChars(${n}, ${r}) = ${v}`);
    }
  }
});

test('the match is redacted by replacing the secret inside it (every occurrence)', () => {
  assert.equal(redactMatch(`token = "${LONG}"`, LONG), 'token = "ghp_…"');
  assert.equal(redactMatch(`${LONG}:${LONG}`, LONG, { redact: 100 }), `${REDACTED}:${REDACTED}`);
});

test('a match that does not contain the secret (decoded find) is replaced whole', () => {
  const encoded = Buffer.from(`token: ${LONG}`).toString('base64');
  assert.equal(redactMatch(encoded, LONG), 'ghp_…');
});

test('path-only findings (empty secret) keep their match', () => {
  assert.equal(redactSecret(''), '');
  assert.equal(redactMatch('file detected: a.p12', ''), 'file detected: a.p12');
});

test('scrub replaces the secret in free text', () => {
  assert.equal(scrub(`use ${LONG} now`, LONG), 'use ghp_… now');
  assert.equal(scrub('nothing here', LONG), 'nothing here');
  assert.equal(scrub('', LONG), '');
});
