import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { filesSource, stdinSource, type FilesSourceOptions, type SkipReason } from '../../src/sources/index.js';
import { scanFragments } from '../../src/core/workers.js';
import type { Fragment } from '../../src/core/types.js';
import { awsAndP12Config as testConfig } from '../core/helpers/engine.js';

// Synthetic AWS-like key (not the documented example), split so this file itself does not match.
const FAKE_KEY = 'AKIA' + 'ZQ3W5RT7YU2PLK6M';


function tmpTree(files: Record<string, string>): string {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'leakward-files-')));
  for (const [rel, text] of Object.entries(files)) {
    const abs = path.join(root, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, text);
  }
  return root;
}

/** Runs git in `cwd` with no inherited GIT_* variables (tests may run inside a git hook). */
function git(cwd: string, ...args: string[]): void {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  execFileSync('git', ['-c', 'user.name=leakward test', '-c', 'user.email=test@example.invalid', '-c', 'init.defaultBranch=main', ...args],
    { cwd, env, stdio: 'pipe' });
}

interface Listed { paths: string[]; fragments: Fragment[]; skips: Array<[string, SkipReason, string | undefined]> }

async function list(options: FilesSourceOptions): Promise<Listed> {
  const skips: Listed['skips'] = [];
  const fragments: Fragment[] = [];
  for await (const f of filesSource({ ...options, onSkip: (p, r, d) => skips.push([p, r, d]) }).fragments()) fragments.push(f);
  return { paths: fragments.map((f) => f.path).sort(), fragments, skips };
}

function gitRepo(): string {
  const root = tmpTree({
    '.gitignore': '*.log\nbuild/\n',
    'a.txt': 'alpha\n',
    'src/b.js': 'beta\n',
    'src/deep/c.ts': 'gamma\n',
    'app.log': 'ignored\n',
    'build/out.js': 'ignored\n',
    'forced.log': 'tracked although ignored\n',
    'gone.txt': 'deleted after commit\n',
  });
  git(root, 'init', '-q');
  git(root, 'add', '.gitignore', 'a.txt', 'src/b.js', 'gone.txt');
  git(root, 'add', '-f', 'forced.log');
  git(root, 'commit', '-q', '-m', 'init');
  fs.rmSync(path.join(root, 'gone.txt'));
  return root; // src/deep/c.ts stays untracked
}

test('git listing honours .gitignore (tracked + untracked, ignored left out, deleted skipped)', async () => {
  const root = gitRepo();
  const { paths, skips } = await list({ root });
  assert.deepEqual(paths, ['.gitignore', 'a.txt', 'forced.log', 'src/b.js', 'src/deep/c.ts']);
  assert.deepEqual(skips, []);
});

test('fragments carry a root-relative path and an absolute filePath, no content', async () => {
  const root = gitRepo();
  const { fragments } = await list({ root });
  const c = fragments.find((f) => f.path === 'src/deep/c.ts');
  assert.ok(c, 'src/deep/c.ts is listed');
  assert.equal(c.filePath, path.join(root, 'src', 'deep', 'c.ts'));
  assert.equal(c.content, undefined);
});

test('git listing of a sub-folder keeps paths relative to the root', async () => {
  const root = gitRepo();
  const { paths } = await list({ root, paths: ['src'] });
  assert.deepEqual(paths, ['src/b.js', 'src/deep/c.ts']);
});

test('a file named explicitly is scanned even when git ignores it', async () => {
  const root = gitRepo();
  const { paths } = await list({ root, paths: ['app.log', 'a.txt'] });
  assert.deepEqual(paths, ['a.txt', 'app.log']);
});

test('useGit:false walks the tree: ignored files included, .git skipped', async () => {
  const root = gitRepo();
  const { paths } = await list({ root, useGit: false });
  assert.deepEqual(paths, ['.gitignore', 'a.txt', 'app.log', 'build/out.js', 'forced.log', 'src/b.js', 'src/deep/c.ts']);
});

test('outside a git work tree the tree is walked and .git is skipped', async () => {
  const root = tmpTree({ 'x.txt': 'x\n', '.git/config': '[core]\n', 'sub/.git': 'gitdir: ../elsewhere\n', 'sub/y.txt': 'y\n' });
  const { paths } = await list({ root });
  assert.deepEqual(paths, ['sub/y.txt', 'x.txt']);
});

test('.git is never scanned, even when named', async () => {
  const root = gitRepo();
  const { paths } = await list({ root, paths: ['.git', 'a.txt'], useGit: false });
  assert.deepEqual(paths, ['a.txt']);
});

test('without git on PATH a work tree is walked instead', async (t) => {
  const root = gitRepo();
  const saved = process.env['PATH'];
  process.env['PATH'] = fs.mkdtempSync(path.join(os.tmpdir(), 'leakward-nopath-'));
  t.after(() => { process.env['PATH'] = saved; });
  const { paths } = await list({ root });
  process.env['PATH'] = saved;
  assert.deepEqual(paths, ['.gitignore', 'a.txt', 'app.log', 'build/out.js', 'forced.log', 'src/b.js', 'src/deep/c.ts']);
});

for (const useGit of [true, false]) {
  test(`an aborted signal stops the listing (useGit: ${useGit})`, async () => {
    const root = gitRepo();
    const ac = new AbortController();
    const seen: string[] = [];
    await assert.rejects(async () => {
      for await (const f of filesSource({ root, useGit }).fragments(ac.signal)) {
        seen.push(f.path);
        if (seen.length === 2) ac.abort();
      }
    }, { name: 'AbortError' });
    assert.equal(seen.length, 2);
  });
}

test('a missing path is an error', async () => {
  const root = tmpTree({ 'x.txt': 'x\n' });
  await assert.rejects(list({ root, paths: ['nope'] }), /no such file or directory: nope/);
});

for (const useGit of [true, false]) {
  test(`include/exclude globs over relative paths (useGit: ${useGit})`, async () => {
    const root = tmpTree({
      'a.js': '', 'a.min.js': '', 'b.ts': '', 'vendor/v.js': '', 'lib/c.js': '', 'lib/d.min.js': '', 'README.md': '',
    });
    if (useGit) git(root, 'init', '-q');
    assert.deepEqual((await list({ root, useGit, include: ['**/*.js'] })).paths,
      ['a.js', 'a.min.js', 'lib/c.js', 'lib/d.min.js', 'vendor/v.js']);
    assert.deepEqual((await list({ root, useGit, include: ['**/*.js'], exclude: ['vendor/**', '*.min.js'] })).paths,
      ['a.js', 'lib/c.js']);
    assert.deepEqual((await list({ root, useGit, exclude: ['lib', '*.md'] })).paths, ['a.js', 'a.min.js', 'b.ts', 'vendor/v.js']);
    assert.deepEqual((await list({ root, useGit, include: ['lib/', '/b.ts'] })).paths, ['b.ts', 'lib/c.js', 'lib/d.min.js']);
    assert.deepEqual((await list({ root, useGit, exclude: ['lib/**'] })).paths, ['README.md', 'a.js', 'a.min.js', 'b.ts', 'vendor/v.js']);
  });
}

for (const useGit of [true, false]) {
  test(`symlinks are skipped and reported unless followSymlinks (useGit: ${useGit})`, async () => {
    const root = tmpTree({ 'real/f.txt': 'f\n', 'outside.txt': 'o\n' });
    fs.symlinkSync('outside.txt', path.join(root, 'link.txt'));
    fs.symlinkSync('real', path.join(root, 'linkdir'));
    fs.symlinkSync('..', path.join(root, 'real', 'loop')); // a cycle
    if (useGit) git(root, 'init', '-q');
    const skipped = await list({ root, useGit });
    assert.deepEqual(skipped.paths, ['outside.txt', 'real/f.txt']);
    assert.deepEqual(skipped.skips.map(([p, r]) => `${p}:${r}`).sort(), ['link.txt:symlink', 'linkdir:symlink', 'real/loop:symlink']);

    const followed = await list({ root, useGit, followSymlinks: true });
    assert.ok(followed.paths.includes('link.txt'), 'a link to a file is scanned when followed');
    assert.equal(followed.fragments.find((f) => f.path === 'link.txt')?.filePath, path.join(root, 'link.txt'));
    assert.deepEqual(followed.skips, []);
    if (!useGit) {
      // Walk mode descends into linked folders, each real folder once (no loop, no duplicates).
      assert.deepEqual(followed.paths, ['link.txt', 'outside.txt', 'real/f.txt']);
    }
  });
}

test('too-large files are reported and yielded with empty content (path-only rules still fire)', async () => {
  const root = tmpTree({ 'small.txt': `k=${FAKE_KEY}\n`, 'big.txt': `k=${FAKE_KEY}\n${'x'.repeat(200)}\n`, 'cert.p12': 'z'.repeat(300) });
  const { fragments, skips } = await list({ root, maxFileSize: 100 });
  assert.deepEqual(skips.map(([p, r]) => `${p}:${r}`).sort(), ['big.txt:too-large', 'cert.p12:too-large']);
  const big = fragments.find((f) => f.path === 'big.txt');
  assert.ok(Buffer.isBuffer(big?.content) && big.content.length === 0, 'big.txt has empty content');
  assert.equal(big?.filePath, undefined);

  const findings: string[] = [];
  for await (const f of scanFragments(fragments, testConfig, { threads: 1 })) findings.push(`${f.file}:${f.ruleId}`);
  assert.deepEqual(findings.sort(), ['cert.p12:test-p12', 'small.txt:test-aws-key']);
});

/** chmod 000 blocks nothing for root (CAP_DAC_OVERRIDE): then the assertion cannot be made. */
function permissionsBlock(file: string): boolean {
  try {
    fs.closeSync(fs.openSync(file, 'r'));
    return false;
  } catch {
    return true;
  }
}

test('an unreadable folder is reported and the walk goes on', async (t) => {
  const root = tmpTree({ 'a/x.txt': 'x\n', 'locked/y.txt': 'y\n', 'z/z.txt': 'z\n' });
  const locked = path.join(root, 'locked');
  fs.chmodSync(locked, 0o000);
  t.after(() => fs.chmodSync(locked, 0o755));
  const { paths, skips } = await list({ root, useGit: false });
  if (!permissionsBlock(path.join(locked, 'y.txt'))) {
    t.skip('running with permission to read mode-000 files (root)');
    return;
  }
  assert.deepEqual(paths, ['a/x.txt', 'z/z.txt']);
  assert.deepEqual(skips.map(([p, r]) => `${p}:${r}`), ['locked:unreadable']);
});

for (const threads of [1, 2]) {
  test(`an unreadable file is reported and the scan goes on (threads: ${threads})`, async (t) => {
    const root = tmpTree({ 'a.txt': `a=${FAKE_KEY}\n`, 'locked.txt': `b=${FAKE_KEY}\n`, 'z.txt': `z=${FAKE_KEY}\n` });
    const locked = path.join(root, 'locked.txt');
    fs.chmodSync(locked, 0o000);
    t.after(() => fs.chmodSync(locked, 0o644));
    if (!permissionsBlock(locked)) {
      t.skip('running with permission to read mode-000 files (root)');
      return;
    }
    const skips: string[] = [];
    const found: string[] = [];
    const source = filesSource({ root, useGit: false });
    for await (const f of scanFragments(source.fragments(), testConfig, { threads, workersAfter: { fragments: 0 }, onSkip: (p, r) => skips.push(`${p}:${r}`) })) {
      found.push(f.file);
    }
    assert.deepEqual(found.sort(), ['a.txt', 'z.txt']);
    assert.deepEqual(skips, ['locked.txt:unreadable']);
  });
}

test('a file vanishing between listing and reading is reported as unreadable', async () => {
  const root = tmpTree({ 'a.txt': `a=${FAKE_KEY}\n`, 'gone.txt': `b=${FAKE_KEY}\n` });
  const fragments = (await list({ root, useGit: false })).fragments;
  fs.rmSync(path.join(root, 'gone.txt'));
  const skips: string[] = [];
  const found: string[] = [];
  for await (const f of scanFragments(fragments, testConfig, { threads: 1, onSkip: (p, r) => skips.push(`${p}:${r}`) })) found.push(f.file);
  assert.deepEqual(found, ['a.txt']);
  assert.deepEqual(skips, ['gone.txt:unreadable']);
});

test('stdinSource yields one fragment "-" streaming the input, once', async () => {
  const source = stdinSource(Readable.from([Buffer.from('line one\nk='), 'AKIA', Buffer.from('ZQ3W5RT7YU2PLK6M\n')]));
  const fragments: Fragment[] = [];
  for await (const f of source.fragments()) fragments.push(f);
  assert.equal(fragments.length, 1);
  assert.equal(fragments[0]!.path, '-');
  const content = fragments[0]!.content;
  assert.ok(content && !Buffer.isBuffer(content), 'content is streamed');
  const chunks: Buffer[] = [];
  for await (const c of content) {
    assert.ok(Buffer.isBuffer(c), 'chunks are Buffers');
    chunks.push(c);
  }
  assert.equal(Buffer.concat(chunks).toString(), `line one\nk=${FAKE_KEY}\n`);
  await assert.rejects(async () => { for await (const _ of source.fragments()) { /* nothing */ } }, /already read/);
});

test('stdinSource content is found by the scanner', async () => {
  const source = stdinSource(Readable.from([Buffer.from('k=AKIA'), Buffer.from('ZQ3W5RT7YU2PLK6M\n')]));
  const found: string[] = [];
  for await (const f of scanFragments(source.fragments(), testConfig, { threads: 2 })) found.push(`${f.file}:${f.ruleId}:${f.startLine}`);
  assert.deepEqual(found, ['-:test-aws-key:1']);
});
