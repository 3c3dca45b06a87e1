/**
 * Start-up and the two regex engines, each figure beside a floor measured in the same run (alternating runs).
 *
 *   scan one small file      `leakward scan <file>`; floor `node -e 0`; target ≤ 1.4× (p50)
 *   pre-commit hook          `leakward staged` with 10 staged files; floor `node -e 0`; target ≤ 1.5× (p50)
 *   engines                  `scan` throughput of a real tree (the installed `typescript` package, named on the
 *                            command line) with the native RE2 module and with its WebAssembly build
 *
 * Usage: node dist/bench/startup.bench.js [--runs N]
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(repoRoot, 'bin', 'leakward.js');

function timeOnce(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd, stdio: 'ignore', env: { ...process.env, LEAKWARD_CONFIG: '', GITLEAKS_CONFIG: '', ...env } });
  if (r.status !== 0 && r.status !== 1) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

const p50 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const row = (label: string, value: string): void => console.log(`  ${label.padEnd(44)} ${value}`);

/** Runs each command `runs` times, interleaved, after one warm-up each; returns the p50 of each. */
function interleaved(cmds: { cmd: string; args: string[]; cwd: string; env?: NodeJS.ProcessEnv }[], runs: number): number[] {
  const times = cmds.map(() => [] as number[]);
  for (const c of cmds) timeOnce(c.cmd, c.args, c.cwd, c.env);
  for (let i = 0; i < runs; i++) cmds.forEach((c, k) => times[k]!.push(timeOnce(c.cmd, c.args, c.cwd, c.env)));
  return times.map(p50);
}

/** A repository with 10 staged source files (this checkout's own modules: real code, no secrets). */
function stagedRepo(dir: string): string {
  const repo = path.join(dir, 'repo');
  mkdirSync(repo);
  const git = (...a: string[]) => spawnSync('git', ['-c', 'user.email=b@example.com', '-c', 'user.name=b', ...a], { cwd: repo, stdio: 'ignore' });
  git('init', '-q');
  writeFileSync(path.join(repo, 'README.md'), 'bench\n');
  git('add', '.');
  git('commit', '-qm', 'init');
  const srcDir = path.join(repoRoot, 'src', 'core');
  for (const f of readdirSync(srcDir).filter((f) => f.endsWith('.ts')).slice(0, 10)) cpSync(path.join(srcDir, f), path.join(repo, f));
  git('add', '.');
  return repo;
}

function treeBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) n += treeBytes(p);
    else if (e.isFile()) n += statSync(p).size;
  }
  return n;
}

export async function run(argv: string[] = process.argv.slice(2)): Promise<void> {
  const runsAt = argv.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 15;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lw-startup-'));
  try {
    const small = path.join(dir, 'small.js');
    writeFileSync(small, 'export const answer = 42;\n');
    const repo = stagedRepo(dir);
    const wasm = { LEAKWARD_REGEX_ENGINE: 'wasm' };
    console.log(`  load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; p50 of ${runs} interleaved runs`);
    const [floor, scanNative, scanWasm, stagedNative, stagedWasm] = interleaved([
      { cmd: process.execPath, args: ['-e', '0'], cwd: dir },
      { cmd: process.execPath, args: [bin, 'scan', small], cwd: dir },
      { cmd: process.execPath, args: [bin, 'scan', small], cwd: dir, env: wasm },
      { cmd: process.execPath, args: [bin, 'staged'], cwd: repo },
      { cmd: process.execPath, args: [bin, 'staged'], cwd: repo, env: wasm },
    ], runs);
    const ratio = (ms: number, target: number): string =>
      `${ms.toFixed(0)} ms  ${(ms / floor!).toFixed(2)}× node  target ≤ ${target}× ${ms / floor! <= target ? 'ok' : 'MISSED'}`;
    row('floor (node -e 0)', `${floor!.toFixed(0)} ms`);
    row('scan one small file (native RE2)', ratio(scanNative!, 1.4));
    row('scan one small file (WebAssembly RE2)', ratio(scanWasm!, 1.4));
    row('pre-commit hook, 10 staged files (native)', ratio(stagedNative!, 1.5));
    row('pre-commit hook, 10 staged files (WebAssembly)', ratio(stagedWasm!, 1.5));

    const tree = path.join(repoRoot, 'node_modules', 'typescript');
    const bytes = treeBytes(tree);
    const [catMs, nativeMs, wasmMs] = interleaved([
      { cmd: 'sh', args: ['-c', 'find . -type f -print0 | xargs -0 cat > /dev/null'], cwd: tree },
      { cmd: process.execPath, args: [bin, 'scan', '--no-git', '-f', 'json', '-o', path.join(dir, 'n.json'), tree], cwd: dir },
      { cmd: process.execPath, args: [bin, 'scan', '--no-git', '-f', 'json', '-o', path.join(dir, 'w.json'), tree], cwd: dir, env: wasm },
    ], Math.max(3, Math.floor(runs / 5)));
    const mbps = (ms: number): string => `${(bytes / 2 ** 20 / (ms / 1000)).toFixed(1)} MB/s`;
    console.log(`  scan node_modules/typescript: ${(bytes / 2 ** 20).toFixed(1)} MiB`);
    row('floor (find | xargs cat)', `${catMs!.toFixed(0)} ms  ${mbps(catMs!)}`);
    row('native RE2', `${nativeMs!.toFixed(0)} ms  ${mbps(nativeMs!)}`);
    row('WebAssembly RE2', `${wasmMs!.toFixed(0)} ms  ${mbps(wasmMs!)}  ${(wasmMs! / nativeMs!).toFixed(2)}× native time`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await run();
