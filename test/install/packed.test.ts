/**
 * leakward as a new user gets it: `npm pack`, then `npm install` of the tarball into a fresh project (the npm
 * registry supplies the dependencies). Checks: `npx leakward scan .` finds nothing in the fresh project (in git or
 * not), the precompiled rule pack is used, the package works without the native engine (optional dependencies left
 * out: the WebAssembly engine, announced once on stderr) and with it (the native module this checkout built is
 * copied in, so nothing is compiled here). Prints start-up through node_modules/.bin/leakward beside `node -e 0`
 * (a figure, not an assertion). Skipped with a message when the registry cannot be reached.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../src/core/paths.js';

function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', LEAKWARD_REGEX_ENGINE: '', ...env }, timeout: 300_000 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function timeRuns(cmd: string, args: string[], cwd: string, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    spawnSync(cmd, args, { cwd, stdio: 'ignore' });
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return out;
}

const skip = process.env['LEAKWARD_REGEX_ENGINE'] === 'wasm' ? 'runs once, in the native-engine pass (it picks its engines itself)' : false;

test('installed from its packed tarball into a fresh project: nothing found, precompiled pack, both engines', { skip, timeout: 600_000 }, (t) => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'lw-packed-'));
  // dist/ is built (npm test builds first): pack without running prepare again.
  const pack = sh('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], packageRoot);
  assert.equal(pack.code, 0, pack.stderr);
  const tarball = path.join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!);
  const project = path.join(work, 'app');
  cpSync(path.join(packageRoot, 'examples', 'clean-app'), project, { recursive: true });
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  // No compiler needed: optional dependencies (the native re2) left out, as where its build fails.
  const install = sh('npm', ['install', '--omit=optional', '--no-audit', '--no-fund', tarball], project);
  if (install.code !== 0 && /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|network/i.test(install.stderr)) {
    t.skip(`npm registry not reachable: ${install.stderr.split('\n')[0]}`);
    return;
  }
  assert.equal(install.code, 0, install.stderr);
  const bin = path.join(project, 'node_modules', '.bin', 'leakward');
  const installed = path.join(project, 'node_modules', 'leakward');
  assert.ok(existsSync(path.join(installed, 'wasm', 're2.wasm')), 'the WebAssembly engine ships in the package');
  assert.ok(!existsSync(path.join(project, 'node_modules', 're2')));

  const wasmScan = sh('npx', ['--no-install', 'leakward', 'scan', '.'], project);
  assert.equal(wasmScan.code, 0, wasmScan.stdout + wasmScan.stderr);
  const notes = wasmScan.stderr.split('\n').filter((l) => l.includes('WebAssembly'));
  assert.equal(notes.length, 1, `one note about the fallback engine: ${wasmScan.stderr}`);
  assert.match(notes[0]!, /slower.*npm rebuild re2|npm install re2/);

  const probe = `import { builtinConfig, builtinPackSource } from ${JSON.stringify(path.join(installed, 'dist', 'src', 'core', 'config.js'))};
    import { regexEngine } from ${JSON.stringify(path.join(installed, 'dist', 'src', 'core', 'regex.js'))};
    builtinConfig(); console.log(builtinPackSource(), regexEngine());`;
  const packUsed = sh(process.execPath, ['--input-type=module', '-e', probe], project);
  assert.equal(packUsed.stdout.trim(), 'precompiled wasm', packUsed.stderr);

  // The native engine: the module this checkout built, copied in (npm would compile it, minutes on 2 cores).
  const nativeModule = path.join(packageRoot, 'node_modules', 're2');
  if (existsSync(path.join(nativeModule, 'build', 'Release', 're2.node'))) {
    cpSync(nativeModule, path.join(project, 'node_modules', 're2'), { recursive: true });
    const nativeScan = sh(bin, ['scan', '.'], project);
    assert.equal(nativeScan.code, 0, nativeScan.stdout + nativeScan.stderr);
    // nothing but the closing count of what was skipped by design (the project's node_modules)
    assert.deepEqual(nativeScan.stderr.split('\n').filter((l) => l !== '' && !/^leakward: skipped \d+ /.test(l)), []);
    assert.equal(sh(process.execPath, ['--input-type=module', '-e', probe], project).stdout.trim(), 'precompiled native');
  }

  // In a fresh git repository without a .gitignore, git lists node_modules as untracked files: still nothing.
  if (sh('git', ['init', '-q'], project).code === 0) {
    const inGit = sh(bin, ['scan', '.'], project);
    assert.equal(inGit.code, 0, inGit.stdout + inGit.stderr);
  }

  // Start-up through node_modules/.bin/leakward, one small file, beside `node -e 0` (printed, never asserted).
  writeFileSync(path.join(project, 'small.js'), 'export const answer = 42;\n');
  const runs = 11;
  timeRuns(process.execPath, ['-e', '0'], project, 2);
  timeRuns(bin, ['scan', 'small.js'], project, 2);
  const floor: number[] = [];
  const scan: number[] = [];
  for (let i = 0; i < runs; i++) {
    floor.push(...timeRuns(process.execPath, ['-e', '0'], project, 1));
    scan.push(...timeRuns(bin, ['scan', 'small.js'], project, 1));
  }
  const f = median(floor);
  const s = median(scan);
  t.diagnostic(`start-up, installed package (${existsSync(path.join(project, 'node_modules', 're2')) ? 'native' : 'wasm'} engine): ` +
    `node_modules/.bin/leakward scan small.js p50 ${s.toFixed(0)} ms; node -e 0 p50 ${f.toFixed(0)} ms; ratio ${(s / f).toFixed(2)}x (target <= 1.4x); load ${os.loadavg()[0]!.toFixed(1)}`);
  rmSync(work, { recursive: true, force: true });
});
