/** Rule semantics (gitleaks v8): secretGroup, entropy, keywords, path rules, validate, enableRules, generic dedup. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createScanner } from '../../src/core/scanner.js';
import { fingerprint } from '../../src/core/fingerprint.js';
import { base62, crc32 } from '../../src/core/validators.js';
import type { RuleSpec } from '../../src/core/types.js';
import { brief, config, scanText, token } from './helpers/engine.js';

const tok = token('tk_', 24, 1);
const ghBody = token('', 30, 2);
const ghValid = 'ghp_' + ghBody + base62(crc32(ghBody), 6);
const ghInvalid = 'ghp_' + ghBody + 'AAAAAA';

interface Case {
  name: string;
  rules: RuleSpec[];
  text: string;
  path?: string;
  /** expected [ruleId, secret] pairs, in order */
  want: [string, string][];
}

const cases: Case[] = [
  { name: 'whole match when the regex has no groups', rules: [{ id: 'r', regex: 'tk_[A-Za-z0-9]{24}' }],
    text: `x = ${tok}\n`, want: [['r', tok]] },
  { name: 'first non-empty group when secretGroup is unset', rules: [{ id: 'r', regex: '(nope)?key=(tk_[A-Za-z0-9]{24})' }],
    text: `key=${tok}\n`, want: [['r', tok]] },
  { name: 'explicit secretGroup', rules: [{ id: 'r', regex: '(key)=(tk_[A-Za-z0-9]{24})', secretGroup: 2 }],
    text: `key=${tok}\n`, want: [['r', tok]] },
  { name: 'secretGroup 1 of two', rules: [{ id: 'r', regex: '(key)=(tk_[A-Za-z0-9]{24})', secretGroup: 1 }],
    text: `key=${tok}\n`, want: [['r', 'key']] },
  { name: 'named groups and (?i) compile (Go syntax)', rules: [{ id: 'r', regex: '(?i)KEY=(?P<s>TK_[[:alnum:]]{24})' }],
    text: `key=${tok}\n`, want: [['r', tok]] },
  { name: 'entropy below the minimum drops the match', rules: [{ id: 'r', regex: 'tk_[a-z]{24}', entropy: 3 }],
    text: 'tk_aaaaaaaaaaaaaaaaaaaaaaaa\n', want: [] },
  { name: 'entropy above the minimum keeps it', rules: [{ id: 'r', regex: 'tk_[A-Za-z0-9]{24}', entropy: 3 }],
    text: `${tok}\n`, want: [['r', tok]] },
  { name: 'keyword absent: rule does not run', rules: [{ id: 'r', regex: 'tk_[A-Za-z0-9]{24}', keywords: ['zzz'] }],
    text: `${tok}\n`, want: [] },
  { name: 'keyword present, matched case-insensitively', rules: [{ id: 'r', regex: '(?i)tk_[A-Za-z0-9]{24}', keywords: ['tk_'] }],
    text: `${tok.replace('tk_', 'TK_')}\n`, want: [['r', tok.replace('tk_', 'TK_')]] },
  { name: 'keyword far away in the same fragment: found, as gitleaks', rules: [{ id: 'r', regex: 'tk_[A-Za-z0-9]{24}', keywords: ['marker'] }],
    text: `marker\n${'x'.repeat(500)}\n${tok}\n`, want: [['r', tok]] },
  { name: 'keyword nearby', rules: [{ id: 'r', regex: 'marker: (tk_[A-Za-z0-9]{24})', keywords: ['marker'] }],
    text: `marker: ${tok}\n`, want: [['r', tok]] },
  { name: 'path-only rule: one finding, empty secret (CONTRACT)', rules: [{ id: 'p', path: '\\.pem$' }],
    text: 'anything', path: 'keys/id.pem', want: [['p', '']] },
  { name: 'path-only rule: other path', rules: [{ id: 'p', path: '\\.pem$' }], text: 'x', path: 'a.txt', want: [] },
  { name: 'path + regex: runs only on matching paths (match)', rules: [{ id: 'r', path: '\\.env$', regex: 'tk_[A-Za-z0-9]{24}' }],
    text: `${tok}\n`, path: 'prod.env', want: [['r', tok]] },
  { name: 'path + regex: runs only on matching paths (no match)', rules: [{ id: 'r', path: '\\.env$', regex: 'tk_[A-Za-z0-9]{24}' }],
    text: `${tok}\n`, path: 'prod.txt', want: [] },
  { name: 'validate: a valid checksum passes', rules: [{ id: 'gh', regex: 'ghp_[A-Za-z0-9]{36}', validate: 'github-crc32' }],
    text: `${ghValid}\n`, want: [['gh', ghValid]] },
  { name: 'validate: a bad checksum is dropped', rules: [{ id: 'gh', regex: 'ghp_[A-Za-z0-9]{36}', validate: 'github-crc32' }],
    text: `${ghInvalid}\n`, want: [] },
  { name: 'generic rule dropped under an overlapping specific rule',
    rules: [{ id: 'generic-key', regex: 'key = "([^"]+)"', tags: ['generic'] }, { id: 'specific', regex: 'tk_[A-Za-z0-9]{24}' }],
    text: `key = "${tok}"\n`, want: [['specific', tok]] },
  { name: 'generic by tag, no overlap: both kept',
    rules: [{ id: 'g', regex: 'pw = "([^"]+)"', tags: ['generic'] }, { id: 'specific', regex: 'tk_[A-Za-z0-9]{24}' }],
    text: `pw = "hunter2hunter2"\n${tok}\n`, want: [['g', 'hunter2hunter2'], ['specific', tok]] },
  { name: 'identifier prefix: match starts at the variable name (prefix split off)',
    rules: [{ id: 'pfx', regex: '(?i)[\\w.-]{0,50}?(?:api_?key)\\s*=\\s*"(tk_[A-Za-z0-9]{24})"', keywords: ['key'] }],
    text: `const my.svc_API_KEY = "${tok}";\n`, want: [['pfx', tok]] },
  { name: 'empty matches are ignored', rules: [{ id: 'r', regex: 'x*' }], text: 'abc', want: [] },
];

for (const c of cases) {
  test(`rule semantics: ${c.name}`, () => {
    const got = scanText(config(c.rules), c.text, { path: c.path ?? 'f.txt' });
    assert.deepEqual(got.map((f) => [f.ruleId, f.secret]), c.want, `findings: ${got.map(brief).join(', ')}`);
  });
}

test('path-only finding fields: line 1 col 1, match "file detected: <path>", empty span', () => {
  const [f] = scanText(config([{ id: 'p', path: '\\.pem$', description: 'PEM file', tags: ['file'] }]), '', { path: 'a/b.pem' });
  assert.ok(f);
  assert.equal(f.match, 'file detected: a/b.pem');
  assert.deepEqual([f.startLine, f.startColumn, f.endLine, f.endColumn], [1, 1, 1, 1]);
  assert.deepEqual(f.span, [0, 0]);
  assert.equal(f.description, 'PEM file');
  assert.deepEqual(f.tags, ['file']);
  assert.equal(f.fingerprint, fingerprint('p', 'a/b.pem'), 'fingerprint keyed on the path: one per file');
});

test('finding fields: description, tags, confidence, commit, entropy, fingerprint format', () => {
  const commit = { sha: 'a'.repeat(40), author: 'A', email: 'a@example.com', date: '2024-01-01T00:00:00Z', message: 'm' };
  const [f] = scanText(config([{ id: 'r', regex: 'tk_[A-Za-z0-9]{24}', description: 'Test token', tags: ['t'], confidence: 'high' }]),
    `${tok}\n`, { path: 'f.txt', commit });
  assert.ok(f);
  assert.equal(f.description, 'Test token');
  assert.deepEqual(f.tags, ['t']);
  assert.equal(f.confidence, 'high');
  assert.deepEqual(f.commit, commit);
  assert.ok(f.entropy > 3);
  assert.match(f.fingerprint, /^lw2:[0-9a-f]{64}$/);
  assert.equal(f.file, 'f.txt');
  assert.equal(f.decodedBy, undefined);
});

test('enableRules restricts the rules; an unknown id is an error', () => {
  const cfg = config([{ id: 'a', regex: 'tk_[A-Za-z0-9]{24}' }, { id: 'b', regex: 'tk_[A-Za-z0-9]{3}' }]);
  const got = scanText(cfg, `${tok}\n`, { path: 'f' }, { enableRules: ['b'] });
  assert.deepEqual(got.map((f) => f.ruleId), ['b']);
  assert.throws(() => createScanner(cfg, { enableRules: ['nope'] }), /unknown rule id\(s\) in enableRules: nope/);
});

test('an unknown validator is an error at createScanner', () => {
  assert.throws(() => createScanner(config([{ id: 'r', regex: 'x', validate: 'no-such-validator' }])),
    /rule 'r': unknown validator 'no-such-validator'/);
});

test('an invalid regex fails with RE2\'s reason', () => {
  assert.throws(() => createScanner(config([{ id: 'r', path: '(' }])), /invalid regex \(RE2 syntax\): missing \)/);
});

test('binary content skips content rules, path rules still run, onSkip says binary', () => {
  const skips: string[] = [];
  const cfg = config([{ id: 'p', path: '\\.bin$' }, { id: 'r', regex: 'tk_[A-Za-z0-9]{24}' }]);
  const content = Buffer.concat([Buffer.from(`${tok}\n`), Buffer.from([0, 1, 2])]);
  const got = createScanner(cfg, { onSkip: (p, r) => skips.push(`${p}:${r}`) }).scanBuffer(content, { path: 'x.bin' });
  assert.deepEqual(got.map((f) => f.ruleId), ['p']);
  assert.deepEqual(skips, ['x.bin:binary']);
});

test('a NUL after the first 8000 bytes does not make content binary', () => {
  const content = Buffer.concat([Buffer.from(`${tok}\n`), Buffer.alloc(8000, 0x20), Buffer.from([0])]);
  const got = scanText(config([{ id: 'r', regex: 'tk_[A-Za-z0-9]{24}' }]), content);
  assert.equal(got.length, 1);
});

test('identifier prefix: the match is the same as the full pattern would give', () => {
  const rule = { id: 'pfx', regex: '(?i)[\\w.-]{0,10}?(?:api_?key)\\s*=\\s*"(tk_[A-Za-z0-9]{24})"', keywords: ['key'] };
  const cases = [`x my.svc_API_KEY = "${tok}"`, `a_very_long_name_API_KEY="${tok}"`, `API_KEY = "${tok}"`, `-API_KEY = "${tok}" apikey="${tok}"`];
  for (const text of cases) {
    const got = scanText(config([rule]), text).map((f) => f.match);
    // reference: JS RegExp on our own synthetic strings (never on scanned content in src/)
    const ref = [...text.matchAll(/[\w.-]{0,10}?(?:api_?key)\s*=\s*"(tk_[A-Za-z0-9]{24})"/gi)].map((m) => m[0]);
    assert.deepEqual(got, ref, `case ${cases.indexOf(text)}`);
  }
});
