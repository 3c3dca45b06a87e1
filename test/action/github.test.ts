/**
 * The GitHub Action's entry point run as GitHub runs it: the environment variables a runner sets
 * (GITHUB_EVENT_PATH with a pull_request event, GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, GITHUB_WORKSPACE, RUNNER_TEMP)
 * against a shallow clone of a local repository, as actions/checkout leaves it (fetch-depth 1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../src/core/paths.js';
import { escapeData, escapeProperty } from '../../src/action/github.js';

const entry = path.join(packageRoot, 'dist', 'src', 'action', 'github.js');
const awsFile = path.join(packageRoot, 'examples', 'leaky-app', 'config', 'aws-credentials');

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', ['-c', 'user.email=dev@example.com', '-c', 'user.name=dev', '-c', 'init.defaultBranch=main', '-c', 'protocol.file.allow=always', ...args], { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, `git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/** The planted secret values (never printed by the action): every line value of the example credentials file. */
function secrets(): string[] {
  return readFileSync(awsFile, 'utf8').split('\n').filter((l) => l.includes('=')).map((l) => l.split('=')[1]!.trim()).filter((v) => v.length >= 16);
}

/**
 * origin: main with a clean commit, a PR branch adding `n` leaky files (one with `%`, `,` and `:` in its name).
 * Returns the shallow work tree actions/checkout would leave, and the event.
 */
function pullRequest(n: number): { ws: string; event: string; home: string; leaky: string } {
  const home = mkdtempSync(path.join(os.tmpdir(), 'lw-action-'));
  const src = path.join(home, 'src');
  mkdirSync(src);
  git(src, 'init', '-q');
  writeFileSync(path.join(src, 'README.md'), 'hello\n');
  git(src, 'add', '.');
  git(src, 'commit', '-qm', 'base');
  const base = git(src, 'rev-parse', 'HEAD');
  git(src, 'checkout', '-qb', 'feature');
  cpSync(awsFile, path.join(src, 'a-odd,name:100%.ini'));
  for (let i = 1; i < n; i++) cpSync(awsFile, path.join(src, `creds-${String(i).padStart(2, '0')}.ini`));
  git(src, 'add', '.');
  git(src, 'commit', '-qm', 'add config');
  const leaky = git(src, 'rev-parse', 'HEAD');
  writeFileSync(path.join(src, 'README.md'), 'hello again\n');
  git(src, 'commit', '-qam', 'docs');
  const head = git(src, 'rev-parse', 'HEAD');
  const origin = path.join(home, 'origin.git');
  git(home, 'clone', '-q', '--bare', src, origin);
  const ws = path.join(home, 'ws');
  git(home, 'clone', '-q', '--depth=1', '--branch=feature', `file://${origin}`, ws);
  const event = path.join(home, 'event.json');
  writeFileSync(event, JSON.stringify({
    action: 'synchronize', number: 7,
    pull_request: {
      number: 7, commits: 2,
      base: { sha: base, ref: 'main', repo: { full_name: 'acme/app' } },
      head: { sha: head, ref: 'feature', repo: { full_name: 'acme/app', fork: false } },
    },
  }));
  return { ws, event, home, leaky };
}

function runEntry(ws: string, event: string, home: string, extra: NodeJS.ProcessEnv = {}) {
  const summary = path.join(home, 'summary.md');
  const outputs = path.join(home, 'outputs.txt');
  writeFileSync(summary, '');
  writeFileSync(outputs, '');
  const r = spawnSync(process.execPath, [entry], {
    cwd: ws, encoding: 'utf8',
    env: {
      PATH: process.env['PATH'], HOME: process.env['HOME'], CI: 'true', GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: event, GITHUB_WORKSPACE: ws, GITHUB_STEP_SUMMARY: summary,
      GITHUB_OUTPUT: outputs, RUNNER_TEMP: home, GITHUB_SHA: 'ffffffffffffffffffffffffffffffffffffffff', ...extra,
    },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, summary: readFileSync(summary, 'utf8'), outputs: readFileSync(outputs, 'utf8') };
}

test('action: workflow-command escaping (%, CR, LF; and : , in properties)', () => {
  assert.equal(escapeData('100%\r\nnext: a,b'), '100%25%0D%0Anext: a,b');
  assert.equal(escapeProperty('odd,name:100%.ini\n'), 'odd%2Cname%3A100%25.ini%0A');
});

test('action: a pull request adding secrets: 10 annotations, the rest in the summary, SARIF, outputs, exit 1, no secret printed', () => {
  const { ws, event, home } = pullRequest(12);
  const r = runEntry(ws, event, home);
  assert.equal(r.code, 1, r.stderr);
  const annotations = r.stdout.split('\n').filter((l) => l.startsWith('::error '));
  assert.equal(annotations.length, 10);
  const odd = annotations.find((l) => l.includes('file=a-odd%2Cname%3A100%25.ini,'));
  assert.ok(odd, `the odd file name is escaped: ${annotations.join('\n')}`);
  assert.match(odd!, /,line=\d+,endLine=\d+,title=leakward%3A [\w-]+::/);
  const found = Number(/^findings=(\d+)$/m.exec(r.outputs)?.[1]);
  assert.ok(found > 10, r.outputs);
  assert.match(r.outputs, /^upload-sarif=true$/m);
  const sarifFile = /^sarif=(.+)$/m.exec(r.outputs)![1]!;
  const sarif = JSON.parse(readFileSync(sarifFile, 'utf8')) as { runs: { results: unknown[] }[] };
  assert.equal(sarif.runs[0]!.results.length, found);
  assert.match(r.summary, /## leakward/);
  assert.match(r.summary, new RegExp(`\\*\\*${found} secrets found\\.\\*\\*`));
  assert.equal((r.summary.match(/\| not annotated \|/g) ?? []).length, found - 10);
  assert.match(r.summary, /a-odd,name:100%\.ini/);
  for (const s of secrets()) {
    for (const out of [r.stdout, r.stderr, r.summary]) assert.ok(!out.includes(s.slice(0, 12)), 'a planted secret was printed');
  }
});

test('action: a clean pull request exits 0 with a summary; a fork is told SARIF is not uploaded', () => {
  const { ws, event, home, leaky } = pullRequest(1);
  const ev = JSON.parse(readFileSync(event, 'utf8'));
  // Only the docs commit: from the leaky commit on.
  ev.pull_request.base.sha = leaky;
  ev.pull_request.commits = 1;
  ev.pull_request.head.repo = { full_name: 'someone/app', fork: true };
  writeFileSync(event, JSON.stringify(ev));
  const r = runEntry(ws, event, home);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.summary, /no secrets found/);
  assert.match(r.outputs, /^upload-sarif=false$/m);
  assert.match(r.stdout, /::warning title=leakward::SARIF not uploaded/);
});

test('action: run mode executes the script under leakward mask -- bash -e', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'lw-action-run-'));
  const token = readFileSync(awsFile, 'utf8').split('\n').find((l) => l.includes('secret'))!.split('=')[1]!.trim();
  const r = runEntry(home, path.join(home, 'none.json'), home, {
    INPUT_RUN: 'echo "deploying with $DEPLOY_TOKEN"\nfalse\necho not reached', DEPLOY_TOKEN: token,
  });
  assert.equal(r.code, 1, 'bash -e stops at the first failing command');
  assert.match(r.stdout, /deploying with \*\*\*/);
  assert.ok(!r.stdout.includes(token.slice(0, 12)));
  assert.ok(!r.stdout.includes('not reached'));
});
