/**
 * What a new user meets first: dependency folders skipped while walking, every command's unknown-option message,
 * the -c help, the history progress line cleared before findings, the precompiled pack kept after an install.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { packageRoot, patternsDir } from '../../src/core/paths.js';
import { main } from '../../src/cli/main.js';

const bin = path.join(packageRoot, 'bin', 'leakward.js');
const awsFile = path.join(packageRoot, 'examples', 'leaky-app', 'config', 'aws-credentials');

function leakward(args: string[], cwd: string = packageRoot, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd, input: '', encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', LEAKWARD_CONFIG: '', GITLEAKS_CONFIG: '', ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A project folder (not a git repository) whose only secrets sit in dependency folders. */
function projectWithDependencies(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lw-deps-'));
  const plant = (rel: string) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    cpSync(awsFile, path.join(dir, rel));
  };
  writeFileSync(path.join(dir, 'index.js'), 'console.log("hello");\n');
  plant('node_modules/some-sdk/test/fixtures/aws-credentials');
  plant('web/node_modules/@scope/pkg/creds.ini');
  plant('.venv/lib/python3.11/site-packages/boto/creds.ini');
  writeFileSync(path.join(dir, '.venv', 'pyvenv.cfg'), 'home = /usr/bin\n');
  plant('py311/lib/creds.ini'); // a virtualenv with another name
  writeFileSync(path.join(dir, 'py311', 'pyvenv.cfg'), 'home = /usr/bin\n');
  plant('vendor/bundle/ruby/3.2.0/gems/aws/creds.ini');
  return dir;
}

function plantNested(dir: string): void {
  const to = path.join(dir, 'node_modules', 'some-sdk', 'node_modules', 'dep', 'creds.ini');
  mkdirSync(path.dirname(to), { recursive: true });
  cpSync(awsFile, to);
}

test('scan: dependency folders met while walking are skipped; -v says so; --include-dependencies scans them', () => {
  const dir = projectWithDependencies();
  const quiet = leakward(['scan', '.'], dir);
  assert.equal(quiet.code, 0, quiet.stdout + quiet.stderr);
  // by design: counted in one closing line, never a warning
  assert.equal(quiet.stderr, 'leakward: skipped 5 dependencies (-v lists them)\n');
  const verbose = leakward(['scan', '-v', '.'], dir);
  assert.equal(verbose.code, 0);
  for (const d of ['node_modules', 'web/node_modules', '.venv', 'py311', 'vendor/bundle']) {
    assert.match(verbose.stderr, new RegExp(`skipped ${d.replace('.', '\\.')} \\(dependencies`), d);
  }
  const all = leakward(['scan', '--include-dependencies', '-f', 'json', '.'], dir);
  assert.equal(all.code, 1);
  const files = new Set((JSON.parse(all.stdout) as { File: string }[]).map((f) => f.File.split('/')[0]));
  assert.deepEqual([...files].sort(), ['.venv', 'node_modules', 'py311', 'vendor', 'web']);
});

test('scan: a dependency folder named on the command line is always scanned, whole', () => {
  const dir = projectWithDependencies();
  for (const named of ['node_modules', 'web/node_modules/@scope', '.venv', 'vendor/bundle']) {
    const r = leakward(['scan', named], dir);
    assert.equal(r.code, 1, `${named}: ${r.stderr}`);
  }
  // A named project folder is walked as usual: its own dependency folders are skipped.
  assert.equal(leakward(['scan', 'web'], dir).code, 0);
  // Inside a named dependency folder, nested ones are scanned too.
  plantNested(dir);
  const r = leakward(['scan', '-f', 'json', 'node_modules'], dir);
  assert.ok((JSON.parse(r.stdout) as { File: string }[]).some((f) => f.File.includes('/node_modules/')), r.stdout);
});

test('scan: inside git, git decides (a committed dependency folder is scanned)', () => {
  const dir = projectWithDependencies();
  const git = (...a: string[]) => spawnSync('git', a, { cwd: dir, encoding: 'utf8' });
  if (git('init', '-q').status !== 0) return;
  const r = leakward(['scan', '-f', 'json', '.'], dir);
  assert.equal(r.code, 1);
  assert.ok((JSON.parse(r.stdout) as { File: string }[]).some((f) => f.File.startsWith('node_modules/')));
});

for (const cmd of ['scan', 'diff', 'staged', 'history', 'hook', 'mask']) {
  test(`${cmd}: an unknown option says so and names ${cmd} --help`, () => {
    const r = leakward([cmd, '--bogus-flag'], os.tmpdir());
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `leakward ${cmd}: unknown option '--bogus-flag' (see leakward ${cmd} --help)\n`);
  });
}

test('scan: an option missing its value is one clear line', () => {
  const r = leakward(['scan', '--format'], os.tmpdir());
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'leakward scan: --format needs a value\n');
});

test('-c help names both LEAKWARD_CONFIG and GITLEAKS_CONFIG', () => {
  for (const cmd of ['scan', 'staged', 'history']) {
    const r = leakward([cmd, '--help']);
    assert.match(r.stdout, /-c, --config FILE[^\n]*LEAKWARD_CONFIG[^\n]*GITLEAKS_CONFIG/, cmd);
  }
});

/** A stream that records what is written to it, in order with another one, and says it is a terminal. */
class Recorder extends Writable {
  isTTY: boolean;
  columns = 100;
  constructor(private readonly name: string, private readonly log: string[], tty: boolean) {
    super();
    this.isTTY = tty;
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.log.push(`${this.name}:${chunk.toString()}`);
    done();
  }
}

test('history: the progress line is cleared before findings are printed on a terminal', async () => {
  const repo = mkdtempSync(path.join(os.tmpdir(), 'lw-progress-'));
  const git = (...a: string[]) => spawnSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...a], { cwd: repo, encoding: 'utf8' });
  git('init', '-q');
  cpSync(awsFile, path.join(repo, 'creds.ini'));
  git('add', '.');
  git('commit', '-qm', 'add creds');
  const log: string[] = [];
  const code = await main(['history', '--no-color'], {
    stdin: process.stdin,
    stdout: new Recorder('out', log, true),
    stderr: new Recorder('err', log, true),
    env: { NO_COLOR: '1' },
    cwd: repo,
  });
  assert.equal(code, 1, log.join(''));
  const firstOut = log.findIndex((l) => l.startsWith('out:'));
  const clear = log.findIndex((l) => l === 'err:\r\x1b[K');
  assert.ok(firstOut >= 0, 'findings printed');
  assert.ok(clear >= 0 && clear < firstOut, `progress line cleared before the report (${clear} < ${firstOut})`);
});

test('the precompiled rule pack is used whatever the pattern files\' timestamps (content decides)', () => {
  const file = path.join(patternsDir, readFileSync(path.join(packageRoot, 'dist', 'pack.json'), 'utf8').match(/"files":\["([^"]+)"/)![1]!);
  const before = statSync(file);
  const probe = `import { builtinConfig, builtinPackSource } from ${JSON.stringify(path.join(packageRoot, 'dist', 'src', 'core', 'config.js'))};
    builtinConfig(); console.log(builtinPackSource());`;
  try {
    // What an npm install does: pattern files newer than dist/.
    const later = new Date(Date.now() + 3600_000);
    utimesSync(file, later, later);
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' });
    assert.equal(r.stdout.trim(), 'precompiled', r.stderr);
  } finally {
    utimesSync(file, before.atime, before.mtime);
  }
});
