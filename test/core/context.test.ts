/**
 * Per-fragment context (scanner.ts `context`): decided once per path and reused, so it must give every fragment the
 * verdicts its own path and commit call for, in any order, for configs from files (allowlists compiled lazily)
 * and configs built in code alike.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../src/core/config.js';
import { createScanner } from '../../src/core/scanner.js';
import type { Config } from '../../src/core/types.js';

const TOKEN = 'tok_abcdefgh';
const toml = `
[[rules]]
id = "tok"
regex = '''tok_[a-z]{8}'''
keywords = ["tok_"]
  [[rules.allowlists]]
  paths = ['''\\.min\\.js$''']
  [[rules.allowlists]]
  condition = "AND"
  paths = ['''^fixtures/''']
  regexes = ['''^tok_abcd''']

[[rules]]
id = "keystore"
path = '''\\.jks$'''

[[allowlists]]
commits = ["1234567"]
`;

const configs: [string, Config][] = [
  ['from a file', parseConfigText(toml, '.leakward.toml')],
  ['built in code', { ...parseConfigText(toml, '.leakward.toml'), rules: parseConfigText(toml, '.leakward.toml').rules.map((r) => ({ ...r, allowlists: r.allowlists?.map((a) => ({ ...a })) })) }],
];

for (const [how, config] of configs) {
  test(`context (${how}): path verdicts hold in any order of fragments`, () => {
    const s = createScanner(config);
    const ids = (path: string, sha?: string): string[] =>
      s.scanBuffer(Buffer.from(`x = ${TOKEN}\n`), { path, ...(sha ? { commit: { sha, author: '', email: '', date: '', message: '' } } : {}) })
        .map((f) => f.ruleId);
    for (let round = 0; round < 2; round++) {
      assert.deepEqual(ids('a.min.js'), [], 'a path allowlist allows the whole fragment');
      assert.deepEqual(ids('a.js'), ['tok'], 'another path is scanned');
      assert.deepEqual(ids('fixtures/a.txt'), [], 'AND: the path and the regex both match');
      assert.deepEqual(ids('src/fixtures/a.txt'), ['tok'], 'AND: the regex alone is not enough');
      assert.deepEqual(ids('store.jks').sort(), ['keystore', 'tok'], 'a path rule fires beside the content rule');
      assert.deepEqual(ids('a.js', '1234567abcdef'), [], 'a commit allowlist allows by commit');
      assert.deepEqual(ids('a.js', 'fedcba9876543'), ['tok'], 'and only for that commit');
    }
  });
}
