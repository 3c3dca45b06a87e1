/**
 * What every finding-producing command shares: the report flags, config and baseline loading, suppression,
 * rendering and the exit code. Commands differ only in the fragments they feed in.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
// Module paths rather than the package barrel (`src/index.ts`): the barrel loads the masker and the git sources too,
// and every millisecond of start-up is paid on each `git commit` through the hook.
import { ConfigError, loadConfig } from '../core/config.js';
import { newSalt, readBaseline, writeBaseline } from '../core/baseline.js';
import { createSuppressor, readGitleaksIgnore } from '../core/suppress.js';
import { scanFragments } from '../core/workers.js';
import type { Config, Finding, Fragment } from '../core/types.js';
import { formatReport, shouldUseColor, type ReportFormat } from '../report/index.js';
import { UsageError, type CliIO } from './io.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags shared by scan, diff, staged and history. gitleaks' spellings are accepted as aliases. */
export const reportOptions = {
  config: { type: 'string', short: 'c' },
  format: { type: 'string', short: 'f' },
  'report-format': { type: 'string' },
  output: { type: 'string', short: 'o' },
  'report-path': { type: 'string', short: 'r' },
  redact: { type: 'string' },
  'show-secrets': { type: 'boolean' },
  'exit-code': { type: 'string' },
  baseline: { type: 'string' },
  'baseline-path': { type: 'string', short: 'b' },
  'write-baseline': { type: 'string' },
  'max-decode-depth': { type: 'string' },
  'enable-rule': { type: 'string', multiple: true },
  threads: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  'no-color': { type: 'boolean' },
  'no-banner': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export const reportHelp = `report options:
  -c, --config FILE         rules config (default: LEAKWARD_CONFIG, .leakward.toml, .gitleaks.toml, built-in)
  -f, --format FMT          text (default), json or sarif
  -o, --output FILE         write the report to FILE instead of stdout
      --redact=N            hide N% of each secret (default: show the first 4 characters)
      --show-secrets        print secrets whole (never the default)
      --exit-code N         exit code when there are findings (default 1)
      --baseline FILE       ignore findings listed in FILE (default: .leakward-baseline.json if present;
                            a gitleaks JSON report works too)
      --write-baseline FILE record the current findings' fingerprints in FILE and exit 0
      --max-decode-depth N  decode Base64/percent/hex and rescan N levels deep (default 2, 0 = off)
      --enable-rule ID      run only this rule (repeatable)
      --threads N           worker threads (default: one per core)
  -v, --verbose             report skipped files (binary, too large, symlinks)
      --no-color            no colour even on a terminal
`;

export interface ReportFlags {
  readonly config?: string;
  readonly format: ReportFormat;
  readonly output?: string;
  readonly redact?: number;
  readonly showSecrets: boolean;
  readonly exitCode: number;
  readonly baseline?: string;
  readonly writeBaseline?: string;
  readonly maxDecodeDepth?: number;
  readonly enableRules?: string[];
  readonly threads?: number;
  readonly verbose: boolean;
  readonly noColor: boolean;
}

/**
 * Parses a command's arguments: the shared report flags plus the command's own.
 * `--redact` alone means 100%, as in gitleaks.
 */
export interface ParsedCommand {
  readonly values: { readonly [flag: string]: string | boolean | string[] | boolean[] | undefined };
  readonly positionals: string[];
}

export function parseCommandArgs(args: string[], own: Options): ParsedCommand {
  const normalised = args.map((a) => (a === '--redact' ? '--redact=100' : a));
  try {
    return parseArgs({ args: normalised, options: { ...reportOptions, ...own }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function reportFlags(values: Record<string, unknown>): ReportFlags {
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const format = (str('format') ?? str('report-format') ?? 'text').toLowerCase();
  if (format !== 'text' && format !== 'json' && format !== 'sarif') {
    throw new UsageError(`--format must be text, json or sarif (got '${format}')`);
  }
  const int = (k: string, min: number, max: number): number | undefined => {
    const v = str(k);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${k} takes a whole number from ${min} to ${max}`);
    return n;
  };
  const output = str('output') ?? str('report-path');
  const baseline = str('baseline') ?? str('baseline-path');
  const writeBaselineFile = str('write-baseline');
  const redact = int('redact', 0, 100);
  const maxDecodeDepth = int('max-decode-depth', 0, 8);
  const threads = int('threads', 1, 256);
  const config = str('config');
  return {
    format,
    showSecrets: values['show-secrets'] === true,
    exitCode: int('exit-code', 0, 255) ?? 1,
    verbose: values['verbose'] === true,
    noColor: values['no-color'] === true,
    ...(config !== undefined ? { config } : {}),
    ...(output !== undefined ? { output } : {}),
    ...(redact !== undefined ? { redact } : {}),
    ...(baseline !== undefined ? { baseline } : {}),
    ...(writeBaselineFile !== undefined ? { writeBaseline: writeBaselineFile } : {}),
    ...(maxDecodeDepth !== undefined ? { maxDecodeDepth } : {}),
    ...(threads !== undefined ? { threads } : {}),
    ...(Array.isArray(values['enable-rule']) ? { enableRules: values['enable-rule'] as string[] } : {}),
  };
}

/** Loads the config, printing its warnings; a broken config is a usage error (exit 2). */
export async function loadCommandConfig(io: CliIO, root: string, flags: ReportFlags): Promise<Config> {
  try {
    const config = await loadConfig({ root, env: io.env, ...(flags.config ? { configPath: flags.config } : {}) });
    for (const w of config.warnings) io.stderr.write(`leakward: warning: ${w}\n`);
    return config;
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
}

export interface FindingsCommand {
  readonly io: CliIO;
  /** Scan root: config discovery, baseline, relative paths in reports. */
  readonly root: string;
  readonly flags: ReportFlags;
  readonly fragments: AsyncIterable<Fragment> | Iterable<Fragment>;
  /** Loaded config, if the command needed it earlier; loaded here otherwise. */
  readonly config?: Config;
  /** Extra lines printed to stderr after a text report with findings (e.g. the hook's advice). */
  readonly adviceOnFindings?: string;
  readonly maxFileSize?: number;
}

/** Scans, filters, reports; returns the exit code (0 clean, flags.exitCode on findings). */
export async function runFindingsCommand(cmd: FindingsCommand): Promise<number> {
  const { io, root, flags } = cmd;
  const config = cmd.config ?? (await loadCommandConfig(io, root, flags));

  const baselineFile = flags.baseline
    ? path.resolve(io.cwd, flags.baseline)
    : existsSync(path.join(root, '.leakward-baseline.json')) ? path.join(root, '.leakward-baseline.json') : undefined;
  if (flags.baseline && !existsSync(baselineFile!)) throw new UsageError(`baseline not found: ${flags.baseline}`);
  const baseline = baselineFile ? await readBaseline(baselineFile) : undefined;
  const ignoreFile = path.join(root, '.gitleaksignore');
  const gitleaksIgnore = existsSync(ignoreFile) ? await readGitleaksIgnore(ignoreFile) : undefined;
  const suppressed = createSuppressor({ ...(baseline ? { baseline } : {}), ...(gitleaksIgnore ? { gitleaksIgnore } : {}) });
  const salt = baseline?.salt ?? (flags.writeBaseline ? newSalt() : undefined);

  const findings: Finding[] = [];
  const writing = flags.writeBaseline !== undefined;
  for await (const f of scanFragments(cmd.fragments, config, {
    ...(flags.threads ? { threads: flags.threads } : {}),
    ...(flags.maxDecodeDepth !== undefined ? { maxDecodeDepth: flags.maxDecodeDepth } : {}),
    ...(flags.enableRules ? { enableRules: flags.enableRules } : {}),
    ...(salt ? { fingerprintSalt: salt } : {}),
    ...(cmd.maxFileSize ? { maxFileSize: cmd.maxFileSize } : {}),
    onSkip: (file: string, reason: string, detail?: string) => {
      if (reason === 'unreadable' || flags.verbose) {
        io.stderr.write(`leakward: skipped ${file} (${reason}${detail ? `: ${detail}` : ''})\n`);
      }
    },
  })) {
    if (writing || !suppressed(f)) findings.push(f);
  }
  findings.sort(byLocation);

  if (writing) {
    const file = path.resolve(io.cwd, flags.writeBaseline!);
    await writeBaseline(file, findings, salt!);
    io.stderr.write(`leakward: wrote ${findings.length} fingerprint${findings.length === 1 ? '' : 's'} to ${flags.writeBaseline}\n`);
    return 0;
  }

  const out = flags.output ? createWriteStream(path.resolve(io.cwd, flags.output)) : io.stdout;
  const color = !flags.output && !flags.noColor && shouldUseColor(io.stdout, io.env);
  const report = formatReport(findings, {
    format: flags.format,
    root,
    color,
    rules: config.rules,
    showSecrets: flags.showSecrets,
    ...(flags.redact !== undefined ? { redact: flags.redact } : {}),
  });
  if (report) out.write(report);
  if (flags.output) {
    out.end();
    await once(out, 'finish');
  }
  if (findings.length > 0 && cmd.adviceOnFindings) io.stderr.write(cmd.adviceOnFindings);
  return findings.length > 0 ? flags.exitCode : 0;
}

function byLocation(a: Finding, b: Finding): number {
  return (
    cmp(a.commit?.date ?? '', b.commit?.date ?? '') ||
    cmp(a.commit?.sha ?? '', b.commit?.sha ?? '') ||
    cmp(a.file, b.file) ||
    a.startLine - b.startLine ||
    a.startColumn - b.startColumn ||
    cmp(a.ruleId, b.ruleId)
  );
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
