#!/usr/bin/env node
// `npm run bench:prepare`: fetches the real trees of the precision bench (bench/precision.bench.ts) — the only step
// of that bench that uses the network:
//   1. the pinned npm packages of bench/precision/packages.json → bench/.work/npm-tree/node_modules (npm registry;
//      install scripts are not run: the bench only reads the files);
//   2. the pinned Debian python3-* packages → bench/.work/debian-tree (apt-get download + dpkg-deb -x; skipped with
//      a message where apt-get is not available).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const work = join(here, '..', '.work');
const pinned = JSON.parse(readFileSync(join(here, 'packages.json'), 'utf8'));

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, stdio: 'inherit' });
  return r.status === 0 && !r.error;
}

const tree = join(work, 'npm-tree');
mkdirSync(tree, { recursive: true });
writeFileSync(join(tree, 'package.json'), JSON.stringify({ name: 'leakward-precision-tree', private: true, dependencies: pinned.dependencies }, null, 2));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
if (!run(npm, ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--engine-strict=false', '--loglevel=error'], tree)) {
  console.error(`bench:prepare: npm install failed in ${tree}`);
  process.exit(2);
}
console.log(`bench:prepare: ${Object.keys(pinned.dependencies).length} pinned npm packages and their dependencies in ${tree}`);

const deb = join(work, 'debian-tree');
const debs = join(work, 'debian-debs');
if (spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status !== 0 || spawnSync('dpkg-deb', ['--version'], { stdio: 'ignore' }).status !== 0) {
  console.log('bench:prepare: apt-get / dpkg-deb not available: the Debian tree is skipped (the npm tree is enough for the target)');
} else {
  rmSync(debs, { recursive: true, force: true });
  mkdirSync(debs, { recursive: true });
  const specs = Object.entries(pinned.debian.packages).map(([name, version]) => `${name}=${version}`);
  if (!run('apt-get', ['download', ...specs], debs)) {
    console.error('bench:prepare: apt-get download failed (run `apt-get update` first?)');
    process.exit(2);
  }
  rmSync(deb, { recursive: true, force: true });
  mkdirSync(deb, { recursive: true });
  for (const f of readdirSync(debs).filter((n) => n.endsWith('.deb'))) {
    if (!run('dpkg-deb', ['-x', join(debs, f), deb], debs)) process.exit(2);
  }
  console.log(`bench:prepare: ${specs.length} pinned Debian packages extracted into ${deb}`);
}
