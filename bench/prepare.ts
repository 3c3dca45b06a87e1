/**
 * `npm run bench:prepare`: the bench steps that need the network, run once before `npm run bench` (which then runs
 * offline). Each step is idempotent and says what it did.
 *
 *   previous   the previous release (PREVIOUS_RELEASE below) built side by side in bench/.work/previous-<sha>/, so
 *              the speed scenario can run both builds alternately in the same run. It reuses this checkout's
 *              node_modules when the previous release builds with them (same dependencies), else runs `npm ci`.
 *   precision  the real trees of the precision bench: pinned npm packages into bench/.work/npm-tree, pinned Debian
 *              python3-* library sources into bench/.work/debian-tree (bench/precision/prepare.mjs)
 *
 * Usage: node dist/bench/prepare.js [step...]
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const workDir = path.join(repoRoot, 'bench', '.work');

/** The release the speed figures are compared with (the commit before the speed work began). */
export const PREVIOUS_RELEASE = 'a3615966d560229198e9dfa3e2a0babe78ec2175';

/** Where the previous release is built; its CLI is `<dir>/bin/leakward.js`. */
export function previousDir(): string {
  return path.join(workDir, `previous-${PREVIOUS_RELEASE.slice(0, 7)}`);
}

/** True when the previous release is built and usable. */
export function previousReady(): boolean {
  return fs.existsSync(path.join(previousDir(), '.leakward-bench-ready'));
}

function sh(cmd: string, args: string[], opts: SpawnSyncOptions = {}): boolean {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  return r.status === 0;
}

function preparePrevious(): void {
  const dir = previousDir();
  if (previousReady()) {
    console.log(`previous: ${path.relative(repoRoot, dir)} is built`);
    return;
  }
  const known = spawnSync('git', ['cat-file', '-e', `${PREVIOUS_RELEASE}^{commit}`], { cwd: repoRoot });
  if (known.status !== 0) {
    throw new Error(`commit ${PREVIOUS_RELEASE.slice(0, 7)} is not in this clone (a shallow clone?): run 'git fetch --unshallow' first`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const archive = spawnSync('git', ['archive', '--format=tar', PREVIOUS_RELEASE], { cwd: repoRoot, maxBuffer: 1 << 30 });
  if (archive.status !== 0) throw new Error(`git archive ${PREVIOUS_RELEASE.slice(0, 7)} failed`);
  if (!sh('tar', ['-x', '-C', dir], { input: archive.stdout, stdio: ['pipe', 'inherit', 'inherit'] })) throw new Error('tar failed');

  // The previous release's dependencies are a subset of this checkout's; try them first (no network, seconds).
  const build = (): boolean =>
    sh(process.execPath, [path.join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: dir }) &&
    sh(process.execPath, ['dist/src/core/build-pack.js'], { cwd: dir, stdio: 'ignore' }) &&
    // A smoke run: exit 0 (clean) or 1 (findings) means the CLI and its native engine load.
    [0, 1].includes(spawnSync(process.execPath, ['bin/leakward.js', 'scan', 'README.md'], { cwd: dir }).status ?? -1);
  const localModules = path.join(repoRoot, 'node_modules');
  let ok = false;
  if (fs.existsSync(path.join(localModules, 're2')) && fs.existsSync(path.join(localModules, 'typescript'))) {
    fs.symlinkSync(localModules, path.join(dir, 'node_modules'), 'dir');
    ok = build();
    if (!ok) fs.rmSync(path.join(dir, 'node_modules'), { force: true });
  }
  if (!ok) {
    console.log('previous: building with its own dependencies (npm ci)');
    ok = sh('npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: dir }) &&
      sh('npm', ['rebuild', 're2'], { cwd: dir }) && build();
  }
  if (!ok) throw new Error(`could not build ${PREVIOUS_RELEASE.slice(0, 7)} in ${path.relative(repoRoot, dir)}`);
  fs.writeFileSync(path.join(dir, '.leakward-bench-ready'), PREVIOUS_RELEASE);
  console.log(`previous: built ${PREVIOUS_RELEASE.slice(0, 7)} in ${path.relative(repoRoot, dir)}`);
}

/** The real trees of the precision bench (bench/precision.bench.ts): pinned npm packages and Debian python3-* sources. */
function preparePrecision(): void {
  if (!sh(process.execPath, [path.join(repoRoot, 'bench', 'precision', 'prepare.mjs')])) throw new Error('precision trees not prepared (see above)');
}

const steps: Record<string, () => void | Promise<void>> = {
  previous: preparePrevious,
  precision: preparePrecision,
};

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const chosen = process.argv.slice(2);
  for (const name of chosen.length ? chosen : Object.keys(steps)) {
    const step = steps[name];
    if (!step) {
      console.error(`bench:prepare: unknown step '${name}' (steps: ${Object.keys(steps).join(', ')})`);
      process.exit(2);
    }
    try {
      await step();
    } catch (err) {
      console.error(`bench:prepare ${name}: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    }
  }
}
