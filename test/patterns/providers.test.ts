/**
 * The provider token pack (patterns/<provider>.toml files maintained by patterns-providers): every rule carries
 * its own examples (STYLE habit 2) and this test holds the provider-specific promises on top of the whole-pack
 * example test: metadata is complete, checksummed rules really depend on their checksum, and high-confidence
 * rules (which the masker applies to live logs) have bounded matches. Messages name rules, never secrets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { builtinConfig } from '../../src/core/config.js';
import { createScanner } from '../../src/core/scanner.js';
import type { Config, RuleSpec } from '../../src/core/types.js';
import { getValidator } from '../../src/core/validators.js';

const MARK = 'Maintained by patterns-providers.';
const pack = builtinConfig();
const ownFiles = new Set(
  [...new Set(pack.rules.map((r) => r.origin?.file).filter((f): f is string => f !== undefined))].filter((f) =>
    readFileSync(f, 'utf8').split('\n', 3).some((line) => line.includes(MARK)),
  ),
);
const rules = pack.rules.filter((r) => r.origin && ownFiles.has(r.origin.file));
const scanner = createScanner(pack);
const meta = { path: 'example.txt' };
const where = (r: RuleSpec): string => `${r.id} (${path.basename(r.origin?.file ?? '?')}:${r.origin?.line ?? '?'})`;
const only = (rule: RuleSpec, extra: Partial<RuleSpec> = {}): Config => ({
  rules: [{ ...rule, ...extra }],
  allowlists: [],
  files: [],
  warnings: [],
});

test('the provider pack is large and every rule has complete metadata', () => {
  assert.ok(ownFiles.size >= 20, `provider files found: ${ownFiles.size}`);
  assert.ok(rules.length >= 115, `provider rules: ${rules.length}`);
  for (const r of rules) {
    assert.ok(r.description && r.description.length > 10, `${where(r)} has a description`);
    assert.ok(r.regex, `${where(r)} has a regex`);
    assert.ok(r.keywords && r.keywords.length > 0, `${where(r)} has keywords`);
    for (const k of r.keywords ?? []) assert.equal(k, k.toLowerCase(), `${where(r)} keywords are lower-case`);
    assert.ok(r.tags?.some((t) => t.startsWith('provider:')), `${where(r)} has a provider: tag`);
    assert.ok(r.tags?.some((t) => t.startsWith('type:')), `${where(r)} has a type: tag`);
    const pos = r.examples?.positive ?? [];
    assert.ok(pos.length >= 1, `${where(r)} has a positive example`);
    assert.ok(pos.every((p) => typeof p !== 'string'), `${where(r)} positives state their expected secret`);
    assert.ok((r.examples?.negative ?? []).length >= 1, `${where(r)} has a negative example`);
  }
});

test('every positive example is found once, with its stated secret, and by no other rule', () => {
  for (const r of rules) {
    for (const ex of r.examples?.positive ?? []) {
      if (typeof ex === 'string') continue;
      const found = scanner.scanBuffer(Buffer.from(ex.text), meta);
      const mine = found.filter((f) => f.ruleId === r.id);
      assert.equal(mine.length, 1, `${where(r)}: one finding for a positive example (got ${mine.length}: ${found.map((f) => f.ruleId).join(', ')})`);
      assert.ok(mine[0]!.secret === ex.secret, `${where(r)}: the finding's secret is the stated one`);
      const others = found.filter((f) => f.ruleId !== r.id && (f.secret.includes(ex.secret) || ex.secret.includes(f.secret)));
      assert.deepEqual(others.map((f) => f.ruleId), [], `${where(r)}: no other rule reports the same secret`);
    }
  }
});

test('no negative example yields a finding from the whole pack', () => {
  for (const r of rules) {
    for (const text of r.examples?.negative ?? []) {
      const found = scanner.scanBuffer(Buffer.from(text), meta);
      assert.deepEqual(found.map((f) => f.ruleId), [], `${where(r)}: a negative example is not reported`);
    }
  }
});

test('checksummed rules: positives pass the validator, and some negative is rejected only by it', () => {
  const checked = rules.filter((r) => r.validate);
  assert.ok(checked.length >= 12, `rules with a validator: ${checked.length}`);
  for (const r of checked) {
    const validator = getValidator(r.validate!);
    assert.ok(validator, `${where(r)}: validator ${r.validate} exists`);
    for (const ex of r.examples?.positive ?? []) {
      if (typeof ex !== 'string') assert.equal(validator(ex.secret), true, `${where(r)}: positive secret passes ${r.validate}`);
    }
    // Without its validator the rule must report at least one negative: that negative differs only in its checksum
    // or structure, so the validator is what keeps it out.
    const unchecked = createScanner(only(r, { validate: undefined }), { maxDecodeDepth: 0 });
    const rejectedByValidator = (r.examples?.negative ?? []).some((text) => unchecked.scanBuffer(Buffer.from(text), meta).length > 0);
    assert.ok(rejectedByValidator, `${where(r)}: has a negative that only ${r.validate} rejects`);
  }
});

test('high-confidence rules have bounded matches and find their positives through matchSpans', () => {
  const high = rules.filter((r) => r.confidence === 'high');
  assert.ok(high.length >= 60, `high-confidence provider rules: ${high.length}`);
  for (const r of high) {
    const s = createScanner(only(r), { maxDecodeDepth: 0 });
    assert.ok(s.maxHighConfidenceMatch > 0 && s.maxHighConfidenceMatch <= 4096, `${where(r)}: match width bounded (${s.maxHighConfidenceMatch})`);
    for (const ex of r.examples?.positive ?? []) {
      if (typeof ex === 'string') continue;
      const buf = Buffer.from(ex.text);
      const spans = s.matchSpans(buf).filter((m) => m.ruleId === r.id);
      assert.ok(
        spans.some((m) => buf.subarray(m.start, m.end).toString() === ex.secret),
        `${where(r)}: matchSpans covers the positive's secret`,
      );
    }
  }
});
