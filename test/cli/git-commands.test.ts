/**
 * End to end through real git: hooks installed in temporary repositories block a commit / push carrying a
 * synthetic key (plain .git/hooks and husky), and `leakward history` / `diff` report the right commits and lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli } from './run-cli.js';
import { tempRepo, fakeAwsKey, gitEnv, type TempRepo } from '../sources/git-fixture.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = path.join(repoRoot, 'bin', 'leakward.js');

interface Json { RuleID: string; File: string; StartLine: number; Commit: string; Secret: string; Fingerprint: string; Message: string; Email: string }


/** A repo whose node_modules/.bin/leakward runs this checkout (what `npm i -D leakward` gives a project). */
function projectRepo(): TempRepo {
  const r = tempRepo('lw-proj-');
  r.write('.gitignore', 'node_modules/\n');
  const shim = path.join(r.dir, 'node_modules', '.bin', 'leakward');
  fs.mkdirSync(path.dirname(shim), { recursive: true });
  fs.writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${bin}" "$@"\n`, { mode: 0o755 });
  return r;
}

/** git with hooks enabled (the fixture's helper passes --no-verify). */
function gitHooked(r: TempRepo, ...args: string[]): { status: number | null; stderr: string; stdout: string } {
  const res = spawnSync('git', args, { cwd: r.dir, env: gitEnv, encoding: 'utf8' });
  return { status: res.status, stderr: res.stderr, stdout: res.stdout };
}

test('pre-commit through a plain .git/hooks install blocks a staged key, lets a clean commit through', async () => {
  const r = projectRepo();
  try {
    const key = fakeAwsKey(11);
    assert.equal((await cli(['hook', 'install'], r.dir)).code, 0);
    r.write('app.js', `const id = "${key}";\n`);
    r.git('add', 'app.js', '.gitignore');
    const res = gitHooked(r, 'commit', '-m', 'add key');
    assert.notEqual(res.status, 0, 'the commit is blocked');
    assert.match(res.stderr + res.stdout, /app\.js/);
    assert.match(res.stderr, /commit blocked/);
    assert.match(res.stderr, /--no-verify/);
    assert.ok(!(res.stderr + res.stdout).includes(key), 'the key is never printed whole');
    r.write('app.js', 'const id = process.env.AWS_ACCESS_KEY_ID;\n');
    r.git('add', 'app.js');
    const ok = gitHooked(r, 'commit', '-m', 'clean');
    assert.equal(ok.status, 0, `a clean commit passes: ${ok.stderr}`);
  } finally {
    r.cleanup();
  }
});

test('pre-commit through husky (core.hooksPath .husky/_) blocks a PEM private key', async () => {
  const r = projectRepo();
  try {
    fs.mkdirSync(path.join(r.dir, '.husky'));
    const h = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules', 'husky', 'bin.js')], { cwd: r.dir, env: gitEnv, encoding: 'utf8' });
    assert.equal(h.status, 0, `husky installs: ${h.stderr}${h.stdout}`);
    assert.equal(r.git('config', 'core.hooksPath'), '.husky/_');
    const inst = await cli(['hook', 'install'], r.dir);
    assert.equal(inst.code, 0, inst.err);
    assert.ok(fs.existsSync(path.join(r.dir, '.husky', 'pre-commit')));
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    r.write('deploy/id_rsa.txt', privateKey);
    r.git('add', 'deploy/id_rsa.txt', '.gitignore');
    const res = gitHooked(r, 'commit', '-m', 'key');
    assert.notEqual(res.status, 0, 'blocked through husky');
    assert.match(res.stderr + res.stdout, /private-key/);
  } finally {
    r.cleanup();
  }
});

test('pre-push blocks a pushed commit with a key; a new branch is scanned against what the remote has', async () => {
  const remote = tempRepo('lw-remote-', { bare: true });
  const r = projectRepo();
  try {
    r.git('remote', 'add', 'origin', remote.dir);
    const old = fakeAwsKey(21), fresh = fakeAwsKey(22);
    r.write('old.env', `K=${old}\n`);
    r.commit('already public');
    r.git('push', '-q', '--no-verify', 'origin', 'main');
    assert.equal((await cli(['hook', 'install', '--pre-push'], r.dir)).code, 0);

    r.git('checkout', '-q', '-b', 'feature');
    r.write('feature.txt', 'clean work\n');
    r.commit('clean');
    const clean = gitHooked(r, 'push', 'origin', 'feature');
    assert.equal(clean.status, 0, `a new branch whose only key is already on the remote passes: ${clean.stderr}`);

    r.write('feature.txt', `clean work\nk=${fresh}\n`);
    const bad = r.commit('leak');
    r.write('feature.txt', 'clean work\n');
    r.commit('remove it again (still in history)');
    const res = gitHooked(r, 'push', 'origin', 'feature');
    assert.notEqual(res.status, 0, 'the push is blocked');
    assert.match(res.stderr + res.stdout, /push blocked/);
    assert.ok((res.stderr + res.stdout).includes(bad.slice(0, 7)), 'names the offending commit');
    assert.ok(!(res.stderr + res.stdout).includes(fresh), 'the key is never printed whole');
    assert.notEqual(remote.git('rev-parse', 'feature'), r.git('rev-parse', 'HEAD'));
    // The bare remote can be swept too (server side).
    const sweep = await cli(['history', '--repo', remote.dir, '--format', 'json'], remote.dir);
    assert.equal(sweep.code, 1, sweep.err);
    assert.equal((JSON.parse(sweep.out) as Json[]).length, 1, 'the key pushed with --no-verify is on the remote');
    // Deleting a branch scans nothing.
    r.git('push', '-q', '--no-verify', 'origin', 'HEAD:refs/heads/tmp');
    assert.equal(gitHooked(r, 'push', 'origin', ':tmp').status, 0);
  } finally {
    r.cleanup();
    remote.cleanup();
  }
});

test('history: side branch, evil merge, cherry-pick, with shas and lines; --state sweeps incrementally', async () => {
  const r = tempRepo();
  try {
    const k1 = fakeAwsKey(31), k2 = fakeAwsKey(32), k3 = fakeAwsKey(33);
    r.write('a.txt', 'one\ntwo\n');
    r.commit('base');
    r.git('checkout', '-q', '-b', 'side');
    r.write('side.cfg', `x=1\n\naws = "${k1}"\n`);
    const side = r.commit('side key');
    r.git('checkout', '-q', 'main');
    r.write('a.txt', 'one\ntwo\nthree\n');
    r.commit('main');
    r.git('merge', '-q', '--no-ff', '--no-commit', 'side');
    r.write('a.txt', `one\ntwo\nthree\nevil = "${k2}"\n`);
    r.git('add', 'a.txt');
    r.git('commit', '-q', '--no-verify', '-m', 'evil merge');
    const merge = r.git('rev-parse', 'HEAD');
    r.git('checkout', '-q', '-b', 'pick', 'main~1');
    r.git('cherry-pick', side);
    const pick = r.git('rev-parse', 'HEAD');

    const res = await cli(['history', '--repo', r.dir, '--format', 'json'], r.dir);
    assert.equal(res.code, 1, res.err);
    const found = (JSON.parse(res.out) as Json[]).filter((f) => f.RuleID === 'aws-access-token')
      .map((f) => `${f.Commit}:${f.File}:${f.StartLine}`).sort();
    assert.deepEqual(found, [`${side}:side.cfg:3`, `${pick}:side.cfg:3`, `${merge}:a.txt:4`].sort());
    const fps = (JSON.parse(res.out) as Json[]).filter((f) => f.File === 'side.cfg').map((f) => f.Fingerprint);
    assert.equal(new Set(fps).size, 1, 'the cherry-pick has the same fingerprint');

    // --branch, a range, --log-opts.
    const br = await cli(['history', '--repo', r.dir, '--branch', 'pick', '--format', 'json'], r.dir);
    assert.deepEqual((JSON.parse(br.out) as Json[]).map((f) => f.Commit), [pick]);
    const range = await cli(['history', '--repo', r.dir, '--format', 'json', `${side}..main`], r.dir);
    assert.deepEqual((JSON.parse(range.out) as Json[]).map((f) => f.Commit), [merge], 'only the merge is in side..main');
    const one = await cli(['history', '--repo', r.dir, '--format', 'json', '--max-commits', '1', 'pick'], r.dir);
    assert.deepEqual((JSON.parse(one.out) as Json[]).map((f) => f.Commit), [pick], '--max-commits 1 scans the tip only');
    const gl = await cli(['history', '--repo', r.dir, '--format', 'json', '--log-opts', `--all -- side.cfg`], r.dir);
    assert.equal((JSON.parse(gl.out) as Json[]).length, 2, '--log-opts replaces the selection');
    // Incremental: the first run records the tips; the second scans nothing; a new commit only is scanned.
    const state = path.join(r.dir, '..', `${path.basename(r.dir)}.state.json`);
    try {
      assert.equal((await cli(['history', '--repo', r.dir, '--state', state, '--format', 'json'], r.dir)).code, 1);
      const again = await cli(['history', '--repo', r.dir, '--state', state, '--format', 'json'], r.dir);
      assert.equal(again.code, 0, `nothing new: ${again.out}`);
      r.write('new.txt', `k="${k3}"\n`);
      const c3 = r.commit('new key');
      const third = await cli(['history', '--repo', r.dir, '--state', state, '--format', 'json'], r.dir);
      assert.deepEqual((JSON.parse(third.out) as Json[]).map((f) => f.Commit), [c3]);
      assert.ok(fs.statSync(state).size < 1024, 'the state file stays small');
      // Different rules: everything again.
      const all = await cli(['history', '--repo', r.dir, '--state', state, '--format', 'json', '--enable-rule', 'aws-access-token'], r.dir);
      assert.match(all.err, /rules changed/);
      assert.equal((JSON.parse(all.out) as Json[]).length, 4);
    } finally {
      fs.rmSync(state, { force: true });
    }
  } finally {
    r.cleanup();
  }
});

test('history: bad input is a clear message and exit 2, never a stack trace', async () => {
  const notRepo = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-plain-'));
  const r = tempRepo();
  try {
    const a = await cli(['history', '--repo', notRepo], notRepo);
    assert.equal(a.code, 2);
    assert.match(a.err, /not a git repository/);
    const empty = await cli(['history', '--repo', r.dir], r.dir);
    assert.equal(empty.code, 0);
    assert.match(empty.err, /no commits/);
    r.write('a', '1\n');
    r.commit('1');
    const bad = await cli(['history', '--repo', r.dir, 'no-such-rev'], r.dir);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /no-such-rev/);
    assert.ok(!/\n\s+at /.test(bad.err), 'no stack trace');
    const missing = await cli(['history', '--repo', path.join(notRepo, 'nope')], notRepo);
    assert.equal(missing.code, 2);
    // A corrupt object: the blob of a commit is gone.
    r.write('b', 'content that will vanish\n');
    r.commit('2');
    const blob = r.git('rev-parse', 'HEAD:b');
    fs.rmSync(path.join(r.dir, '.git', 'objects', blob.slice(0, 2), blob.slice(2)));
    const corrupt = await cli(['history', '--repo', r.dir], r.dir);
    assert.equal(corrupt.code, 2);
    assert.match(corrupt.err, /incomplete/);
  } finally {
    r.cleanup();
    fs.rmSync(notRepo, { recursive: true, force: true });
  }
});

test('staged: outside a repository is exit 2; nothing staged is exit 0', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-norepo-'));
  const r = tempRepo();
  try {
    const a = await cli(['staged'], dir);
    assert.equal(a.code, 2);
    assert.match(a.err, /not inside a git work tree/);
    const b = await cli(['staged'], r.dir);
    assert.equal(b.code, 0, b.err);
    // A broken config blocks the commit (fail closed) with the reason.
    r.write('.leakward.toml', '[[rules]]\nid = "broken"\nregex = \'\'\'(unclosed\'\'\'\n');
    const c = await cli(['staged'], r.dir);
    assert.equal(c.code, 2);
    assert.match(c.err, /broken|regex|\.leakward\.toml/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    r.cleanup();
  }
});

test('diff: a patch file and stdin, with new-file line numbers', async () => {
  const key = fakeAwsKey(41);
  const patch = `diff --git a/conf/app.ini b/conf/app.ini\n--- a/conf/app.ini\n+++ b/conf/app.ini\n@@ -10,2 +10,3 @@\n [aws]\n-x\n+y\n+key = ${key}\n`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-diff-'));
  try {
    fs.writeFileSync(path.join(dir, 'change.patch'), patch);
    const a = await cli(['diff', 'change.patch', '--format', 'json'], dir);
    assert.equal(a.code, 1, a.err);
    assert.deepEqual((JSON.parse(a.out) as Json[]).map((f) => `${f.File}:${f.StartLine}`), ['conf/app.ini:12']);
    const b = await cli(['diff', '-', '--format', 'json'], dir, patch);
    assert.deepEqual((JSON.parse(b.out) as Json[]).map((f) => `${f.File}:${f.StartLine}`), ['conf/app.ini:12']);
    const c = await cli(['diff', 'missing.patch'], dir);
    assert.equal(c.code, 2);
    assert.match(c.err, /missing\.patch/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
