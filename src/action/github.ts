/**
 * The GitHub Action's entry point (`action.yml` at the repository root runs `node dist/src/action/github.js`).
 *
 * Scan mode: scans the commits a pull request (or a push) adds with `leakward history`, as the CLI would
 * (config, baseline, .gitleaksignore), into a SARIF file; then writes one `::error` annotation per finding (GitHub
 * shows at most 10 per step: the rest are listed only in the job summary), a Markdown job summary, and the step
 * outputs `findings`, `sarif` and `upload-sarif` (false for a fork's pull request, whose token cannot write code
 * scanning alerts). Exits 1 when there are findings, 2 when the scan failed.
 * Run mode (`run:` input): runs the script under `leakward mask -- bash -e`, so its output is masked.
 *
 * Nothing printed or written here holds a secret: annotations and the summary are built from the SARIF report,
 * whose messages never hold one.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'leakward.js');
/** GitHub shows at most this many annotations of one kind per step. */
export const MAX_ANNOTATIONS = 10;
const ZERO_SHA = /^0+$/;

/** Escapes a workflow command's message (GitHub's toolkit: `%`, CR, LF). */
export function escapeData(s: string): string {
  return s.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

/** Escapes a workflow command's property value (`%`, CR, LF, `:` and `,`). */
export function escapeProperty(s: string): string {
  return escapeData(s).replaceAll(':', '%3A').replaceAll(',', '%2C');
}

/** Escapes text for a Markdown table cell. */
function cell(s: string): string {
  return s.replace(/[\\`*_{}[\]<>|#]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

interface Env {
  readonly [k: string]: string | undefined;
}

/** What to scan: a revision range for `git log`, and what to fetch first in a shallow clone. */
export interface ScanRange {
  readonly revisions: string[];
  readonly base?: string;
  readonly head: string;
  /** Commits the event says it adds (pull_request.commits, the push's commits), for the fetch depth. */
  readonly count?: number;
  readonly fork: boolean;
  readonly describe: string;
}

/** The commits the triggering event adds. */
export function scanRange(env: Env): ScanRange {
  const eventPath = env['GITHUB_EVENT_PATH'];
  const event = eventPath && existsSync(eventPath) ? (JSON.parse(readFileSync(eventPath, 'utf8')) as Record<string, any>) : {};
  const pr = event['pull_request'];
  if (pr?.base?.sha && pr?.head?.sha) {
    return {
      revisions: [`${pr.base.sha}..${pr.head.sha}`],
      base: pr.base.sha,
      head: pr.head.sha,
      ...(typeof pr.commits === 'number' ? { count: pr.commits } : {}),
      fork: pr.head.repo?.fork === true || (pr.head.repo?.full_name !== undefined && pr.head.repo.full_name !== pr.base.repo?.full_name),
      describe: `pull request #${pr.number ?? '?'} (${String(pr.base.sha).slice(0, 7)}..${String(pr.head.sha).slice(0, 7)})`,
    };
  }
  const before: string | undefined = event['before'];
  const after: string = event['after'] ?? env['GITHUB_SHA'] ?? 'HEAD';
  if (before && !ZERO_SHA.test(before)) {
    return { revisions: [`${before}..${after}`], base: before, head: after, ...(Array.isArray(event['commits']) ? { count: event['commits'].length } : {}), fork: false, describe: `push (${before.slice(0, 7)}..${after.slice(0, 7)})` };
  }
  // A new branch, or an event without a range (workflow_dispatch, schedule): the commit itself.
  return { revisions: [`${after}^!`], head: after, count: 1, fork: false, describe: `commit ${after.slice(0, 7)}` };
}

function git(cwd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  return { ok: r.status === 0, out: (r.stdout ?? '').trim() };
}

/**
 * Makes the range's commits present: actions/checkout fetches one commit by default (`fetch-depth: 1`). Fetches
 * the head deep enough for the event's commits and the base alone; unshallows when the count is unknown.
 */
export function ensureCommits(ws: string, range: ScanRange, log: (s: string) => void): void {
  const have = (sha: string): boolean => git(ws, ['cat-file', '-e', `${sha}^{commit}`]).ok;
  const shallow = git(ws, ['rev-parse', '--is-shallow-repository']).out === 'true';
  if (!shallow && have(range.head) && (!range.base || have(range.base))) return;
  const remote = git(ws, ['remote']).out.split('\n')[0] || 'origin';
  const depth = range.count !== undefined ? range.count + 1 : undefined;
  log(`leakward: fetching the commits to scan (${depth !== undefined ? `depth ${depth}` : 'full history'})`);
  const fetch = (args: string[]): boolean => git(ws, ['fetch', '--no-tags', '--quiet', ...args]).ok;
  if (depth !== undefined) {
    fetch([`--depth=${depth}`, remote, range.head]);
    if (range.base) fetch(['--depth=1', remote, range.base]);
  }
  if (!have(range.head) || (range.base && !have(range.base)) || depth === undefined) {
    if (shallow) fetch(['--unshallow', remote]);
    else fetch([remote]);
  }
}

interface SarifResult {
  ruleId?: string;
  message?: { text?: string };
  locations?: { physicalLocation?: { artifactLocation?: { uri?: string }; region?: { startLine?: number; endLine?: number; startColumn?: number; endColumn?: number } } }[];
  properties?: { commit?: string; author?: string };
}

interface Row {
  file: string;
  line: number;
  endLine: number;
  rule: string;
  message: string;
  commit?: string;
}

function rows(sarifFile: string): Row[] {
  const sarif = JSON.parse(readFileSync(sarifFile, 'utf8')) as { runs?: { results?: SarifResult[] }[] };
  const out: Row[] = [];
  for (const run of sarif.runs ?? []) {
    for (const r of run.results ?? []) {
      const loc = r.locations?.[0]?.physicalLocation;
      const uri = loc?.artifactLocation?.uri ?? '';
      const file = uri.startsWith('file:') ? fileURLToPath(uri) : decodeURIComponent(uri);
      const line = loc?.region?.startLine ?? 1;
      out.push({
        file,
        line,
        endLine: loc?.region?.endLine ?? line,
        rule: r.ruleId ?? 'secret',
        message: r.message?.text ?? 'secret found',
        ...(r.properties?.commit ? { commit: r.properties.commit } : {}),
      });
    }
  }
  return out;
}

/** One `::error` workflow command for a finding. */
export function annotation(r: Row): string {
  return `::error file=${escapeProperty(r.file)},line=${r.line},endLine=${r.endLine},title=${escapeProperty(`leakward: ${r.rule}`)}::${escapeData(r.message)}`;
}

function summary(found: Row[], range: ScanRange, annotated: number): string {
  let md = `## leakward\n\nScanned ${cell(range.describe)}: `;
  if (found.length === 0) return `${md}no secrets found.\n`;
  md += `**${found.length} secret${found.length === 1 ? '' : 's'} found.** Revoke and rotate each one first: removing it from the code does not un-leak it.\n\n`;
  md += '| | file | line | rule | commit |\n|---|---|---|---|---|\n';
  found.forEach((r, i) => {
    md += `| ${i < annotated ? 'annotated' : 'not annotated'} | ${cell(r.file)} | ${r.line} | ${cell(r.rule)} | ${r.commit ? cell(r.commit.slice(0, 7)) : ''} |\n`;
  });
  if (found.length > annotated) md += `\nGitHub shows at most ${MAX_ANNOTATIONS} annotations per step: the ${found.length - annotated} others are listed only here.\n`;
  return md;
}

function output(env: Env, name: string, value: string): void {
  const file = env['GITHUB_OUTPUT'];
  if (file) appendFileSync(file, `${name}=${value}\n`);
}

/** Runs the action; returns the exit code. */
export function runAction(env: Env = process.env, log: (s: string) => void = (s) => process.stdout.write(`${s}\n`)): number {
  const ws = env['GITHUB_WORKSPACE'] ?? process.cwd();
  const script = env['INPUT_RUN'] ?? '';
  if (script.trim() !== '') {
    const file = path.join(env['RUNNER_TEMP'] ?? os.tmpdir(), `leakward-run-${process.pid}.sh`);
    writeFileSync(file, script.endsWith('\n') ? script : `${script}\n`, { mode: 0o700 });
    const r = spawnSync(process.execPath, [bin, 'mask', '--', 'bash', '-e', file], { cwd: ws, stdio: 'inherit', env: process.env });
    return r.status ?? 1;
  }

  const range = scanRange(env);
  ensureCommits(ws, range, log);
  const sarifFile = path.resolve(ws, env['INPUT_SARIF_FILE'] || path.join(env['RUNNER_TEMP'] ?? os.tmpdir(), 'leakward.sarif'));
  const extra = (env['INPUT_ARGS'] ?? '').split(/\s+/).filter(Boolean);
  const r = spawnSync(process.execPath, [bin, 'history', '--no-progress', '--no-color', '-f', 'sarif', '-o', sarifFile, ...extra, ...range.revisions], {
    cwd: ws, encoding: 'utf8', env: { ...process.env, ...env },
  });
  if (r.stderr) process.stderr.write(r.stderr);
  if (r.status !== 0 && r.status !== 1) {
    log(`::error title=leakward::${escapeData(`the scan of ${range.describe} failed (exit code ${r.status}); see the log above`)}`);
    return 2;
  }
  const found = rows(sarifFile);
  const annotated = Math.min(found.length, MAX_ANNOTATIONS);
  for (const f of found.slice(0, annotated)) log(annotation(f));
  log(`leakward: ${found.length} secret${found.length === 1 ? '' : 's'} in ${range.describe}`);
  if (env['GITHUB_STEP_SUMMARY']) appendFileSync(env['GITHUB_STEP_SUMMARY'], summary(found, range, annotated));
  output(env, 'findings', String(found.length));
  output(env, 'sarif', sarifFile);
  output(env, 'upload-sarif', String(!range.fork));
  if (range.fork) log('::warning title=leakward::SARIF not uploaded: a pull request from a fork cannot write code scanning alerts');
  return found.length > 0 ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = runAction();
}
