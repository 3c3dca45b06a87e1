/**
 * npm's `prepare` (run by `npm install` in a checkout, `npm pack`, and installs straight from git): builds `dist/`,
 * then installs the repository's own git hooks (husky) when there is a repository to install them in.
 *
 * `npm install -g git+https://…` (and `git+file://…`) runs `prepare` in a fresh clone after a nested
 * `npm install` that inherits `npm_config_global=true`: that install puts the dependencies in the global prefix,
 * not in the clone, so the build tools are missing (`tsc: not found`). Then the build tools are installed here,
 * locally and without install scripts (the native `re2` build is not needed to build), and the build goes on.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.env['npm_execpath'] ? [process.execPath, process.env['npm_execpath']] : ['npm'];

function run(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env, shell: process.platform === 'win32' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (!existsSync(path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'))) {
  process.stderr.write('leakward prepare: build tools missing (an install from git): installing them locally\n');
  run(npm[0], [...npm.slice(1), 'install', '--global=false', `--prefix=${root}`, '--include=dev', '--ignore-scripts',
    '--no-save', '--no-audit', '--no-fund', '--no-package-lock'], { ...process.env, npm_config_global: 'false' });
}
run(npm[0], [...npm.slice(1), 'run', 'build']);
// The repository's own pre-commit hook (husky), for contributors; nothing to do outside a git checkout.
if (existsSync(path.join(root, '.git')) && existsSync(path.join(root, 'node_modules', 'husky'))) {
  spawnSync(npm[0], [...npm.slice(1), 'exec', '--no', '--', 'husky'], { cwd: root, stdio: 'inherit' });
}
