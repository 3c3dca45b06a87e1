/**
 * Loads rule configurations: the built-in pack in `patterns/`, a user's `.leakward.toml`, or an existing
 * `.gitleaks.toml` unchanged, with gitleaks' semantics (a config replaces the built-in rules unless it says
 * `[extend] useDefault = true` or `[extend] path = …`; `disabledRules`, `[allowlist]`, `[[allowlists]]`).
 *
 * Errors name the file, the line and the rule (`ConfigError`). Unknown keys and duplicate rule ids are warnings
 * naming the key and line, whatever the file is called (gitleaks grows keys we may not know yet, and ignores
 * unknown ones; for duplicates the later definition wins, as in gitleaks), and errors under `strict`
 * (`--strict-config`, and always for the built-in pack).
 *
 * As in gitleaks, a config is merged with what it extends first and validated after: a rule that only adds
 * `[[rules.allowlists]]` to a default rule of the same id is valid (`[extend] useDefault = true`).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readTextCapped, TooLargeError } from './read-capped.js';
import { createRequire } from 'node:module';
import path from 'node:path';
import { childTables, locateTables, nthTable, type TableLocation } from './config-lines.js';
import { packageRoot, patternsDir } from './paths.js';
import type { AllowlistSpec, Config, RuleExample, RuleSpec } from './types.js';
import { getValidator } from './validators.js';
import { captureGroupCount, checkRegex } from './regex.js';
import { matcherKeywords } from './matcher.js';
import { markChecked, writePackTables } from './pack-tables.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly detail: string,
    readonly file: string,
    readonly line?: number,
    readonly ruleId?: string,
  ) {
    super(`${file}${line ? `:${line}` : ''}: ${ruleId ? `rule '${ruleId}': ` : ''}${detail}`);
  }
}


const topKeys = new Set(['title', 'description', 'minVersion', 'extend', 'rules', 'allowlist', 'allowlists']);
const extendKeys = new Set(['useDefault', 'path', 'url', 'disabledRules']);
const ruleKeys = new Set([
  'id', 'description', 'regex', 'secretGroup', 'entropy', 'keywords', 'path', 'tags', 'allowlist', 'allowlists',
  'examples', 'validate', 'confidence', 'severity',
]);
/** gitleaks keys we accept but do not implement (composite rules): a warning, even when strict. */
const unsupportedRuleKeys = new Set(['required', 'skipReport', 'smartFilter']);
const allowlistKeys = new Set([
  'description', 'condition', 'matchCondition', 'regexes', 'regexTarget', 'stopwords', 'paths', 'commits', 'targetRules',
]);
const exampleKeys = new Set(['positive', 'negative']);

interface ParseContext {
  readonly file: string;
  /** Unknown keys and duplicate rule ids are errors, not warnings. */
  readonly strict: boolean;
  readonly tables: TableLocation[];
  readonly warnings: string[];
}

type Table = Record<string, unknown>;

const isTable = (v: unknown): v is Table => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

// smol-toml is loaded only when a TOML file is actually parsed: the built-in pack normally comes precompiled
// (`dist/pack.json`), and start-up time is a product feature (the pre-commit hook runs on every commit).
type TomlModule = typeof import('smol-toml');
let toml: TomlModule | undefined;
const loadToml = (): TomlModule => (toml ??= createRequire(import.meta.url)('smol-toml') as TomlModule);

/** The precompiled built-in pack, written by `npm run build` (see `writeCompiledPack`). */
export const compiledPackFile: string = path.join(packageRoot, 'dist', 'pack.json');

/**
 * The built-in rule pack: every `patterns/*.toml`, in file-name order, loaded once per process.
 * Reads the precompiled `dist/pack.json` (about 2 ms, against ~300 ms to parse the TOML and check every regex)
 * unless the pattern files' contents differ from those it was built from (`sourceHash`). Never by timestamps: npm
 * stamps extracted files with the time of extraction, `patterns/` after `dist/`, so every install looked stale.
 */
let builtin: Config | undefined;
let precompiled = false;
export function builtinConfig(): Config {
  if (builtin) return builtin;
  const files = readdirSync(patternsDir).filter((f) => f.endsWith('.toml')).sort();
  const sources = files.map((f) => readFileSync(path.join(patternsDir, f)));
  builtin = readCompiledPack(files, sources) ?? compilePack(files, sources);
  return builtin;
}

/** Whether the last `builtinConfig()` came from the precompiled pack (the installed-package test checks it). */
export function builtinPackSource(): 'precompiled' | 'compiled at run time' | undefined {
  return builtin === undefined ? undefined : precompiled ? 'precompiled' : 'compiled at run time';
}

/** The pattern files' identity: names and contents, in order (~1 ms for the whole pack). */
export function patternsHash(files: readonly string[], sources: readonly Buffer[]): string {
  const h = createHash('sha256');
  files.forEach((f, i) => {
    h.update(`${f}\0${sources[i]!.length}\0`);
    h.update(sources[i]!);
  });
  return h.digest('hex');
}

/** On-disk form of the precompiled pack. */
interface CompiledPack extends Config {
  readonly sourceHash: string;
}

function readCompiledPack(files: readonly string[], sources: readonly Buffer[]): Config | undefined {
  try {
    const pack = JSON.parse(readFileSync(compiledPackFile, 'utf8')) as CompiledPack;
    if (pack.sourceHash !== patternsHash(files, sources)) return undefined;
    // Every pattern in the built pack was checked when it was built.
    for (const a of pack.allowlists) markChecked(a);
    for (const r of pack.rules) for (const a of r.allowlists ?? []) markChecked(a);
    precompiled = true;
    // The pack was built elsewhere (another checkout, the publisher's machine): name the files where they are now.
    return freezeConfig({ ...pack, files: files.map((f) => path.join(patternsDir, f)) });
  } catch {
    return undefined;
  }
}

function compilePack(files: readonly string[], sources: readonly Buffer[]): Config {
  precompiled = false;
  const parts = files.map((f, i) => parseFile(sources[i]!.toString('utf8'), path.join(patternsDir, f), true));
  const pack = freezeConfig({
    rules: parts.flatMap((p) => p.rules),
    allowlists: parts.flatMap((p) => p.allowlists),
    files: files.map((f) => path.join(patternsDir, f)),
    warnings: parts.flatMap((p) => p.warnings),
  });
  checkUniqueIds(pack.rules);
  validateRules(pack.rules, pack.allowlists, patternsDir);
  return pack;
}

/** Parses and checks every pattern file and writes `dist/pack.json`; a broken pack fails the build. */
export function writeCompiledPack(): Config {
  const files = readdirSync(patternsDir).filter((f) => f.endsWith('.toml')).sort();
  const sources = files.map((f) => readFileSync(path.join(patternsDir, f)));
  const pack = compilePack(files, sources);
  const onDisk: CompiledPack = { ...pack, files, sourceHash: patternsHash(files, sources) };
  writeFileSync(compiledPackFile, JSON.stringify(onDisk));
  // The scanner's construction work for this pack (keyword automata, regex widths, keyword radii): see pack-tables.ts.
  const withRegex = pack.rules.filter((r) => r.regex !== undefined);
  writePackTables(
    [matcherKeywords(withRegex), matcherKeywords(withRegex.filter((r) => r.confidence === 'high'))],
    withRegex.map((r) => r.regex!),
    withRegex.map((r) => [r.regex!, r.keywords ?? []] as const),
  );
  builtin = pack;
  return pack;
}

export interface LoadConfigOptions {
  /** The scan base, where `.leakward.toml` / `.gitleaks.toml` are looked for. */
  readonly root: string;
  /** An explicit config file (`-c/--config`), relative to `cwd`. */
  readonly configPath?: string;
  /** Environment for `LEAKWARD_CONFIG`, `LEAKWARD_CONFIG_TOML` and gitleaks' `GITLEAKS_CONFIG`, `GITLEAKS_CONFIG_TOML`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Where relative paths typed by the user (`configPath`, the environment's, `[extend] path`) start. Default `process.cwd()`. */
  readonly cwd?: string;
  /** Unknown keys and duplicate rule ids are errors (`--strict-config`). */
  readonly strict?: boolean;
}

/** Config text is read up to this size: `-c /dev/zero` must stop with an error, not fill memory. */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

/**
 * Finds and loads the config: `--config FILE`, else `LEAKWARD_CONFIG` (a file), else `LEAKWARD_CONFIG_TOML` (the
 * config's text), else `GITLEAKS_CONFIG`, else `GITLEAKS_CONFIG_TOML`, else `.leakward.toml`, else `.gitleaks.toml`
 * in the root, else the built-in pack. gitleaks' order is the same: flag, file variable, text variable, discovery.
 */
export async function loadConfig(options: LoadConfigOptions): Promise<Config> {
  const env = options.env ?? {};
  const cwd = options.cwd ?? process.cwd();
  const strict = options.strict ?? false;
  const inline = options.configPath || env['LEAKWARD_CONFIG'] ? undefined : envConfigText(env);
  let file: string | undefined;
  let config: Config;
  if (inline) {
    file = `$${inline.name}`;
    config = resolveExtends(parseFile(inline.text, file, strict), file, { cwd, strict, depth: 0 });
  } else {
    file = findConfigFile(options);
    if (!file) return builtinConfig();
    config = loadConfigFile(file, { cwd, strict });
  }
  // An empty or title-only config committed by mistake would turn the fail-closed hook into a no-op.
  if (config.rules.length === 0) {
    throw new ConfigError('defines no active rule (add [[rules]], or [extend] useDefault = true for the built-in ones)', file);
  }
  return config;
}

/** `LEAKWARD_CONFIG_TOML` / `GITLEAKS_CONFIG_TOML` (config text in the environment), in `loadConfig`'s order. */
function envConfigText(env: NodeJS.ProcessEnv): { name: string; text: string } | undefined {
  if (env['LEAKWARD_CONFIG_TOML']) return { name: 'LEAKWARD_CONFIG_TOML', text: env['LEAKWARD_CONFIG_TOML'] };
  if (env['GITLEAKS_CONFIG']) return undefined;
  if (env['GITLEAKS_CONFIG_TOML']) return { name: 'GITLEAKS_CONFIG_TOML', text: env['GITLEAKS_CONFIG_TOML'] };
  return undefined;
}

/**
 * The config file `loadConfig` would read, or undefined for the built-in pack (or config text in the environment).
 * A path from the command line or the environment resolves against `cwd` (never the scanned folder, which may be
 * someone else's tree); discovery looks in `root`.
 */
export function findConfigFile(options: LoadConfigOptions): string | undefined {
  const env = options.env ?? {};
  const explicit = options.configPath || env['LEAKWARD_CONFIG'] || (env['LEAKWARD_CONFIG_TOML'] ? undefined : env['GITLEAKS_CONFIG']);
  if (explicit) {
    const file = path.resolve(options.cwd ?? process.cwd(), explicit);
    if (!existsSync(file)) throw new ConfigError('config file not found', file);
    return file;
  }
  for (const name of ['.leakward.toml', '.gitleaks.toml']) {
    const file = path.join(options.root, name);
    if (existsSync(file)) return file;
  }
  return undefined;
}

export interface LoadFileOptions {
  /** Where a relative `[extend] path` is looked for first (as gitleaks); then beside the extending file. */
  readonly cwd?: string;
  readonly strict?: boolean;
  readonly depth?: number;
}

/** Loads one config file, following `[extend]`. */
export function loadConfigFile(file: string, options: LoadFileOptions = {}): Config {
  const strict = options.strict ?? false;
  return resolveExtends(parseFile(readConfigText(file), file, strict), file, { cwd: options.cwd ?? process.cwd(), strict, depth: options.depth ?? 0 });
}

/** A config file's text, up to `MAX_CONFIG_BYTES` (a device or a pipe named by mistake stops there). */
function readConfigText(file: string): string {
  try {
    return readTextCapped(file, MAX_CONFIG_BYTES);
  } catch (err) {
    if (err instanceof TooLargeError) throw new ConfigError(`config is ${err.message}`, file);
    throw new ConfigError(`cannot read config: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, file);
  }
}

/** Parses one config text without following `[extend]` (see `loadConfigFile` for that). */
export function parseConfigText(text: string, file: string, options: { strict?: boolean } = {}): Config {
  const parsed = parseFile(text, file, options.strict ?? false);
  if (!parsed.extend) validateRules(parsed.rules, parsed.allowlists, file);
  return freezeConfig(parsed);
}

interface ParsedFile extends Config {
  readonly extend?: { useDefault: boolean; path?: string; disabledRules: string[] };
}

function parseFile(text: string, file: string, strict: boolean): ParsedFile {
  let doc: Table;
  try {
    doc = loadToml().parse(text) as Table;
  } catch (err) {
    if (err instanceof loadToml().TomlError) {
      throw new ConfigError(`TOML syntax error: ${err.message.split('\n')[0]}`, file, err.line);
    }
    throw err;
  }
  const ctx: ParseContext = { file, strict, tables: locateTables(text), warnings: [] };
  const top = ctx.tables[0]!;
  checkKeys(ctx, doc, topKeys, top, 'top level');

  let extend: ParsedFile['extend'];
  if (doc['extend'] !== undefined) {
    const loc = nthTable(ctx.tables, 'extend', 0) ?? top;
    const ext = expectTable(ctx, doc['extend'], 'extend', loc.line);
    checkKeys(ctx, ext, extendKeys, loc, '[extend]');
    if (ext['url'] !== undefined) {
      ctx.warnings.push(`${file}:${loc.keys.get('url') ?? loc.line}: [extend] url is not supported (no network); ignored`);
    }
    extend = {
      useDefault: optionalBoolean(ctx, ext, 'useDefault', loc) ?? false,
      disabledRules: optionalStrings(ctx, ext, 'disabledRules', loc) ?? [],
      ...(typeof ext['path'] === 'string' ? { path: ext['path'] } : {}),
    };
    if (ext['path'] !== undefined && typeof ext['path'] !== 'string') {
      throw new ConfigError('[extend] path must be a string', file, loc.keys.get('path') ?? loc.line);
    }
  }

  const rawRules = doc['rules'] ?? [];
  if (!Array.isArray(rawRules)) throw new ConfigError('`rules` must be an array of tables ([[rules]])', file, top.keys.get('rules'));
  const rules = rawRules.map((raw, i) => parseRule(ctx, raw, i));

  const allowlists: AllowlistSpec[] = [];
  if (doc['allowlist'] !== undefined && doc['allowlists'] !== undefined) {
    // gitleaks refuses the mix: which of the two forms is meant is ambiguous.
    throw new ConfigError('[allowlist] (old form) cannot be used alongside [[allowlists]]', file, nthTable(ctx.tables, 'allowlist', 0)?.line);
  }
  if (doc['allowlist'] !== undefined) {
    const loc = nthTable(ctx.tables, 'allowlist', 0) ?? top;
    allowlists.push(parseAllowlist(ctx, doc['allowlist'], loc, undefined, true));
  }
  const rawAllowlists = doc['allowlists'] ?? [];
  if (!Array.isArray(rawAllowlists)) throw new ConfigError('`allowlists` must be an array of tables ([[allowlists]])', file);
  rawAllowlists.forEach((raw, i) => {
    const loc = nthTable(ctx.tables, 'allowlists', i) ?? top;
    allowlists.push(parseAllowlist(ctx, raw, loc, undefined, true));
  });

  return { rules: lastDefinitionWins(ctx, rules), allowlists, files: [file], warnings: ctx.warnings, ...(extend ? { extend } : {}) };
}

function parseRule(ctx: ParseContext, raw: unknown, index: number): RuleSpec {
  const loc = nthTable(ctx.tables, 'rules', index) ?? ctx.tables[0]!;
  const t = expectTable(ctx, raw, `rules[${index}]`, loc.line);
  const id = t['id'];
  if (typeof id !== 'string' || id.trim() === '') {
    throw new ConfigError(`[[rules]] entry ${index + 1} has no \`id\``, ctx.file, loc.line);
  }
  const fail = (detail: string, key?: string): never => {
    throw new ConfigError(detail, ctx.file, (key && loc.keys.get(key)) || loc.line, id);
  };
  for (const key of Object.keys(t)) {
    if (unsupportedRuleKeys.has(key)) {
      ctx.warnings.push(`${ctx.file}:${loc.keys.get(key) ?? loc.line}: rule '${id}': \`${key}\` is not supported; the rule runs without it`);
    } else if (!ruleKeys.has(key)) {
      unknownKey(ctx, key, loc.keys.get(key) ?? loc.line, `rule '${id}'`);
    }
  }
  const str = (key: string): string | undefined => {
    const v = t[key];
    if (v === undefined) return undefined;
    return typeof v === 'string' ? v : fail(`\`${key}\` must be a string`, key);
  };
  const regex = str('regex');
  const rulePath = str('path');
  // `regex` or `path` is checked after merging with what the config extends (validateRules).
  for (const [key, pattern] of [['regex', regex], ['path', rulePath]] as const) {
    if (pattern === undefined) continue;
    const problem = checkRegex(pattern);
    if (problem) fail(`invalid ${key} (RE2 syntax): ${problem}`, key);
  }
  const secretGroup = t['secretGroup'];
  if (secretGroup !== undefined && (typeof secretGroup !== 'number' || !Number.isInteger(secretGroup) || secretGroup < 0)) {
    fail('`secretGroup` must be a non-negative integer', 'secretGroup');
  }
  const entropy = t['entropy'];
  if (entropy !== undefined && (typeof entropy !== 'number' || entropy < 0)) fail('`entropy` must be a non-negative number', 'entropy');
  const validate = str('validate');
  if (validate !== undefined && !getValidator(validate)) fail(`unknown validator '${validate}'`, 'validate');
  const severity = str('severity');
  if (severity !== undefined && severity !== 'high' && severity !== 'medium' && severity !== 'low') {
    fail('`severity` must be "high", "medium" or "low"', 'severity');
  }
  const confidence = str('confidence');
  if (confidence !== undefined && confidence !== 'high' && confidence !== 'medium' && confidence !== 'low') {
    fail('`confidence` must be "high", "medium" or "low"', 'confidence');
  }
  const keywords = optionalStrings(ctx, t, 'keywords', loc, id)?.map((k) => k.toLowerCase());
  const tags = optionalStrings(ctx, t, 'tags', loc, id);

  const allowlists: AllowlistSpec[] = [];
  if (t['allowlist'] !== undefined && t['allowlists'] !== undefined) {
    fail('[rules.allowlist] (old form) cannot be used alongside [[rules.allowlists]]', 'allowlist');
  }
  if (t['allowlist'] !== undefined) {
    const sub = childTables(ctx.tables, loc, 'rules.allowlist')[0] ?? loc;
    allowlists.push(parseAllowlist(ctx, t['allowlist'], sub, id, false));
  }
  if (t['allowlists'] !== undefined) {
    if (!Array.isArray(t['allowlists'])) fail('`allowlists` must be an array of tables ([[rules.allowlists]])', 'allowlists');
    const subs = childTables(ctx.tables, loc, 'rules.allowlists');
    (t['allowlists'] as unknown[]).forEach((raw, i) => allowlists.push(parseAllowlist(ctx, raw, subs[i] ?? loc, id, false)));
  }

  const examples = t['examples'] === undefined ? undefined : parseExamples(ctx, t['examples'], loc, id);
  return {
    id,
    ...(str('description') !== undefined ? { description: str('description') } : {}),
    ...(regex !== undefined ? { regex } : {}),
    ...(secretGroup !== undefined ? { secretGroup: secretGroup as number } : {}),
    ...(keywords ? { keywords } : {}),
    ...(entropy !== undefined ? { entropy: entropy as number } : {}),
    ...(rulePath !== undefined ? { path: rulePath } : {}),
    ...(tags ? { tags } : {}),
    ...(allowlists.length ? { allowlists } : {}),
    ...(validate !== undefined ? { validate } : {}),
    ...(confidence !== undefined ? { confidence: confidence as RuleSpec['confidence'] & string } : {}),
    ...(severity !== undefined ? { severity: severity as RuleSpec['severity'] & string } : {}),
    ...(examples ? { examples } : {}),
    origin: { file: ctx.file, line: loc.line },
  };
}

function parseExamples(ctx: ParseContext, raw: unknown, loc: TableLocation, id: string): RuleSpec['examples'] {
  const t = expectTable(ctx, raw, 'examples', loc.keys.get('examples') ?? loc.line, id);
  checkKeys(ctx, t, exampleKeys, loc, `rule '${id}' examples`);
  const line = loc.keys.get('examples') ?? loc.line;
  const positive = (t['positive'] ?? []) as unknown[];
  const negative = (t['negative'] ?? []) as unknown[];
  if (!Array.isArray(positive) || !Array.isArray(negative)) {
    throw new ConfigError('`examples.positive` and `examples.negative` must be arrays', ctx.file, line, id);
  }
  const pos: RuleExample[] = positive.map((p) => {
    if (typeof p === 'string') return p;
    if (isTable(p) && typeof p['text'] === 'string' && typeof p['secret'] === 'string') return { text: p['text'], secret: p['secret'] };
    throw new ConfigError('a positive example is a string or { text, secret }', ctx.file, line, id);
  });
  const neg = negative.map((n) => {
    if (typeof n === 'string') return n;
    throw new ConfigError('a negative example is a string', ctx.file, line, id);
  });
  return { positive: pos, negative: neg };
}

function parseAllowlist(ctx: ParseContext, raw: unknown, loc: TableLocation, ruleId: string | undefined, global: boolean): AllowlistSpec {
  const where = ruleId ? `rule '${ruleId}' allowlist` : 'allowlist';
  const t = expectTable(ctx, raw, where, loc.line, ruleId);
  checkKeys(ctx, t, allowlistKeys, loc, where);
  const fail = (detail: string, key: string): never => {
    throw new ConfigError(`${where}: ${detail}`, ctx.file, loc.keys.get(key) ?? loc.line, ruleId);
  };
  const conditionRaw = t['condition'] ?? t['matchCondition'];
  let condition: 'OR' | 'AND' | undefined;
  if (conditionRaw !== undefined) {
    const c = typeof conditionRaw === 'string' ? conditionRaw.toUpperCase() : '';
    if (c !== 'OR' && c !== 'AND') fail('`condition` must be "OR" or "AND"', 'condition');
    condition = c as 'OR' | 'AND';
  }
  const regexTarget = t['regexTarget'];
  if (regexTarget !== undefined && regexTarget !== 'secret' && regexTarget !== 'match' && regexTarget !== 'line') {
    fail('`regexTarget` must be "secret", "match" or "line"', 'regexTarget');
  }
  const regexes = optionalStrings(ctx, t, 'regexes', loc, ruleId);
  const paths = optionalStrings(ctx, t, 'paths', loc, ruleId);
  for (const [key, list] of [['regexes', regexes], ['paths', paths]] as const) {
    for (const pattern of list ?? []) {
      const problem = checkRegex(pattern);
      if (problem) fail(`invalid regex in \`${key}\` (RE2 syntax): ${problem}`, key);
    }
  }
  const targetRules = optionalStrings(ctx, t, 'targetRules', loc, ruleId);
  if (targetRules && !global) fail('`targetRules` belongs in a global [[allowlists]]', 'targetRules');
  const description = t['description'];
  const stopwords = optionalStrings(ctx, t, 'stopwords', loc, ruleId);
  const commits = optionalStrings(ctx, t, 'commits', loc, ruleId);
  if (!regexes?.length && !paths?.length && !stopwords?.length && !commits?.length) {
    // An allowlist that checks nothing would allow nothing (gitleaks refuses it too): surely a mistake.
    throw new ConfigError(`${where} must contain at least one check: commits, paths, regexes or stopwords`, ctx.file, loc.line, ruleId);
  }
  const spec: AllowlistSpec = {
    ...(typeof description === 'string' ? { description } : {}),
    ...(condition ? { condition } : {}),
    ...(regexes ? { regexes } : {}),
    ...(regexTarget ? { regexTarget: regexTarget as 'secret' | 'match' | 'line' } : {}),
    ...(stopwords ? { stopwords } : {}),
    ...(paths ? { paths } : {}),
    ...(commits ? { commits } : {}),
    ...(targetRules ? { targetRules } : {}),
  };
  markChecked(spec); // its regexes and paths went through checkRegex above
  return spec;
}

/**
 * gitleaks ids whose one rule the built-in pack splits into several: disabling the gitleaks id under
 * `[extend] useDefault = true` disables what a gitleaks user expects it to cover (README: Configuration).
 */
export const GITLEAKS_ID_COVERS: Readonly<Record<string, readonly string[]>> = {
  'generic-api-key': ['generic-password', 'generic-secret-xml', 'generic-name-value-secret', 'generic-password-yaml-block'],
};

/** gitleaks follows `[extend]` two levels deep (a config, its base, and the base's base is not read). */
const MAX_EXTEND_DEPTH = 2;

function resolveExtends(parsed: ParsedFile, file: string, opts: { cwd: string; strict: boolean; depth: number }): Config {
  let { extend } = parsed;
  if (extend && (extend.path || extend.useDefault) && opts.depth >= MAX_EXTEND_DEPTH) {
    (parsed.warnings as string[]).push(`${file}: [extend] not followed: configs extend at most ${MAX_EXTEND_DEPTH} levels deep (as in gitleaks)`);
    extend = undefined;
  }
  let base: Config | undefined;
  if (extend?.path && extend.useDefault) {
    throw new ConfigError('[extend] sets both `path` and `useDefault`; choose one (as gitleaks requires)', file);
  }
  if (extend?.path) {
    // gitleaks opens `[extend] path` as given, so relative to the working directory; a file beside the
    // extending config is the fallback (a config in another folder extending its neighbour).
    const fromCwd = path.resolve(opts.cwd, extend.path);
    const beside = path.resolve(path.dirname(file), extend.path);
    const target = existsSync(fromCwd) || !existsSync(beside) ? fromCwd : beside;
    base = loadConfigFile(target, { cwd: opts.cwd, strict: opts.strict, depth: opts.depth + 1 });
  } else if (extend?.useDefault) {
    base = builtinConfig();
  }
  if (!base) {
    if (opts.depth === 0) validateRules(parsed.rules, parsed.allowlists, file);
    return freezeConfig(parsed);
  }
  const disabled = new Set(extend?.disabledRules ?? []);
  if (base === builtinConfig()) for (const id of [...disabled]) for (const alias of GITLEAKS_ID_COVERS[id] ?? []) disabled.add(alias);
  const baseIds = new Set(base.rules.map((r) => r.id));
  const warnings = [...base.warnings, ...parsed.warnings];
  for (const id of disabled) {
    if (!baseIds.has(id) && !parsed.rules.some((r) => r.id === id)) warnings.push(`${file}: disabledRules: no rule '${id}' in the extended config`);
  }
  const own = new Map(parsed.rules.map((r) => [r.id, r]));
  // gitleaks: a rule redefined in the extending config overrides the base rule's fields it sets; tags, keywords
  // and allowlists of both apply.
  const merged = base.rules
    .filter((r) => !disabled.has(r.id))
    .map((r) => {
      const mine = own.get(r.id);
      if (!mine) return r;
      own.delete(r.id);
      const keywords = [...new Set([...(r.keywords ?? []), ...(mine.keywords ?? [])])];
      const tags = [...new Set([...(r.tags ?? []), ...(mine.tags ?? [])])];
      return {
        ...r,
        ...mine,
        ...(keywords.length ? { keywords } : {}),
        ...(tags.length ? { tags } : {}),
        allowlists: [...(r.allowlists ?? []), ...(mine.allowlists ?? [])],
      };
    });
  const rules = [...merged, ...parsed.rules.filter((r) => own.has(r.id) && !disabled.has(r.id))];
  // Validated only now, merged: an id that only adds allowlists to a base rule is complete.
  if (opts.depth === 0) validateRules(rules, [...base.allowlists, ...parsed.allowlists], file);
  return freezeConfig({
    rules,
    allowlists: [...base.allowlists, ...parsed.allowlists],
    files: [...base.files, file],
    warnings,
  });
}

/**
 * Every rule, once merged, matches something (a `regex`, a `path`, or both), and every `targetRules` id of a global
 * allowlist names a rule that exists (checked after the merge, as gitleaks does).
 */
function validateRules(rules: readonly RuleSpec[], allowlists: readonly AllowlistSpec[] = [], file = '?'): void {
  for (const r of rules) {
    if (!r.regex && !r.path) {
      throw new ConfigError('a rule needs `regex`, `path`, or both', r.origin?.file ?? file, r.origin?.line, r.id);
    }
    if (r.regex && r.secretGroup) {
      const groups = captureGroupCount(r.regex);
      if (r.secretGroup > groups) {
        throw new ConfigError(`secretGroup ${r.secretGroup} but the regex has ${groups} capture group${groups === 1 ? '' : 's'}`, r.origin?.file ?? file, r.origin?.line, r.id);
      }
    }
  }
  const ids = new Set(rules.map((r) => r.id));
  for (const a of allowlists) {
    for (const id of a.targetRules ?? []) {
      if (!ids.has(id)) throw new ConfigError(`[[allowlists]] targetRules: rule '${id}' does not exist`, file);
    }
  }
}

/** Duplicate ids in one file: gitleaks keeps the later definition; so do we, with a warning (an error when strict). */
function lastDefinitionWins(ctx: ParseContext, rules: RuleSpec[]): RuleSpec[] {
  const last = new Map<string, RuleSpec>();
  for (const r of rules) {
    const prior = last.get(r.id);
    if (prior) {
      const detail = `duplicate rule id (also at line ${prior.origin?.line ?? '?'}); the later definition is used, as in gitleaks`;
      if (ctx.strict) throw new ConfigError(detail, ctx.file, r.origin?.line, r.id);
      ctx.warnings.push(`${ctx.file}:${r.origin?.line ?? '?'}: rule '${r.id}': ${detail}`);
    }
    last.set(r.id, r);
  }
  return rules.filter((r) => last.get(r.id) === r);
}

function checkKeys(ctx: ParseContext, t: Table, known: ReadonlySet<string>, loc: TableLocation, where: string): void {
  for (const key of Object.keys(t)) {
    if (!known.has(key)) unknownKey(ctx, key, loc.keys.get(key) ?? loc.line, where);
  }
}

function unknownKey(ctx: ParseContext, key: string, line: number, where: string): void {
  if (!ctx.strict) {
    ctx.warnings.push(`${ctx.file}:${line}: unknown key \`${key}\` in ${where}; ignored (an error with --strict-config)`);
    return;
  }
  const rule = /^rule '(.*)'/.exec(where)?.[1];
  throw new ConfigError(`unknown key \`${key}\`${rule ? '' : ` in ${where}`}`, ctx.file, line, rule);
}

function expectTable(ctx: ParseContext, v: unknown, what: string, line: number, ruleId?: string): Table {
  if (!isTable(v)) throw new ConfigError(`\`${what}\` must be a table`, ctx.file, line, ruleId);
  return v;
}

function optionalStrings(ctx: ParseContext, t: Table, key: string, loc: TableLocation, ruleId?: string): string[] | undefined {
  const v = t[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw new ConfigError(`\`${key}\` must be an array of strings`, ctx.file, loc.keys.get(key) ?? loc.line, ruleId);
  }
  return v as string[];
}

function optionalBoolean(ctx: ParseContext, t: Table, key: string, loc: TableLocation): boolean | undefined {
  const v = t[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new ConfigError(`\`${key}\` must be true or false`, ctx.file, loc.keys.get(key) ?? loc.line);
  return v;
}

function checkUniqueIds(rules: readonly RuleSpec[], file?: string): void {
  const seen = new Map<string, RuleSpec>();
  for (const r of rules) {
    const prior = seen.get(r.id);
    if (prior) {
      throw new ConfigError(
        `duplicate rule id (also at ${prior.origin?.file ?? '?'}:${prior.origin?.line ?? '?'})`,
        r.origin?.file ?? file ?? '?', r.origin?.line, r.id,
      );
    }
    seen.set(r.id, r);
  }
}

function freezeConfig(c: Config): Config {
  return Object.freeze({ rules: c.rules, allowlists: c.allowlists, files: c.files, warnings: c.warnings });
}
