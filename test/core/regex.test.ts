/** regex.ts (RE2 wrapper) and regex-width.ts (match-length bounds). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRegex, compileRegex, RegexSyntaxError } from '../../src/core/regex.js';
import { maxMatchBytes } from '../../src/core/regex-width.js';
import { splitLazyPrefix } from '../../src/core/matcher.js';

test('regex: gitleaks / Go syntax compiles', () => {
  for (const p of [
    '(?i)abc', '(?P<name>x+)', 'end\\z', '[[:alnum:]]+', '(?-i:Api)', '\\pL+', '(?s:.)', '(?m)^x$', '[[:^alpha:]]',
    '\\Qa.b\\E', '(?i)\\b(ghp_[a-z0-9]{36})(?:[\\x60\'"\\s;]|\\\\[nr]|$)',
    '-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----[\\s\\S-]{64,}?KEY(?: BLOCK)?-----',
  ]) {
    assert.equal(checkRegex(p), undefined, p);
    compileRegex(p);
  }
});

test('regex: an invalid pattern throws RegexSyntaxError with RE2\'s reason', () => {
  assert.throws(() => compileRegex('a{1001}'), (e: unknown) => e instanceof RegexSyntaxError && /invalid repetition size/.test(e.message));
  assert.throws(() => compileRegex('x++'), /bad repetition operator/);
  assert.match(checkRegex('(') ?? '', /missing \)/);
});

test('regex: exec reports byte offsets for the match and its groups', () => {
  const re = compileRegex('(b+)(x)?(c)');
  const buf = Buffer.from('ééé abbbc bc');
  const m = re.exec(buf, 0);
  assert.ok(m);
  assert.deepEqual([m.start, m.end, m.groupCount], [8, 12, 3]);
  assert.deepEqual(m.groups.slice(2, 8), [8, 11, -1, -1, 11, 12]);
  const m2 = re.exec(buf, 12);
  assert.ok(m2);
  assert.deepEqual([m2.start, m2.end], [13, 15]);
  assert.equal(re.exec(buf, 15), null);
});

test('regex: bytes before the start offset are context for \\b and ^', () => {
  assert.equal(compileRegex('\\bbc').exec(Buffer.from('abc'), 1), null);
  assert.equal(compileRegex('(?m)^bc').exec(Buffer.from('abc'), 1), null);
  assert.ok(compileRegex('(?m)^bc').exec(Buffer.from('a\nbc'), 2));
});

test('regex-width: upper bounds in bytes', () => {
  const cases: [string, number][] = [
    ['abc', 3], ['a{3,5}', 5], ['[a-z0-9]{32}', 32], ['(?:ab|cde)?x', 4], ['é', 2], ['.', 4], ['[^a]', 4],
    ['\\d{4}', 4], ['\\S', 4], ['(?i)k', 3], ['(?i)a', 1], ['(?i)[a-z]{2}', 6], ['(?i:x)k', 2], ['\\bfoo\\b', 3],
    ['a+', Infinity], ['a*', Infinity], ['x{2,}', Infinity], ['(?P<n>ab){2}', 4], ['\\x41\\x{1F600}', 5], ['\\Qa.b\\E+', Infinity],
    ['[[:alnum:]]{3}', 3], ['(a|bb)(c)?', 3], ['^$', 0], ['(?:a?)*', Infinity],
    // unbounded blank runs count BLANK_RUN_CAP (64) characters
    ['[ \\t]*', 64], ['a\\s+b', 66], [' *', 64], ['(?: )*', Infinity], ['[ \\tx]*', Infinity],
  ];
  for (const [p, w] of cases) assert.equal(maxMatchBytes(p), w, p);
});

test('lazy identifier prefix: split off gitleaks-style prefixes only', () => {
  const p = splitLazyPrefix('(?i)[\\w.-]{0,40}?(?:key|token)=([a-z0-9]{8})');
  assert.ok(p);
  assert.equal(p.core, '(?i)(?:key|token)=([a-z0-9]{8})');
  assert.equal(p.max, 40);
  assert.deepEqual([...'aZ_.-'].map((c) => p.table[c.charCodeAt(0)]), [1, 1, 1, 1, 1]);
  assert.deepEqual([...' =":'].map((c) => p.table[c.charCodeAt(0)]), [0, 0, 0, 0]);
  assert.equal(splitLazyPrefix('[\\w]{0,5}a|b'), undefined, 'top-level alternation');
  assert.equal(splitLazyPrefix('[^x]{0,5}a'), undefined, 'negated class');
  assert.equal(splitLazyPrefix('[a]{1,5}a'), undefined, 'not optional');
  assert.ok(splitLazyPrefix('[\\w]{0,5}(?:a|b)'), 'alternation inside a group is fine');
});
