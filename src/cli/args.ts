/**
 * The argument half of common.ts: the report flags every finding-producing command shares, and their parsing.
 * Apart so a command can parse its arguments and start git before the scanner's module graph is loaded
 * (`import('../common.js')` then overlaps git's start-up).
 */
import { availableParallelism } from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { ReportFormat } from '../report/types.js';
import { argsError, UsageError } from './io.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags shared by scan, diff, staged and history. gitleaks' spellings are accepted as aliases. */
export const reportOptions = {
  config: { type: 'string', short: 'c' },
  'strict-config': { type: 'boolean' },
  format: { type: 'string', short: 'f' },
  'report-format': { type: 'string' },
  output: { type: 'string', short: 'o' },
  'report-path': { type: 'string', short: 'r' },
  redact: { type: 'string' },
  'show-secrets': { type: 'boolean' },
  'exit-code': { type: 'string' },
  'min-severity': { type: 'string' },
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
  -c, --config FILE         rules config (default: LEAKWARD_CONFIG, GITLEAKS_CONFIG, LEAKWARD_CONFIG_TOML,
                            GITLEAKS_CONFIG_TOML, .leakward.toml or .gitleaks.toml at the scan base, else
                            built-in); a relative FILE is relative to the working directory
      --strict-config       unknown config keys and duplicate rule ids are errors (default: warnings)
  -f, --format FMT          text (default), json or sarif
  -o, --output FILE         write the report to FILE instead of stdout
      --redact[=N]          hide N% of each secret; bare --redact hides all of it
                            (default: show the first 4 characters)
      --show-secrets        print secrets whole (never the default)
      --exit-code N         exit code when there are findings (default 1)
      --min-severity LEVEL  report only findings of this severity or above: low (default), medium, high
      --baseline FILE       ignore findings listed in FILE (default: .leakward-baseline.json if present;
                            a gitleaks JSON report works too)
      --write-baseline FILE record the current findings' fingerprints in FILE and exit 0
      --max-decode-depth N  decode Base64/percent/hex and rescan N levels deep (default 2, 0 = off)
      --enable-rule ID      run only this rule (repeatable)
      --threads N           scanning threads, main included (default: one per core; at most 4 per core)
  -v, --verbose             report skipped files (binary, too large, symlinks)
      --no-color            no colour even on a terminal
`;

export interface ReportFlags {
  readonly config?: string;
  readonly strictConfig?: boolean;
  readonly format: ReportFormat;
  readonly output?: string;
  readonly redact?: number;
  readonly showSecrets: boolean;
  readonly exitCode: number;
  readonly minSeverity: 'low' | 'medium' | 'high';
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
 * `--redact` alone means 100%, as in gitleaks; `--redact=N` is N%. `--redact 50` is refused: gitleaks reads it
 * as a bare `--redact` and a path `50`, which silently scans the wrong thing.
 */
export interface ParsedCommand {
  readonly values: { readonly [flag: string]: string | boolean | string[] | boolean[] | undefined };
  readonly positionals: string[];
}

export function parseCommandArgs(args: string[], own: Options): ParsedCommand {
  const end = args.indexOf('--');
  const normalised = args.map((a, i) => {
    if (a !== '--redact' || (end !== -1 && i > end)) return a;
    const next = args[i + 1];
    if (next !== undefined && (end === -1 || i + 1 < end) && /^\d+(\.\d*)?%?$/.test(next)) {
      throw new UsageError(`write --redact=${next} (with '='): a bare --redact hides 100% and '${next}' would be read as a path`);
    }
    return '--redact=100';
  });
  try {
    return parseArgs({ args: normalised, options: { ...reportOptions, ...own }, allowPositionals: true, strict: true });
  } catch (err) {
    throw argsError(err);
  }
}

/**
 * A whole-number flag value: digits only (`Number('')` is 0 and `Number('0x10')` is 16, so `Number` alone would
 * let `--exit-code ""` turn findings into exit 0). Undefined when the flag is absent.
 */
export function wholeNumberFlag(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = /^[0-9]{1,9}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${flag} takes a whole number from ${min} to ${max} (got '${printableArg(value)}')`);
  }
  return n;
}

/** A decimal flag value (e.g. megabytes): digits with an optional fraction, above zero. */
export function positiveDecimalFlag(flag: string, value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const n = /^[0-9]{1,9}(\.[0-9]{1,6})?$/.test(value) ? Number(value) : NaN;
  if (!(n > 0)) throw new UsageError(`--${flag} takes ${what} above 0 (got '${printableArg(value)}')`);
  return n;
}

/** An argument as an error may quote it: control characters escaped, at most 40 characters. */
function printableArg(v: string): string {
  const s = JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v).slice(1, -1);
  return s;
}

/** `--threads` above this is refused: each worker holds a scanner, and 256 threads on 2 cores took 3.7 GB. */
export const maxThreads = (): number => 4 * availableParallelism();

export function reportFlags(values: Record<string, unknown>): ReportFlags {
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const format = (str('format') ?? str('report-format') ?? 'text').toLowerCase();
  if (format !== 'text' && format !== 'json' && format !== 'sarif') {
    throw new UsageError(`--format must be text, json or sarif (got '${format}')`);
  }
  const int = (k: string, min: number, max: number): number | undefined => wholeNumberFlag(k, str(k), min, max);
  const output = str('output') ?? str('report-path');
  const baseline = str('baseline') ?? str('baseline-path');
  const writeBaselineFile = str('write-baseline');
  const redact = int('redact', 0, 100);
  const maxDecodeDepth = int('max-decode-depth', 0, 8);
  const threads = int('threads', 1, maxThreads());
  const config = str('config');
  const minSeverity = (str('min-severity') ?? 'low').toLowerCase();
  if (minSeverity !== 'low' && minSeverity !== 'medium' && minSeverity !== 'high') {
    throw new UsageError(`--min-severity must be low, medium or high (got '${minSeverity}')`);
  }
  return {
    minSeverity,
    format,
    showSecrets: values['show-secrets'] === true,
    ...(values['strict-config'] === true ? { strictConfig: true } : {}),
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


/** Live verification flags: only `scan`, `history` and `verify` take them (the hooks and `mask` never call out). */
export const verifyOptions = {
  verify: { type: 'boolean' },
  'verify-databases': { type: 'boolean' },
  'only-verified': { type: 'boolean' },
  'verify-timeout': { type: 'string' },
} as const satisfies Options;

export const verifyHelp = `verification options (off by default; they call the providers' APIs):
      --verify              check each finding of a supported rule with its provider, read-only:
                            verified / invalid / unknown, with the identity and time of the check
      --verify-databases    also connect to the Postgres/MySQL servers named in URIs (implies --verify)
      --only-verified       report only working credentials (implies --verify; exit 1 if any, else 0)
      --verify-timeout SEC  give up on checks still running after SEC seconds (default 120): unknown
`;

export interface VerifyFlags {
  readonly databases: boolean;
  readonly onlyVerified: boolean;
  readonly timeoutMs?: number;
}

/** The verification flags, or undefined when verification was not asked for. */
export function verifyFlags(values: Record<string, unknown>): VerifyFlags | undefined {
  const databases = values['verify-databases'] === true;
  const onlyVerified = values['only-verified'] === true;
  const timeout = positiveDecimalFlag('verify-timeout', typeof values['verify-timeout'] === 'string' ? values['verify-timeout'] : undefined, 'a number of seconds');
  if (values['verify'] !== true && !databases && !onlyVerified) {
    if (timeout !== undefined) throw new UsageError('--verify-timeout needs --verify');
    return undefined;
  }
  return { databases, onlyVerified, ...(timeout !== undefined ? { timeoutMs: Math.round(timeout * 1000) } : {}) };
}
