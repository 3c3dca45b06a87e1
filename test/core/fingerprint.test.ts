/** Fingerprints: keyed, position-independent, rule- and salt-dependent. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { fingerprint, DEFAULT_FINGERPRINT_SALT } from '../../src/core/fingerprint.js';
import { config, scanText, token } from './helpers/engine.js';

const tok = token('tk_', 24, 11);
const rules = [{ id: 'r', regex: 'tk_[A-Za-z0-9]{24}' }, { id: 'r2', regex: 'tk_[A-Za-z0-9]{24}' }];

test('fingerprint: lw1 + HMAC-SHA256(salt, ruleId NUL secret)', () => {
  const want = 'lw1:' + createHmac('sha256', DEFAULT_FINGERPRINT_SALT).update(`r\0${tok}`).digest('hex');
  assert.equal(fingerprint('r', tok), want);
});

test('fingerprint: same secret moved to another line and file keeps its fingerprint', () => {
  const a = scanText(config([rules[0]!]), `${tok}\n`, { path: 'a' })[0]!;
  const b = scanText(config([rules[0]!]), `x\n\n   ${tok}\n`, { path: 'b/c', startLine: 40 })[0]!;
  assert.equal(a.fingerprint, b.fingerprint);
});

test('fingerprint: another rule gives another fingerprint', () => {
  const [a, b] = scanText(config(rules), `${tok}\n`);
  assert.ok(a && b);
  assert.notEqual(a.fingerprint, b.fingerprint);
});

test('fingerprint: another salt gives another fingerprint', () => {
  const a = scanText(config([rules[0]!]), `${tok}\n`)[0]!;
  const b = scanText(config([rules[0]!]), `${tok}\n`, { path: 'f.txt' }, { fingerprintSalt: 'baseline-salt' })[0]!;
  assert.notEqual(a.fingerprint, b.fingerprint);
  assert.equal(b.fingerprint, fingerprint('r', tok, 'baseline-salt'));
});
