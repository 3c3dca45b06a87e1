/**
 * What every finding-producing command shares: the report flags, config and baseline loading, suppression,
 * rendering and the exit code. Commands differ only in the fragments they feed in.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { atLeastSeverity } from '../core/severity.js';
import { once } from 'node:events';
import path from 'node:path';
// Module paths rather than the package barrel (`src/index.ts`): the barrel loads the masker and the git sources too,
// and every millisecond of start-up is paid on each `git commit` through the hook.
import { ConfigError, loadConfig } from '../core/config.js';
import { scanFragments, type ParallelScanOptions } from '../core/workers.js';
import { FINGERPRINT_KEY_ENV } from '../core/fingerprint.js';
import type { Config, Finding, Fragment } from '../core/types.js';
import { formatReport, printable, scrubCommitMetadata, secretsBySource, shouldUseColor } from '../report/index.js';
// baseline.js and suppress.js load only when a baseline, a .gitleaksignore or --write-baseline asks for them.
import { UsageError, type CliIO } from './io.js';

export { parseCommandArgs, positiveDecimalFlag, wholeNumberFlag, reportFlags, reportHelp, reportOptions, verifyFlags, verifyHelp, verifyOptions, type ParsedCommand, type ReportFlags, type VerifyFlags } from './args.js';
import type { ReportFlags, VerifyFlags } from './args.js';

/** Loads the config, printing its warnings; a broken config is a usage error (exit 2). */
export async function loadCommandConfig(io: CliIO, root: string, flags: ReportFlags): Promise<Config> {
  try {
    const config = await loadConfig({
      root, cwd: io.cwd, env: io.env, strict: flags.strictConfig === true, ...(flags.config ? { configPath: flags.config } : {}),
    });
    for (const w of config.warnings) io.stderr.write(`leakward: warning: ${w}\n`);
    return config;
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
}

/**
 * Skips are never silent. What was meant to be scanned and could not be (too large, unreadable, a dangling link,
 * a path too long) is a warning on stderr, path and reason, never content; what is skipped by design (binary files,
 * symbolic links) is counted, and the counts are printed at the end. `-v` lists every skip.
 */
export interface SkipLog {
  readonly onSkip: (file: string, reason: string, detail?: string) => void;
  /** Prints the counts of by-design skips (stderr), once the scan is over. */
  summarise(): void;
  readonly counts: ReadonlyMap<string, number>;
}

// Skipped on purpose: counted (and listed with -v), never a warning. Dependency folders are other people's code.
const BY_DESIGN = new Set(['binary', 'symlink', 'dependencies']);

export function skipLog(io: CliIO, verbose: boolean): SkipLog {
  const counts = new Map<string, number>();
  return {
    counts,
    onSkip(file: string, reason: string, detail?: string): void {
      counts.set(reason, (counts.get(reason) ?? 0) + 1);
      if (verbose || !BY_DESIGN.has(reason)) {
        const what = BY_DESIGN.has(reason) ? 'skipped' : 'warning: not scanned:';
        io.stderr.write(`leakward: ${what} ${printable(file)} (${reason}${detail ? `: ${printable(detail)}` : ''})\n`);
      }
    },
    summarise(): void {
      if (counts.size === 0) return;
      const parts = [...counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([r, n]) => `${n} ${r}`);
      io.stderr.write(`leakward: skipped ${parts.join(', ')}${verbose ? '' : ' (-v lists them)'}\n`);
    },
  };
}

export interface FindingsCommand {
  readonly io: CliIO;
  /** Scan root: config discovery, baseline, relative paths in reports. */
  readonly root: string;
  readonly flags: ReportFlags;
  readonly fragments?: AsyncIterable<Fragment> | Iterable<Fragment>;
  /** Instead of `fragments`: the command scans itself (images: one scan per layer digest, findings fanned out). */
  readonly scan?: (config: Config, options: ParallelScanOptions) => AsyncIterable<Finding>;
  /** Loaded config, if the command needed it earlier; loaded here otherwise. */
  readonly config?: Config;
  /** Extra lines printed to stderr after a text report with findings (e.g. the hook's advice). */
  readonly adviceOnFindings?: string;
  readonly maxFileSize?: number;
  /** Where skips go (scan shares it with the file walk); one is made otherwise. */
  readonly skips?: SkipLog;
  /** Live verification (`--verify`): off when absent. */
  readonly verify?: VerifyFlags;
  /** Reads back the text a finding was found in (verification partners, database URIs). */
  readonly readText?: (f: Finding) => Promise<string | undefined>;
  /**
   * Asked once the fragments are exhausted: did reading the input fail? `scanned: false`: nothing was scanned (no
   * report and no baseline are written); true: a partial scan (the report says so: SARIF `executionSuccessful:
   * false`). Either way the command exits 2; the caller prints its own message.
   */
  readonly failure?: () => { readonly message: string; readonly scanned: boolean } | undefined;
  /** Called when the scan is over, before anything is reported (history clears its progress line there). */
  readonly onScanned?: () => void;
}

/** Scans, filters, reports; returns the exit code (0 clean, flags.exitCode on findings). */
export async function runFindingsCommand(cmd: FindingsCommand): Promise<number> {
  const { io, root, flags } = cmd;
  const config = cmd.config ?? (await loadCommandConfig(io, root, flags));

  const baselineFile = flags.baseline
    ? path.resolve(io.cwd, flags.baseline)
    : existsSync(path.join(root, '.leakward-baseline.json')) ? path.join(root, '.leakward-baseline.json') : undefined;
  if (flags.baseline && !existsSync(baselineFile!)) throw new UsageError(`baseline not found: ${flags.baseline}`);
  const ignoreFile = path.join(root, '.gitleaksignore');
  const hasIgnoreFile = existsSync(ignoreFile);
  const baselines = baselineFile || hasIgnoreFile || flags.writeBaseline !== undefined ? await import('../core/baseline.js') : undefined;
  // The fingerprint key: LEAKWARD_FINGERPRINT_KEY (private, kept out of the repository), else the baseline's salt,
  // else (writing a first baseline) a fresh salt, else the public default.
  const privateKey = io.env[FINGERPRINT_KEY_ENV] || undefined;
  const baseline = baselineFile ? await baselines!.readBaseline(baselineFile, { privateKey }) : undefined;
  const salt = privateKey ?? baseline?.salt ?? (flags.writeBaseline ? baselines!.newSalt() : undefined);
  let suppressed: (f: Finding) => boolean = () => false;
  if (baselines) {
    const { createSuppressor, readGitleaksIgnore } = await import('../core/suppress.js');
    const gitleaksIgnore = hasIgnoreFile ? await readGitleaksIgnore(ignoreFile) : undefined;
    suppressed = createSuppressor({ ...(baseline ? { baseline } : {}), ...(gitleaksIgnore ? { gitleaksIgnore } : {}), salt });
  }

  const skips = cmd.skips ?? skipLog(io, flags.verbose);
  let findings: Finding[] = [];
  // Suppressed findings are not reported, but their secrets are still redacted inside the matches that are.
  const hidden: Array<Pick<Finding, 'file' | 'secret' | 'commit'>> = [];
  const writing = flags.writeBaseline !== undefined;
  const scanOptions: ParallelScanOptions = {
    ...(flags.threads ? { threads: flags.threads } : {}),
    ...(flags.maxDecodeDepth !== undefined ? { maxDecodeDepth: flags.maxDecodeDepth } : {}),
    ...(flags.enableRules ? { enableRules: flags.enableRules } : {}),
    ...(salt ? { fingerprintSalt: salt } : {}),
    ...(cmd.maxFileSize ? { maxFileSize: cmd.maxFileSize } : {}),
    onSkip: skips.onSkip,
  };
  for await (const f of cmd.scan ? cmd.scan(config, scanOptions) : scanFragments(cmd.fragments ?? [], config, scanOptions)) {
    if (!writing && !atLeastSeverity(f, flags.minSeverity)) continue;
    if (writing || !suppressed(f)) findings.push(f);
    else hidden.push({ file: f.file, secret: f.secret, ...(f.commit ? { commit: f.commit } : {}) });
  }
  cmd.onScanned?.();
  findings.sort(byLocation);
  skips.summarise();
  const failed = cmd.failure?.();
  if (failed && (!failed.scanned || writing)) return 2; // nothing to report, or a baseline that would miss things

  if (writing) {
    const file = path.resolve(io.cwd, flags.writeBaseline!);
    await baselines!.writeBaseline(file, findings, salt!, privateKey !== undefined);
    io.stderr.write(`leakward: wrote ${findings.length} fingerprint${findings.length === 1 ? '' : 's'} to ${flags.writeBaseline}\n`);
    return 0;
  }

  if (cmd.verify) findings = await verifyAndFilter(findings, cmd.verify, io, cmd.readText);

  const out = flags.output ? createWriteStream(path.resolve(io.cwd, flags.output)) : io.stdout;
  const color = !flags.output && !flags.noColor && shouldUseColor(io.stdout, io.env);
  const redaction = { showSecrets: flags.showSecrets, ...(flags.redact !== undefined ? { redact: flags.redact } : {}) };
  const report = formatReport(scrubCommitMetadata(findings, redaction), {
    format: flags.format,
    root,
    color,
    rules: config.rules,
    otherSecrets: secretsBySource([...findings, ...hidden]),
    showSecrets: flags.showSecrets,
    ...(flags.redact !== undefined ? { redact: flags.redact } : {}),
    ...(failed ? { incomplete: failed.message } : {}),
  });
  if (report) out.write(report);
  if (flags.output) {
    out.end();
    await once(out, 'finish');
  }
  if (findings.length > 0 && cmd.adviceOnFindings) io.stderr.write(cmd.adviceOnFindings);
  if (failed) return 2;
  return findings.length > 0 ? flags.exitCode : 0;
}

/** Runs live verification over the findings (loaded only when asked for), prints a summary line, filters `--only-verified`. */
export async function verifyAndFilter(findings: Finding[], flags: VerifyFlags, io: CliIO, readText?: (f: Finding) => Promise<string | undefined>): Promise<Finding[]> {
  if (findings.length === 0) return findings;
  const { verifyFindings } = await import('../verify/verify.js');
  let result;
  try {
    result = await verifyFindings(findings, {
      databases: flags.databases,
      http: { env: io.env },
      ...(flags.timeoutMs !== undefined ? { timeoutMs: flags.timeoutMs } : {}),
      ...(readText ? { readText } : {}),
    });
  } catch (err) {
    // Only a bad LEAKWARD_VERIFY_ENDPOINT_* gets here (the verifiers turn every other failure into `unknown`).
    throw new UsageError((err as Error).message);
  }
  const s = result.summary;
  io.stderr.write(`leakward: verification: ${s.verified} verified, ${s.invalid} invalid, ${s.unknown} unknown (${s.checks} live check${s.checks === 1 ? '' : 's'})\n`);
  return flags.onlyVerified ? result.findings.filter((f) => f.verification?.status === 'verified') : result.findings;
}

function byLocation(a: Finding, b: Finding): number {
  return (
    cmp(a.commit?.date ?? '', b.commit?.date ?? '') ||
    cmp(a.commit?.sha ?? '', b.commit?.sha ?? '') ||
    cmp(a.image?.ref ?? '', b.image?.ref ?? '') ||
    cmp(a.image?.platform ?? '', b.image?.platform ?? '') ||
    (a.image?.layerIndex ?? -1) - (b.image?.layerIndex ?? -1) ||
    cmp(a.file, b.file) ||
    a.startLine - b.startLine ||
    a.startColumn - b.startColumn ||
    cmp(a.ruleId, b.ruleId)
  );
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
