/**
 * gitleaks runs a keyword rule over its whole fragment once one of its keywords occurs in it. leakward does the
 * same per window (keyword-containment.ts decides when the search around keywords is provably equivalent).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { matchesContainKeyword } from '../../src/core/keyword-containment.js';
import { keywordRadius } from '../../src/core/pack-tables.js';
import { createScanner } from '../../src/core/scanner.js';
import { builtinConfig } from '../../src/core/config.js';
import { brief, chunked, collect, config, scanText } from './helpers/engine.js';
import { cli } from '../cli/run-cli.js';

/** A synthetic 40-hex-digit value (made at run time: no literal secret in the source). */
const hex40 = createHash('sha1').update('leakward synthetic hex').digest('hex');
/** whole lines of filler text, about n bytes */
const filler = (n: number): string => "lorem ipsum dolor sit amet\n".repeat(Math.ceil(n / 27));
const hexRule = config([{ id: 'sha-token', regex: '\\b([0-9a-f]{40})\\b', keywords: ['token'] }]);

test('containment: proven when every match spells a keyword', () => {
  assert.equal(matchesContainKeyword('tk_[A-Za-z0-9]{24}', ['tk_']), true);
  assert.equal(matchesContainKeyword('xox[pe](?:-[0-9]{10,13}){3}-[a-zA-Z0-9-]{28,34}', ['xoxp-', 'xoxe-']), true);
  assert.equal(matchesContainKeyword('(?i)(?:api|secret)[_-]?key\\s*=\\s*(\\w{20})', ['api_key', 'api-key', 'apikey', 'secret_key', 'secret-key', 'secretkey']), true);
  assert.equal(matchesContainKeyword('(?i)TOKEN=(\\w+)', ['token']), true);
  assert.equal(matchesContainKeyword('[Tt]oken=(\\w+)', ['token']), true);
});

test('containment: not proven when some match may lack every keyword', () => {
  assert.equal(matchesContainKeyword('\\b([0-9a-f]{40})\\b', ['token']), false);
  // a spelling outside the keyword list
  assert.equal(matchesContainKeyword('(?i)access[_-]?key=(\\w+)', ['access_key', 'accesskey']), false);
  assert.equal(matchesContainKeyword('(?:token|bearer) (\\w+)', ['token']), false);
  assert.equal(matchesContainKeyword('(?:token)?=(\\w+)', ['token']), false);
  assert.equal(matchesContainKeyword('tok(?:en)*=(\\w+)', ['token']), false);
  assert.equal(matchesContainKeyword('t.ken=(\\w+)', ['token']), false);
  assert.equal(matchesContainKeyword('[a-z]oken=(\\w+)', ['token']), false);
  assert.equal(matchesContainKeyword('token=(\\w+', ['token']), false, 'unparsable');
  assert.equal(matchesContainKeyword('token', []), false);
  assert.equal(keywordRadius('\\b([0-9a-f]{40})\\b', ['token']), Infinity);
  assert.equal(keywordRadius('tk_[A-Za-z0-9]{24}', ['tk_']), 27);
});

test('gitleaks keywords: a match far from the keyword in the same fragment is found', () => {
  const text = `token: see below\n${filler(200_000)}commit ${hex40}\n`;
  const found = scanText(hexRule, text);
  assert.deepEqual(found.map((f) => f.ruleId), ['sha-token'], found.map(brief).join(' | '));
  assert.equal(found[0]!.startLine, text.split('\n').findIndex((l) => l.includes(hex40)) + 1);
  // the keyword after the match counts as well
  assert.equal(scanText(hexRule, `${hex40}\n${filler(300_000)}token\n`).length, 1);
});

test('gitleaks keywords: no keyword in the fragment, no finding', () => {
  assert.deepEqual(scanText(hexRule, `tokn: x\n${filler(5000)}commit ${hex40}\n`).map(brief), []);
});

test('gitleaks keywords: the same findings for every chunking of a streamed fragment', async () => {
  const text = Buffer.from(`token\n${filler(150_000)}${hex40}\n${filler(90_000)}${hex40.toUpperCase()} ${hex40}\n`);
  const whole = scanText(hexRule, text).map(brief);
  assert.equal(whole.length, 2);
  const scanner = createScanner(hexRule);
  for (const size of [1, 4093, 65_536, 100_000]) {
    const got = await collect(scanner.scanFragment({ path: 'f.txt', content: chunked(text, () => size) }));
    assert.deepEqual(got.map(brief), whole, `chunks of ${size}`);
  }
});

test('built-in pack: most keyword rules keep the search around keywords', () => {
  const rules = builtinConfig().rules.filter((r) => r.regex !== undefined && (r.keywords ?? []).length > 0);
  const whole = rules.filter((r) => keywordRadius(r.regex!, r.keywords!) > 16 << 10);
  assert.ok(whole.length < rules.length / 4, `${whole.length} of ${rules.length} run over whole windows`);
  // a token rule whose keyword is part of every match stays windowed
  const gh = rules.find((r) => r.id === 'github-pat');
  assert.ok(gh && keywordRadius(gh.regex!, gh.keywords!) <= 16 << 10);
});

test('CLI: a gitleaks config whose keyword is far from the match reports it', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lw-kwfrag-'));
  writeFileSync(path.join(dir, '.gitleaks.toml'), `[[rules]]\nid = "sha-token"\nregex = '''\\b([0-9a-f]{40})\\b'''\nkeywords = ["token"]\n`);
  writeFileSync(path.join(dir, 'far.txt'), `token\n${filler(50_000)}${hex40}\n`);
  writeFileSync(path.join(dir, 'none.txt'), `${filler(1000)}${hex40}\n`);
  const r = await cli(['scan', '--no-git', '-f', 'json', dir], dir);
  assert.equal(r.code, 1, r.err);
  const findings = JSON.parse(r.out) as { RuleID: string; File: string }[];
  assert.deepEqual(findings.map((f) => `${f.RuleID} ${path.basename(f.File)}`), ['sha-token far.txt']);
});
