/** Fingerprints: keyed, position-independent, rule- and salt-dependent. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, scryptSync } from 'node:crypto';
import { fingerprint, fingerprintPending, fingerprintV1, DEFAULT_FINGERPRINT_SALT } from '../../src/core/fingerprint.js';
import { scanFragments, type ParallelScanOptions } from '../../src/core/workers.js';
import type { Finding } from '../../src/core/types.js';
import { config, scanText, token } from './helpers/engine.js';

const tok = token('tk_', 24, 11);
const rules = [{ id: 'r', regex: 'tk_[A-Za-z0-9]{24}' }, { id: 'r2', regex: 'tk_[A-Za-z0-9]{24}' }];

test('fingerprint: lw2 + scrypt(ruleId NUL secret, key), not a fast hash a dictionary can run through', () => {
  const want = 'lw2:' + scryptSync(`r\0${tok}`, DEFAULT_FINGERPRINT_SALT, 32, { N: 512, r: 8, p: 1 }).toString('hex');
  assert.equal(fingerprint('r', tok), want);
  assert.equal(fingerprint('r', tok), want, 'stable (and the same from the cache)');
  assert.notEqual(fingerprint('r', tok).slice(4), fingerprintV1('r', tok).slice(4));
});

test('fingerprintV1: the old lw1 HMAC-SHA256 form, for old baselines', () => {
  const want = 'lw1:' + createHmac('sha256', DEFAULT_FINGERPRINT_SALT).update(`r\0${tok}`).digest('hex');
  assert.equal(fingerprintV1('r', tok), want);
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

test('fingerprint: computed on first read only, the same in a worker thread as in-process', async () => {
  const f = scanText(config([rules[0]!]), `${tok}\n`)[0]!;
  assert.ok(fingerprintPending(f), 'not computed before it is read');
  assert.equal(f.fingerprint, fingerprint('r', tok));
  assert.ok(!fingerprintPending(f));
  const files = Array.from({ length: 40 }, (_, i) => ({ path: `f${i}`, content: Buffer.from(`x ${tok}\n`) }));
  const found: Finding[] = [];
  for await (const g of scanFragments(files, config([rules[0]!]), { threads: 2, workersAfter: { fragments: 0 }, fingerprintSalt: 'k' } satisfies ParallelScanOptions)) found.push(g);
  assert.equal(found.length, 40);
  for (const g of found) assert.equal(g.fingerprint, fingerprint('r', tok, 'k'));
});
