import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { builtinConfig, ConfigError, loadConfig, loadConfigFile, parseConfigText } from '../../src/core/config.js';
import { packageRoot } from '../../src/core/paths.js';

const fixture = (name: string): string => path.join(packageRoot, 'test', 'fixtures', 'config', name);

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ConfigError, nothing was thrown');
}

test('the built-in pack loads, with unique ids and an origin for every rule', () => {
  const config = builtinConfig();
  assert.ok(config.rules.length > 0, 'built-in pack has rules');
  assert.equal(new Set(config.rules.map((r) => r.id)).size, config.rules.length);
  for (const r of config.rules) assert.ok(r.origin && r.origin.line > 0, `rule ${r.id} has an origin line`);
});

test('a .gitleaks.toml with [extend] useDefault keeps the built-in rules, adds its own, honours disabledRules', () => {
  const config = loadConfigFile(fixture('gitleaks-extend.toml'));
  const ids = new Set(config.rules.map((r) => r.id));
  assert.ok(ids.has('acme-internal-token'), 'own rule present');
  assert.ok(!ids.has('generic-api-key'), 'disabled rule removed');
  // generic-api-key covers, for a gitleaks user, every built-in generic rule (GITLEAKS_ID_COVERS).
  const generic = new Set(['generic-api-key', 'generic-password', 'generic-secret-xml', 'generic-name-value-secret', 'generic-password-yaml-block']);
  assert.equal(config.rules.length, builtinConfig().rules.filter((r) => !generic.has(r.id)).length + 1);
  const own = config.rules.find((r) => r.id === 'acme-internal-token')!;
  assert.equal(own.secretGroup, 1);
  assert.deepEqual(own.keywords, ['acme_']);
  assert.equal(own.allowlists?.[0]?.regexes?.[0], '^acme_0{32}$');
  assert.ok(config.allowlists.some((a) => a.paths?.includes('(^|/)vendor/')), 'old-style [allowlist] kept');
});

test('a .gitleaks.toml without [extend] replaces the built-in rules; unknown keys only warn', () => {
  const config = loadConfigFile(fixture('gitleaks-standalone.toml'));
  assert.deepEqual(config.rules.map((r) => r.id), ['acme-internal-token']);
  assert.equal(config.allowlists[0]?.targetRules?.[0], 'acme-internal-token');
  assert.equal(config.warnings.length, 1);
  assert.match(config.warnings[0]!, /gitleaks-standalone\.toml:8: unknown key `someFutureGitleaksKey`/);
});

test('an invalid regex names the file, the line and the rule', () => {
  const err = configError(() => loadConfigFile(fixture('bad-regex.toml')));
  assert.equal(err.ruleId, 'broken-one');
  assert.equal(err.line, 10);
  assert.match(err.message, /bad-regex\.toml:10: rule 'broken-one': invalid regex/);
});

test('an unknown key is a warning naming the key and line, whatever the file is called; an error when strict', () => {
  const loaded = loadConfigFile(fixture('unknown-key.leakward.toml'));
  assert.ok(loaded.warnings.some((w) => /unknown-key\.leakward\.toml:4: unknown key `keyword`/.test(w)), loaded.warnings.join('\n'));
  const err = configError(() => loadConfigFile(fixture('unknown-key.leakward.toml'), { strict: true }));
  assert.equal(err.line, 4);
  assert.equal(err.ruleId, 'typo-rule');
  assert.match(err.message, /unknown key `keyword`/);
});

test('a TOML syntax error names the file and line', () => {
  const err = configError(() => loadConfigFile(fixture('syntax-error.toml')));
  assert.match(err.message, /syntax-error\.toml:\d+: TOML syntax error/);
  assert.ok(err.line && err.line >= 4, 'line of the error');
});

test('unknown validators and confidence values are rejected', () => {
  const a = configError(() => parseConfigText("[[rules]]\nid = 'v'\nregex = 'x'\nvalidate = 'no-such-check'\n", 'x.leakward.toml'));
  assert.match(a.message, /x\.leakward\.toml:4: rule 'v': unknown validator 'no-such-check'/);
  const b = configError(() => parseConfigText("[[rules]]\nid = 'c'\nregex = 'x'\nconfidence = 'certain'\n", 'x.leakward.toml'));
  assert.equal(b.line, 4);
});

test('a rule needs regex or path; a duplicate id keeps the later definition (gitleaks), an error when strict', () => {
  configError(() => parseConfigText("[[rules]]\nid = 'empty'\n", 'x.toml'));
  const text = "[[rules]]\nid = 'd'\nregex = 'a'\n[[rules]]\nid = 'd'\nregex = 'b'\n";
  const loose = parseConfigText(text, 'x.toml');
  assert.deepEqual(loose.rules.map((r) => [r.id, r.regex]), [['d', 'b']]);
  assert.ok(loose.warnings.some((w) => /x\.toml:4: rule 'd': duplicate rule id/.test(w)));
  const dup = configError(() => parseConfigText(text, 'x.toml', { strict: true }));
  assert.equal(dup.line, 4);
});

test('discovery: --config, then LEAKWARD_CONFIG, then .leakward.toml, then .gitleaks.toml, else built-in', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'leakward-config-'));
  assert.equal(await loadConfig({ root: dir }), builtinConfig());
  copyFileSync(fixture('gitleaks-standalone.toml'), path.join(dir, '.gitleaks.toml'));
  assert.deepEqual((await loadConfig({ root: dir })).rules.map((r) => r.id), ['acme-internal-token']);
  writeFileSync(path.join(dir, '.leakward.toml'), "[[rules]]\nid = 'from-leakward-toml'\nregex = 'zz'\n");
  assert.equal((await loadConfig({ root: dir })).rules[0]!.id, 'from-leakward-toml');
  writeFileSync(path.join(dir, 'env.toml'), "[[rules]]\nid = 'from-env'\nregex = 'zz'\n");
  assert.equal((await loadConfig({ root: dir, cwd: dir, env: { LEAKWARD_CONFIG: 'env.toml' } })).rules[0]!.id, 'from-env');
  writeFileSync(path.join(dir, 'flag.toml'), "[[rules]]\nid = 'from-flag'\nregex = 'zz'\n");
  const flagged = await loadConfig({ root: dir, cwd: dir, configPath: 'flag.toml', env: { LEAKWARD_CONFIG: 'env.toml' } });
  assert.equal(flagged.rules[0]!.id, 'from-flag');
  await assert.rejects(loadConfig({ root: dir, cwd: dir, configPath: 'missing.toml' }), ConfigError);
});

test('[extend] path builds on another config file; a redefined rule overrides fields and keeps both allowlists', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'leakward-config-'));
  writeFileSync(path.join(dir, 'base.toml'), "[[rules]]\nid = 'r'\nregex = 'aaa'\nkeywords = ['aaa']\n[[rules.allowlists]]\nstopwords = ['one']\n[[rules]]\nid = 'other'\nregex = 'bbb'\n");
  writeFileSync(path.join(dir, 'child.toml'), "[extend]\npath = 'base.toml'\ndisabledRules = ['other']\n[[rules]]\nid = 'r'\ndescription = 'better'\nregex = 'aaa+'\n[[rules.allowlists]]\nstopwords = ['two']\n");
  const config = loadConfigFile(path.join(dir, 'child.toml'));
  assert.deepEqual(config.rules.map((r) => r.id), ['r']);
  const r = config.rules[0]!;
  assert.equal(r.regex, 'aaa+');
  assert.deepEqual(r.keywords, ['aaa']);
  assert.deepEqual(r.allowlists?.map((a) => a.stopwords?.[0]), ['one', 'two']);
});

test('paths from the command line or the environment resolve against the working directory, not the scanned folder', async () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'leakward-cwd-'));
  const scanned = mkdtempSync(path.join(os.tmpdir(), 'leakward-untrusted-'));
  mkdirSync(path.join(work, 'ci'));
  mkdirSync(path.join(scanned, 'ci'));
  writeFileSync(path.join(work, 'ci', 'leakward.toml'), "[[rules]]\nid = 'ours'\nregex = 'zz'\n");
  writeFileSync(path.join(scanned, 'ci', 'leakward.toml'), "[[rules]]\nid = 'theirs'\nregex = 'zz'\n");
  for (const opts of [{ configPath: 'ci/leakward.toml' }, { env: { LEAKWARD_CONFIG: 'ci/leakward.toml' } }, { env: { GITLEAKS_CONFIG: 'ci/leakward.toml' } }]) {
    const config = await loadConfig({ root: scanned, cwd: work, ...opts });
    assert.deepEqual(config.rules.map((r) => r.id), ['ours'], JSON.stringify(opts));
  }
});

test('LEAKWARD_CONFIG_TOML and GITLEAKS_CONFIG_TOML hold the config text, after the file variables', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'leakward-envtoml-'));
  const text = (id: string): string => `[[rules]]\nid = '${id}'\nregex = 'zz'\n`;
  writeFileSync(path.join(dir, '.gitleaks.toml'), text('discovered'));
  writeFileSync(path.join(dir, 'file.toml'), text('from-file'));
  const ids = async (env: NodeJS.ProcessEnv): Promise<string[]> => (await loadConfig({ root: dir, cwd: dir, env })).rules.map((r) => r.id);
  assert.deepEqual(await ids({ GITLEAKS_CONFIG_TOML: text('gitleaks-text') }), ['gitleaks-text']);
  assert.deepEqual(await ids({ LEAKWARD_CONFIG_TOML: text('leakward-text'), GITLEAKS_CONFIG_TOML: text('gitleaks-text') }), ['leakward-text']);
  assert.deepEqual(await ids({ GITLEAKS_CONFIG: 'file.toml', GITLEAKS_CONFIG_TOML: text('gitleaks-text') }), ['from-file']);
  assert.deepEqual(await ids({ LEAKWARD_CONFIG: 'file.toml', LEAKWARD_CONFIG_TOML: text('leakward-text') }), ['from-file']);
  const bad = await loadConfig({ root: dir, cwd: dir, env: { GITLEAKS_CONFIG_TOML: "[[rules]]\nid = 'x'\nregex = '('\n" } }).catch((e: unknown) => e);
  assert.ok(bad instanceof ConfigError);
  assert.match(bad.message, /^\$GITLEAKS_CONFIG_TOML:3: rule 'x': invalid regex/);
});

test('extending a default rule by id with only [[rules.allowlists]] works: merged first, validated after (gitleaks)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'leakward-extend-'));
  writeFileSync(path.join(dir, 'c.toml'), "[extend]\nuseDefault = true\n\n[[rules]]\nid = 'github-pat'\n[[rules.allowlists]]\nregexes = ['''ghp_EXAMPLE''']\n");
  const config = loadConfigFile(path.join(dir, 'c.toml'));
  const rule = config.rules.find((r) => r.id === 'github-pat')!;
  const base = builtinConfig().rules.find((r) => r.id === 'github-pat')!;
  assert.equal(rule.regex, base.regex);
  assert.equal(rule.allowlists!.length, (base.allowlists?.length ?? 0) + 1);
  // A new id without regex or path is still an error, after the merge.
  writeFileSync(path.join(dir, 'd.toml'), "[extend]\nuseDefault = true\n\n[[rules]]\nid = 'no-such-default'\n[[rules.allowlists]]\nregexes = ['x']\n");
  assert.match(configError(() => loadConfigFile(path.join(dir, 'd.toml'))).message, /rule 'no-such-default': a rule needs `regex`, `path`, or both/);
});

test('-c /dev/zero stops at a size limit with an error', { skip: process.platform === 'win32' ? 'no /dev/zero' : false }, () => {
  assert.match(configError(() => loadConfigFile('/dev/zero')).message, /larger than 16 MiB/);
});
