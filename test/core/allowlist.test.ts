/** Allowlists (gitleaks v8 semantics) and inline suppression comments. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AllowlistSpec, CommitInfo, RuleSpec } from '../../src/core/types.js';
import { brief, config, scanText, token } from './helpers/engine.js';

const tok = token('tk_', 24, 7);
const rule: RuleSpec = { id: 'r', regex: 'tk_[A-Za-z0-9]{24}' };
const commit = (sha: string): CommitInfo => ({ sha, author: 'a', email: 'a@example.com', date: '2024-01-01T00:00:00Z', message: 'm' });

interface Case {
  name: string;
  global?: AllowlistSpec[];
  own?: AllowlistSpec[];
  text?: string;
  path?: string;
  sha?: string;
  allowed: boolean;
}

const line = `const t = "${tok}"; // fixture\n`;
const cases: Case[] = [
  { name: 'no allowlist', allowed: false },
  { name: 'global regex on the secret', global: [{ regexes: ['^tk_'] }], allowed: true },
  { name: 'global regex not matching', global: [{ regexes: ['^zz'] }], allowed: false },
  { name: 'regexTarget match', own: [{ regexes: ['^tk_'], regexTarget: 'match' }], allowed: true },
  { name: 'regexTarget line', own: [{ regexes: ['// fixture'], regexTarget: 'line' }], allowed: true },
  { name: 'regexTarget secret does not see the line', own: [{ regexes: ['fixture'] }], allowed: false },
  { name: 'stopword (case-insensitive)', own: [{ stopwords: [tok.slice(3, 9).toUpperCase()] }], allowed: true },
  { name: 'stopword absent', own: [{ stopwords: ['zzzzzz'] }], allowed: false },
  { name: 'path', global: [{ paths: ['^test/'] }], path: 'test/a.ts', allowed: true },
  { name: 'path not matching', global: [{ paths: ['^test/'] }], path: 'src/a.ts', allowed: false },
  { name: 'commit', global: [{ commits: ['abcdef1234567'] }], sha: 'abcdef1234567'.padEnd(40, '0'), allowed: true },
  { name: 'commit not matching', global: [{ commits: ['abcdef1234567'] }], sha: '1'.repeat(40), allowed: false },
  { name: 'commit without a commit', global: [{ commits: ['abcdef1234567'] }], allowed: false },
  { name: 'AND: path and regex both pass', own: [{ condition: 'AND', paths: ['^test/'], regexes: ['^tk_'] }], path: 'test/a', allowed: true },
  { name: 'AND: path passes, regex fails', own: [{ condition: 'AND', paths: ['^test/'], regexes: ['^zz'] }], path: 'test/a', allowed: false },
  { name: 'AND: regex passes, path fails', own: [{ condition: 'AND', paths: ['^test/'], regexes: ['^tk_'] }], path: 'src/a', allowed: false },
  { name: 'OR: either passes', own: [{ paths: ['^test/'], regexes: ['^zz'] }], path: 'test/a', allowed: true },
  { name: 'targetRules naming the rule', global: [{ regexes: ['^tk_'], targetRules: ['r'] }], allowed: true },
  { name: 'targetRules naming another rule', global: [{ regexes: ['^tk_'], targetRules: ['other'] }], allowed: false },
  { name: 'inline leakward:allow', text: `t = "${tok}" # leakward:allow\n`, allowed: true },
  { name: 'inline gitleaks:allow', text: `t = "${tok}" // gitleaks:allow\n`, allowed: true },
  { name: 'inline pragma: allowlist secret', text: `t = "${tok}" # pragma: allowlist secret\n`, allowed: true },
  { name: 'inline marker on another line does not count', text: `# leakward:allow\nt = "${tok}"\n`, allowed: false },
];

for (const c of cases) {
  test(`allowlist: ${c.name}`, () => {
    const r: RuleSpec = c.own ? { ...rule, allowlists: c.own } : rule;
    const got = scanText(config([r], c.global ?? []), c.text ?? line, { path: c.path ?? 'src/x.ts', ...(c.sha ? { commit: commit(c.sha) } : {}) });
    assert.equal(got.length, c.allowed ? 0 : 1, `findings: ${got.map(brief).join(', ')}`);
  });
}

test('allowlist: a path-allowed fragment still runs the other rules', () => {
  const rules: RuleSpec[] = [rule, { id: 'other', regex: 'zz_[a-z]{8}' }];
  const got = scanText(config(rules, [{ paths: ['^test/'], targetRules: ['r'] }]), `${tok} zz_abcdefgh\n`, { path: 'test/a' });
  assert.deepEqual(got.map((f) => f.ruleId), ['other']);
});

test('allowlist: path-only rules honour path allowlists', () => {
  const got = scanText(config([{ id: 'p', path: '\\.pem$' }], [{ paths: ['^fixtures/'] }]), '', { path: 'fixtures/k.pem' });
  assert.equal(got.length, 0);
});
