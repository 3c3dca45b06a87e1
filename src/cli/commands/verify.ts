import { readFileSync } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { createScanner } from '../../core/scanner.js';
import type { CommitInfo, Finding } from '../../core/types.js';
import { readLocation } from '../../sources/location.js';
import { formatReport, shouldUseColor } from '../../report/index.js';
import { loadCommandConfig, parseCommandArgs, reportFlags, reportHelp, verifyAndFilter, verifyFlags, verifyHelp, verifyOptions } from '../common.js';
import { UsageError, type CliIO } from '../io.js';

const help = `usage: leakward verify [--repo DIR] [options] REPORT.json

Checks the findings of a JSON report (leakward's or gitleaks') against their providers, read-only. Reports hold
no secrets, so each one is read again from its location in the repository: the file in the work tree, or for
history findings the file as its commit has it, at the reported line and column. The report is written again
with each finding's verification. Exit codes: 0 nothing reported, 1 findings reported, 2 usage error or a
finding that could not be read back (the file changed, the commit is gone).

verify options:
      --repo DIR            the repository or folder the report was made from (default: .)
${reportHelp}
${verifyHelp}`;

/** The fields of a JSON report entry `verify` reads. */
interface Entry {
  readonly RuleID: string;
  readonly File: string;
  readonly StartLine: number;
  readonly StartColumn: number;
  readonly Commit?: string;
  readonly Author?: string;
  readonly Email?: string;
  readonly Date?: string;
  readonly Message?: string;
}

function readEntries(file: string): Entry[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read the report ${file}: ${(err as NodeJS.ErrnoException).code ?? 'not JSON'}`);
  }
  if (!Array.isArray(data)) throw new UsageError(`${file} is not a JSON report (an array of findings: --format json)`);
  return data.map((e: unknown, i): Entry => {
    const o = e as Record<string, unknown>;
    if (!o || typeof o['RuleID'] !== 'string' || typeof o['File'] !== 'string' || typeof o['StartLine'] !== 'number' || typeof o['StartColumn'] !== 'number') {
      throw new UsageError(`${file}: entry ${i + 1} lacks RuleID, File, StartLine or StartColumn`);
    }
    return o as unknown as Entry;
  });
}

export async function run(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { repo: { type: 'string' }, ...verifyOptions });
  if (values['help']) {
    io.stdout.write(help);
    return 0;
  }
  const flags = reportFlags(values);
  const verify = verifyFlags(values) ?? { databases: false, onlyVerified: false };
  if (positionals.length !== 1) throw new UsageError('give one JSON report: leakward verify --repo DIR REPORT.json');
  const repo = path.resolve(io.cwd, typeof values['repo'] === 'string' ? values['repo'] : '.');
  const entries = readEntries(path.resolve(io.cwd, positionals[0]!));
  const config = await loadCommandConfig(io, repo, flags);

  // Read each (commit, file) once and scan it with the rules its entries name; keep the findings at the entries'
  // positions. A full scan (not a cut at the columns) so decoded finds and secret groups come out as they did.
  const groups = new Map<string, Entry[]>();
  for (const e of entries) {
    const key = `${e.Commit ?? ''}\0${e.File}`;
    const g = groups.get(key);
    if (g) g.push(e);
    else groups.set(key, [e]);
  }
  const findings: Finding[] = [];
  let missing = 0;
  const texts = new Map<string, string>();
  for (const group of groups.values()) {
    const { Commit: sha, File: file } = group[0]!;
    // The report is input, not trusted: a path outside the repository (absolute, or climbing out with ..) is not read.
    const inside = !path.isAbsolute(file) && !path.relative(repo, path.resolve(repo, file)).startsWith('..');
    const buf = inside ? await readLocation(repo, { file, ...(sha ? { commit: sha } : {}) }) : undefined;
    const commit: CommitInfo | undefined = sha
      ? { sha, author: group[0]!.Author ?? '', email: group[0]!.Email ?? '', date: group[0]!.Date ?? '', message: group[0]!.Message ?? '' }
      : undefined;
    let found: Finding[] = [];
    if (buf) {
      const scanner = createScanner(config, { enableRules: [...new Set(group.map((e) => e.RuleID))], ...(flags.maxDecodeDepth !== undefined ? { maxDecodeDepth: flags.maxDecodeDepth } : {}) });
      found = scanner.scanBuffer(buf, { path: file, ...(commit ? { commit } : {}) });
      texts.set(`${sha ?? ''}\0${file}`, buf.toString('utf8'));
    }
    for (const e of group) {
      const f = found.find((x) => x.ruleId === e.RuleID && x.startLine === e.StartLine && x.startColumn === e.StartColumn);
      if (f) {
        findings.push(f);
      } else {
        missing++;
        io.stderr.write(`leakward verify: ${file}:${e.StartLine}:${e.StartColumn}${sha ? ` (commit ${sha.slice(0, 7)})` : ''} ${e.RuleID}: ` +
          `${buf ? 'the secret is no longer at this location' : 'cannot read the file'}\n`);
      }
    }
  }

  const verified = await verifyAndFilter(findings, verify, io, async (f) => texts.get(`${f.commit?.sha ?? ''}\0${f.file}`));
  const out = flags.output ? createWriteStream(path.resolve(io.cwd, flags.output)) : io.stdout;
  const report = formatReport(verified, {
    format: flags.format, root: repo, rules: config.rules, showSecrets: flags.showSecrets,
    color: !flags.output && !flags.noColor && shouldUseColor(io.stdout, io.env),
    ...(flags.redact !== undefined ? { redact: flags.redact } : {}),
  });
  if (report) out.write(report);
  if (flags.output) {
    out.end();
    await once(out, 'finish');
  }
  if (missing > 0) {
    io.stderr.write(`leakward verify: ${missing} finding${missing === 1 ? '' : 's'} could not be read back: the verification is incomplete\n`);
    return 2;
  }
  return verified.length > 0 ? flags.exitCode : 0;
}
