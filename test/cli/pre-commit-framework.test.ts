/**
 * The hooks through the pre-commit framework (https://pre-commit.com) as Debian packages it (3.0.4): installed from
 * this repository's git history (`repo:` a clone, `rev:` its HEAD), the way a user's `.pre-commit-config.yaml`
 * names a release tag. pre-commit builds the package itself (`npm install` + `npm pack` in its clone: our `prepare`
 * script), so this also checks an install from the git repository. Optional dependencies (the native re2) are left
 * out here to keep the test to a minute or two: the hooks run on the WebAssembly engine.
 * Opt-in (LEAKWARD_TEST_PRE_COMMIT=1): pre-commit's own npm install of the hook takes several minutes on 2 cores.
 * Skipped with a message when `pre-commit` is not installed (apt-get install pre-commit).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../src/core/paths.js';

const awsFile = path.join(packageRoot, 'examples', 'leaky-app', 'config', 'aws-credentials');
const hasPreCommit = spawnSync('pre-commit', ['--version'], { encoding: 'utf8' }).status === 0;
const inGit = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: packageRoot, encoding: 'utf8' }).status === 0;
const skip = process.env['LEAKWARD_TEST_PRE_COMMIT'] !== '1' ? 'opt-in: LEAKWARD_TEST_PRE_COMMIT=1 (pre-commit installs the hook with npm: minutes)' : process.env['LEAKWARD_REGEX_ENGINE'] === 'wasm' ? 'runs once, in the native-engine pass (it picks its engines itself)' : !hasPreCommit ? 'pre-commit is not installed (apt-get install pre-commit)' : !inGit ? 'not a git checkout' : false;

test('pre-commit framework: installs the leakward hooks from git and blocks a leaky commit and a leaky push', { skip, timeout: 900_000 }, () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'lw-pre-commit-'));
  const env = {
    ...process.env, PRE_COMMIT_HOME: path.join(home, 'cache'), npm_config_omit: 'optional', NO_COLOR: '1',
    GIT_AUTHOR_NAME: 'dev', GIT_AUTHOR_EMAIL: 'dev@example.com', GIT_COMMITTER_NAME: 'dev', GIT_COMMITTER_EMAIL: 'dev@example.com',
    LEAKWARD_CONFIG: '', GITLEAKS_CONFIG: '',
  };
  const run = (cwd: string, cmd: string, ...args: string[]) => {
    const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 600_000 });
    return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
  };
  const ok = (cwd: string, cmd: string, ...args: string[]) => {
    const r = run(cwd, cmd, ...args);
    assert.equal(r.code, 0, `${cmd} ${args.join(' ')}:\n${r.out}`);
    return r.out;
  };

  // The hooks repository, at this checkout's HEAD.
  const hooksRepo = path.join(home, 'leakward');
  ok(home, 'git', 'clone', '-q', '--no-hardlinks', packageRoot, hooksRepo);
  const rev = ok(hooksRepo, 'git', 'rev-parse', 'HEAD').trim();

  const project = path.join(home, 'app');
  mkdirSync(project);
  ok(project, 'git', 'init', '-q');
  const remote = path.join(home, 'remote.git');
  ok(home, 'git', 'init', '-q', '--bare', remote);
  ok(project, 'git', 'remote', 'add', 'origin', remote);
  writeFileSync(path.join(project, '.pre-commit-config.yaml'),
    `repos:\n  - repo: ${hooksRepo}\n    rev: ${rev}\n    hooks:\n      - id: leakward\n      - id: leakward-pre-push\n`);
  ok(project, 'pre-commit', 'install', '--hook-type', 'pre-commit', '--hook-type', 'pre-push');
  ok(project, 'pre-commit', 'install-hooks');

  writeFileSync(path.join(project, 'index.js'), 'console.log("hello");\n');
  ok(project, 'git', 'add', '.');
  ok(project, 'git', 'commit', '-qm', 'clean start');
  ok(project, 'git', 'push', '-q', 'origin', 'HEAD:main');

  cpSync(awsFile, path.join(project, 'creds.ini'));
  ok(project, 'git', 'add', 'creds.ini');
  const blocked = run(project, 'git', 'commit', '-qm', 'add creds');
  assert.notEqual(blocked.code, 0, `the commit went through:\n${blocked.out}`);
  assert.match(blocked.out, /leakward \(secrets in staged changes\)\.*Failed/);
  assert.match(blocked.out, /aws-access-token/);

  // Committed past the hook: the pre-push hook stops it from leaving.
  ok(project, 'git', 'commit', '-qm', 'add creds', '--no-verify');
  const push = run(project, 'git', 'push', '-q', 'origin', 'HEAD:main');
  assert.notEqual(push.code, 0, `the push went through:\n${push.out}`);
  assert.match(push.out, /leakward \(secrets in pushed commits\)\.*Failed/);
});
