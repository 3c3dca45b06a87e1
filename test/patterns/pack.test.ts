/**
 * Walks the WHOLE built-in rule pack (patterns/*.toml via builtinConfig) and checks every rule against the examples
 * it carries (STYLE habit 2):
 * - each positive example yields exactly one finding of that rule (with the stated secret when given), and no
 *   finding of any other rule overlapping that secret;
 * - each negative example yields no finding from the whole pack;
 * - every rule has at least one positive and one negative example; rule ids are unique;
 * - rules without keywords are listed below, so they stay few (STYLE habit 3).
 * Path-only rules (a `path` and no `regex`) carry file PATHS as examples: an empty fragment is scanned at that path.
 *
 * Test names and assertion messages never contain example text or secrets (only rule ids, indexes, rule ids found).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinConfig } from '../../src/core/config.js';
import { createScanner } from '../../src/core/scanner.js';
import type { Finding, RuleSpec } from '../../src/core/types.js';

/** Rules allowed to run without keywords (the prefilter cannot skip them). Path-only rules need none. */
// rails-master-key: scoped by `path` (config/master.key), whose whole content is 32 hex characters: no keyword to find.
const RULES_WITHOUT_KEYWORDS: ReadonlySet<string> = new Set<string>(['rails-master-key']);

const config = builtinConfig();
const scanner = createScanner(config);

const isPathOnly = (r: RuleSpec): boolean => r.regex === undefined && r.path !== undefined;

/** Rules scoped by `path` AND `regex`: their examples are scanned as a file at this path. */
const EXAMPLE_PATHS: Readonly<Record<string, string>> = { 'rails-master-key': 'config/master.key' };

function scanExample(rule: RuleSpec, text: string): Finding[] {
  if (isPathOnly(rule)) return scanner.scanBuffer(Buffer.alloc(0), { path: text });
  return scanner.scanBuffer(Buffer.from(text, 'utf8'), { path: EXAMPLE_PATHS[rule.id] ?? 'example.txt' });
}

/** Rule ids of findings, for messages (never the secrets). */
const ids = (fs: readonly Finding[]): string => (fs.length ? fs.map((f) => f.ruleId).join(', ') : 'none');

test('pack / rule ids are unique', () => {
  const seen = new Map<string, number>();
  for (const r of config.rules) seen.set(r.id, (seen.get(r.id) ?? 0) + 1);
  const dups = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
  assert.deepEqual(dups, [], `duplicate rule ids: ${dups.join(', ')}`);
});

test('pack / rules without keywords are the listed ones', () => {
  const without = config.rules.filter((r) => !isPathOnly(r) && (r.keywords ?? []).length === 0).map((r) => r.id).sort();
  assert.deepEqual(without, [...RULES_WITHOUT_KEYWORDS].sort(), 'a rule without keywords runs on every byte; add keywords or list it here');
});

for (const rule of config.rules) {
  const positives = rule.examples?.positive ?? [];
  const negatives = rule.examples?.negative ?? [];

  test(`${rule.id} / has examples`, () => {
    assert.ok(positives.length >= 1, `${rule.id} has no positive example`);
    assert.ok(negatives.length >= 1, `${rule.id} has no negative example`);
  });

  positives.forEach((example, i) => {
    test(`${rule.id} / positive ${i + 1}`, () => {
      const text = typeof example === 'string' ? example : example.text;
      const findings = scanExample(rule, text);
      const mine = findings.filter((f) => f.ruleId === rule.id);
      assert.equal(mine.length, 1, `${rule.id} positive ${i + 1}: expected 1 finding of the rule, got ${mine.length} (all: ${ids(findings)})`);
      const f = mine[0]!;
      if (typeof example !== 'string') {
        assert.ok(f.secret === example.secret, `${rule.id} positive ${i + 1}: the reported secret differs from the example's (${f.secret.length} vs ${example.secret.length} chars)`);
      }
      const others = findings.filter((o) => o.ruleId !== rule.id && (isPathOnly(rule) || (o.span[0] < f.span[1] && f.span[0] < o.span[1])));
      assert.equal(others.length, 0, `${rule.id} positive ${i + 1}: other rules report the same secret: ${ids(others)}`);
    });
  });

  negatives.forEach((example, i) => {
    test(`${rule.id} / negative ${i + 1}`, () => {
      const findings = scanExample(rule, example);
      assert.equal(findings.length, 0, `${rule.id} negative ${i + 1}: the pack reports ${ids(findings)}`);
    });
  });
}
