/**
 * Loads rule configurations: the built-in pack in `patterns/`, a user's `.leakward.toml`, or an existing
 * `.gitleaks.toml` unchanged, with gitleaks' semantics (a config replaces the built-in rules unless it says
 * `[extend] useDefault = true` or `[extend] path = …`; `disabledRules`, `[allowlist]`, `[[allowlists]]`).
 *
 * Errors name the file, the line and the rule (`ConfigError`). Unknown keys are an error in leakward's own files
 * and a warning in gitleaks' (gitleaks grows keys we may not know yet; a migrating user must not be blocked).
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { childTables, locateTables, nthTable, type TableLocation } from './config-lines.js';
import { packageRoot, patternsDir } from './paths.js';
import type { AllowlistSpec, Config, RuleExample, RuleSpec } from './types.js';
import { getValidator } from './validators.js';
import { checkRegex } from './regex.js';
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

/** How strictly unknown keys are treated. */
type Dialect = 'leakward' | 'gitleaks';

const topKeys = new Set(['title', 'description', 'minVersion', 'extend', 'rules', 'allowlist', 'allowlists']);
const extendKeys = new Set(['useDefault', 'path', 'url', 'disabledRules']);
const ruleKeys = new Set([
  'id', 'description', 'regex', 'secretGroup', 'entropy', 'keywords', 'path', 'tags', 'allowlist', 'allowlists',
  'examples', 'validate', 'confidence', 'severity',
]);
/** gitleaks keys we accept but do not implement (composite rules): a warning, whatever the dialect. */
const unsupportedRuleKeys = new Set(['required', 'skipReport', 'smartFilter']);
const allowlistKeys = new Set([
  'description', 'condition', 'matchCondition', 'regexes', 'regexTarget', 'stopwords', 'paths', 'commits', 'targetRules',
]);
const exampleKeys = new Set(['positive', 'negative']);

interface ParseContext {
  readonly file: string;
  readonly dialect: Dialect;
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
 * unless a pattern file is newer than it.
 */
let builtin: Config | undefined;
export function builtinConfig(): Config {
  if (builtin) return builtin;
  const files = readdirSync(patternsDir).filter((f) => f.endsWith('.toml')).sort();
  builtin = readCompiledPack(files) ?? compilePack(files);
  return builtin;
}

function readCompiledPack(files: readonly string[]): Config | undefined {
  try {
    const built = statSync(compiledPackFile).mtimeMs;
    if (files.some((f) => statSync(path.join(patternsDir, f)).mtimeMs > built)) return undefined;
    const pack = JSON.parse(readFileSync(compiledPackFile, 'utf8')) as Config;
    if (pack.files.length !== files.length) return undefined;
    // Every pattern in the built pack was checked when it was built.
    for (const a of pack.allowlists) markChecked(a);
    for (const r of pack.rules) for (const a of r.allowlists ?? []) markChecked(a);
    return freezeConfig(pack);
  } catch {
    return undefined;
  }
}

function compilePack(files: readonly string[]): Config {
  const parts = files.map((f) => {
    const file = path.join(patternsDir, f);
    return parseFile(readFileSync(file, 'utf8'), file, 'leakward');
  });
  const pack = freezeConfig({
    rules: parts.flatMap((p) => p.rules),
    allowlists: parts.flatMap((p) => p.allowlists),
    files: files.map((f) => path.join(patternsDir, f)),
    warnings: parts.flatMap((p) => p.warnings),
  });
  checkUniqueIds(pack.rules);
  return pack;
}

/** Parses and checks every pattern file and writes `dist/pack.json`; a broken pack fails the build. */
export function writeCompiledPack(): Config {
  const files = readdirSync(patternsDir).filter((f) => f.endsWith('.toml')).sort();
  const pack = compilePack(files);
  writeFileSync(compiledPackFile, JSON.stringify(pack));
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
  /** The scan root, where `.leakward.toml` / `.gitleaks.toml` are looked for. */
  readonly root: string;
  /** An explicit config file (`-c/--config`). */
  readonly configPath?: string;
  /** Environment for `LEAKWARD_CONFIG` (and gitleaks' `GITLEAKS_CONFIG`). */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Finds and loads the config: `--config FILE`, else `LEAKWARD_CONFIG`, else `GITLEAKS_CONFIG`, else
 * `.leakward.toml`, else `.gitleaks.toml` in the root, else the built-in pack.
 */
export async function loadConfig(options: LoadConfigOptions): Promise<Config> {
  const file = findConfigFile(options);
  if (!file) return builtinConfig();
  const config = loadConfigFile(file);
  // An empty or title-only config committed by mistake would turn the fail-closed hook into a no-op.
  if (config.rules.length === 0) {
    throw new ConfigError('defines no active rule (add [[rules]], or [extend] useDefault = true for the built-in ones)', file);
  }
  return config;
}

/** The config file `loadConfig` would read, or undefined for the built-in pack. */
export function findConfigFile(options: LoadConfigOptions): string | undefined {
  const env = options.env ?? {};
  const explicit = options.configPath ?? env['LEAKWARD_CONFIG'] ?? env['GITLEAKS_CONFIG'];
  if (explicit) {
    const file = path.resolve(options.root, explicit);
    if (!existsSync(file)) throw new ConfigError('config file not found', file);
    return file;
  }
  for (const name of ['.leakward.toml', '.gitleaks.toml']) {
    const file = path.join(options.root, name);
    if (existsSync(file)) return file;
  }
  return undefined;
}

/** Loads one config file, following `[extend]`. */
export function loadConfigFile(file: string, depth = 0): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, file);
  }
  return resolveExtends(parseConfigText(text, file), text, file, depth);
}

/** gitleaks configs are forgiving about keys; leakward's own are strict. */
function dialectOf(file: string): Dialect {
  return path.basename(file).toLowerCase().includes('gitleaks') ? 'gitleaks' : 'leakward';
}

/** Parses one config text without following `[extend]` (see `loadConfigFile` for that). */
export function parseConfigText(text: string, file: string): Config {
  return parseFile(text, file, dialectOf(file));
}

interface ParsedFile extends Config {
  readonly extend?: { useDefault: boolean; path?: string; disabledRules: string[] };
}

function parseFile(text: string, file: string, dialect: Dialect): ParsedFile {
  let doc: Table;
  try {
    doc = loadToml().parse(text) as Table;
  } catch (err) {
    if (err instanceof loadToml().TomlError) {
      throw new ConfigError(`TOML syntax error: ${err.message.split('\n')[0]}`, file, err.line);
    }
    throw err;
  }
  const ctx: ParseContext = { file, dialect, tables: locateTables(text), warnings: [] };
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

  checkUniqueIds(rules, file);
  return { rules, allowlists, files: [file], warnings: ctx.warnings, ...(extend ? { extend } : {}) };
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
  if (!regex && !rulePath) fail('a rule needs `regex`, `path`, or both');
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

function resolveExtends(parsed: ParsedFile, _text: string, file: string, depth: number): Config {
  const { extend } = parsed;
  let base: Config | undefined;
  if (extend?.path) {
    if (depth >= 4) throw new ConfigError('[extend] path nests more than 4 deep (a cycle?)', file);
    base = loadConfigFile(path.resolve(path.dirname(file), extend.path), depth + 1);
  } else if (extend?.useDefault) {
    base = builtinConfig();
  }
  if (!base) return freezeConfig(parsed);
  const disabled = new Set(extend?.disabledRules ?? []);
  const own = new Map(parsed.rules.map((r) => [r.id, r]));
  // gitleaks: a rule redefined in the extending config overrides the base rule's fields it sets,
  // and the allowlists of both apply.
  const merged = base.rules
    .filter((r) => !disabled.has(r.id))
    .map((r) => {
      const mine = own.get(r.id);
      if (!mine) return r;
      own.delete(r.id);
      return { ...r, ...mine, allowlists: [...(r.allowlists ?? []), ...(mine.allowlists ?? [])] };
    });
  return freezeConfig({
    rules: [...merged, ...parsed.rules.filter((r) => own.has(r.id) && !disabled.has(r.id))],
    allowlists: [...base.allowlists, ...parsed.allowlists],
    files: [...base.files, file],
    warnings: [...base.warnings, ...parsed.warnings],
  });
}

function checkKeys(ctx: ParseContext, t: Table, known: ReadonlySet<string>, loc: TableLocation, where: string): void {
  for (const key of Object.keys(t)) {
    if (!known.has(key)) unknownKey(ctx, key, loc.keys.get(key) ?? loc.line, where);
  }
}

function unknownKey(ctx: ParseContext, key: string, line: number, where: string): void {
  if (ctx.dialect === 'gitleaks') {
    ctx.warnings.push(`${ctx.file}:${line}: unknown key \`${key}\` in ${where}; ignored`);
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
