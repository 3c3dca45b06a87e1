/**
 * Speed against the previous release, built side by side by `npm run bench:prepare` (bench/prepare.ts), so the
 * figures hold on any machine: both builds run alternately in the same bench run, each run under a timeout, and
 * the medians and their ratio are printed beside a floor measured in the same run.
 *
 *   scan        `leakward scan DIR` of the git/git work tree (LEAKWARD_BENCH_GIT_REPO: a local clone, its HEAD
 *               archived once into bench/.work/) or, without it, a generated tree with git/git's file-size and
 *               language mix; and of the real-code tree of npm packages when bench:prepare installed it.
 *               Floor: read every file (`find | xargs cat`). Target: ≥ 2× the previous release. Peak RSS ≤ 200 MB.
 *   start-up    `scan` of one small file; floor `node -e 0`. Target ≤ 1.4× the floor.
 *   history     `leakward history` of the last N first-parent commits of git/git (with every commit they merge;
 *               LEAKWARD_BENCH_HISTORY_DEPTH, default 1500) or of the generated merge-heavy repository, default
 *               merges and `--merges none`. Floor: `git log -p -U0 --no-merges` over the same range, alone.
 *               Targets: merges ≤ 1.3× the floor, `--merges none` ≤ 1.0×; leakward's own peak RSS ≤ 256 MB.
 *
 * Usage: node dist/bench/speed.bench.js [--runs N] [--timeout SECONDS] [--only scan|startup|history]
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GIT_CONFIG } from '../src/sources/git.js';
import { mulberry32 } from '../test/support/prng.js';
import { buildRepo } from './history.bench.js';
import { PREVIOUS_RELEASE, previousDir, previousReady, workDir } from './prepare.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Build { readonly name: string; readonly root: string }
interface RunResult { readonly ms: number; readonly rssMB: number; readonly code: number | null; readonly timedOut: boolean }

export async function run(argv: string[]): Promise<void> {
  const opts = parseArgs(argv);
  const current: Build = { name: 'leakward (this build)', root: repoRoot };
  const previous: Build | undefined = previousReady()
    ? { name: `previous release ${PREVIOUS_RELEASE.slice(0, 7)}`, root: previousDir() }
    : undefined;
  console.log(`speed: ${opts.runs} runs each, alternating, timeout ${opts.timeoutS} s; load average ${os.loadavg()[0]!.toFixed(1)} at start`);
  if (!previous) console.log(`  (previous release not built: run 'npm run bench:prepare' for the side-by-side ratios)`);
  const builds = previous ? [current, previous] : [current];

  if (opts.only.has('scan')) {
    for (const tree of scanTrees()) {
      console.log(`\n  scan ${tree.label}: ${(tree.bytes / 2 ** 20).toFixed(1)} MiB in ${tree.files} files`);
      const floorMs = median(await repeat(opts.runs, async () => timeShell(`find . -type f -print0 | xargs -0 cat > /dev/null`, tree.dir)));
      row('floor (find | xargs cat)', `${fmtMs(floorMs)}  ${mbps(tree.bytes, floorMs)} MB/s`);
      // --no-git and an explicit built-in config: the trees live under this checkout's git-ignored bench/.work/,
      // whose .leakward.toml allowlists them.
      const scanArgs = ['scan', '--no-git', '-c', defaultConfigFile(), '--format', 'json', tree.dir];
      const res = await alternate(builds, opts, (b) => cli(b, scanArgs, tree.dir, opts.timeoutS));
      report(res, builds, { bytes: tree.bytes, rssTarget: tree.rssTarget, speedupTarget: 2 });
    }
  }

  if (opts.only.has('startup')) {
    console.log('\n  start-up: scan one small file');
    const small = smallFile();
    const nodeMs = median(await repeat(15, async () => timeSpawn(process.execPath, ['-e', '0'], path.dirname(small))));
    row('floor (node -e 0)', fmtMs(nodeMs));
    for (const b of builds) {
      const ms = median(await repeat(15, async () => timeSpawn(process.execPath, [path.join(b.root, 'bin', 'leakward.js'), 'scan', small], path.dirname(small))));
      row(b.name, `${fmtMs(ms)}  ${(ms / nodeMs).toFixed(2)}× node${b === current ? `  target ≤ 1.4× ${ms / nodeMs <= 1.4 ? 'ok' : 'MISSED'}` : ''}`);
    }
  }

  if (opts.only.has('history')) {
    const h = historyInput();
    console.log(`\n  history ${h.label}: ${h.commits} commits, ${h.merges} merges (${((100 * h.merges) / Math.max(1, h.commits)).toFixed(0)}%)`);
    const floorMs = median(await repeat(opts.runs, async () => timeSpawn('git', [...GIT_CONFIG, 'log', '-p', '-U0', '--no-merges', ...h.range], h.repo)));
    row('floor (git log -p -U0 --no-merges)', fmtMs(floorMs));
    for (const [label, extra, target] of [['merges (default)', [], 1.3], ['--merges none', ['--merges', 'none'], 1.0]] as const) {
      console.log(`  ${label}`);
      const res = await alternate(builds, opts, (b) => cli(b, ['history', '--repo', h.repo, '--format', 'json', ...extra, ...h.range], h.repo, opts.timeoutS));
      report(res, builds, { rssTarget: 256, floorMs, floorTarget: target });
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Inputs

interface Tree { readonly label: string; readonly dir: string; readonly files: number; readonly bytes: number; readonly rssTarget?: number }

function scanTrees(): Tree[] {
  const trees: Tree[] = [];
  const gitRepo = process.env.LEAKWARD_BENCH_GIT_REPO;
  if (gitRepo) {
    const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: gitRepo, encoding: 'utf8' }).stdout.trim();
    if (!head) throw new Error(`LEAKWARD_BENCH_GIT_REPO=${gitRepo} is not a git repository`);
    const dir = path.join(workDir, `git-tree-${head.slice(0, 10)}`);
    if (!fs.existsSync(path.join(dir, '.leakward-bench'))) {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir, { recursive: true });
      const tar = spawnSync('git', ['archive', '--format=tar', head], { cwd: gitRepo, maxBuffer: 1 << 30 });
      spawnSync('tar', ['-x', '-C', dir], { input: tar.stdout });
      fs.writeFileSync(path.join(dir, '.leakward-bench'), head);
    }
    trees.push({ label: `git/git work tree at ${head.slice(0, 10)}`, dir, rssTarget: 200, ...measureTree(dir) });
  } else {
    const dir = generatedGitLikeTree();
    trees.push({ label: 'generated tree (git/git file-size and language mix; LEAKWARD_BENCH_GIT_REPO for the real one)', dir, rssTarget: 200, ...measureTree(dir) });
  }
  const realCode = [path.join(workDir, 'realcode'), path.join(workDir, 'precision')].find((d) => fs.existsSync(d));
  if (realCode) trees.push({ label: `real code (${path.relative(repoRoot, realCode)})`, dir: realCode, ...measureTree(realCode) });
  return trees;
}

function measureTree(dir: string): { files: number; bytes: number } {
  let files = 0, bytes = 0;
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) { files++; bytes += fs.statSync(p).size; }
    }
  };
  walk(dir);
  return { files, bytes };
}

/**
 * A tree shaped like git/git's (4,843 files, 49 MB): by bytes, a third translations (.po, ~290 KB each), a fifth C,
 * a fifth shell tests, a tenth AsciiDoc, headers, Perl/Tcl and extension-less files. Deterministic.
 */
function generatedGitLikeTree(): string {
  const VERSION = 1;
  const dir = path.join(workDir, `git-like-tree-v${VERSION}`);
  if (fs.existsSync(path.join(dir, '.leakward-bench'))) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  const rand = mulberry32(1234);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const WORDS = ['repository', 'commit', 'object', 'index', 'refs', 'branch', 'config', 'remote', 'packfile', 'tree',
    'blob', 'merge', 'rebase', 'status', 'options', 'strbuf', 'string', 'list', 'path', 'oid', 'hash', 'read', 'write',
    'token', 'key', 'password', 'credential', 'helper', 'the', 'a', 'is', 'to', 'of', 'and', 'if', 'not', 'with'];
  const ident = (): string => `${pick(WORDS)}_${pick(WORDS)}`;
  const hex = (n: number): string => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rand() * 16)]).join('');
  const sentence = (): string => Array.from({ length: 6 + Math.floor(rand() * 12) }, () => pick(WORDS)).join(' ');
  const lines: Record<string, () => string> = {
    c: () => pick([
      () => `\tif (${ident()}(${ident()}, &${ident()}) < 0)`,
      () => `\t\treturn error(_("could not ${sentence()} '%s'"), ${ident()});`,
      () => `static int ${ident()}(struct ${ident()} *${pick(WORDS)}, const char *${pick(WORDS)})`,
      () => `\tstrbuf_addf(&${ident()}, "%s/%s", ${ident()}, ${ident()});`,
      () => `/* ${sentence()} */`,
      () => `\toidcpy(&${ident()}, &${ident()}->oid); /* ${hex(40)} */`,
    ])(),
    sh: () => pick([
      () => `test_expect_success '${sentence()}' '`,
      () => `\tgit ${pick(WORDS)} --${pick(WORDS)} ${ident()} >actual &&`,
      () => `\ttest_cmp expect actual`,
      () => `\techo ${hex(40)} >expect &&`,
      () => `\tgit config ${pick(WORDS)}.${pick(WORDS)} "${sentence()}" &&`,
    ])(),
    adoc: () => pick([() => sentence() + '.', () => `--${pick(WORDS)}-${pick(WORDS)}::`, () => `\t${sentence()}`, () => ''])(),
    po: () => pick([
      () => `#: ${ident()}.c:${Math.floor(rand() * 3000)}`,
      () => `msgid "${sentence()}"`,
      () => `msgstr "${sentence()}"`,
      () => '',
    ])(),
    h: () => pick([() => `int ${ident()}(struct ${ident()} *, const char *);`, () => `#define ${ident().toUpperCase()} ${Math.floor(rand() * 4096)}`, () => `/* ${sentence()} */`])(),
    pl: () => pick([() => `my $${pick(WORDS)} = ${ident()}($${pick(WORDS)});`, () => `\tprint "${sentence()}\\n";`])(),
    none: () => pick([() => `${hex(40)} ${ident()}`, () => sentence()])(),
  };
  // [extension, file count, mean file size in bytes]
  const mix: [string, number, number][] = [['po', 57, 291_000], ['c', 641, 16_700], ['sh', 1300, 7_250], ['adoc', 946, 5_900],
    ['h', 344, 4_260], ['pl', 120, 7_000], ['none', 1435, 1_000]];
  for (const [ext, count, mean] of mix) {
    for (let i = 0; i < count; i++) {
      const sub = path.join(dir, ext === 'sh' ? 't' : ext === 'po' ? 'po' : ext === 'adoc' ? 'Documentation' : pick(['', 'builtin', 'compat', 'xdiff', 'refs']));
      fs.mkdirSync(sub, { recursive: true });
      const size = Math.floor(mean * (0.3 + rand() * 1.4));
      const out: string[] = [];
      let n = 0;
      while (n < size) { const l = lines[ext]!(); out.push(l); n += l.length + 1; }
      fs.writeFileSync(path.join(sub, `${ident()}-${i}${ext === 'none' ? '' : '.' + ext}`), out.join('\n') + '\n');
    }
  }
  fs.writeFileSync(path.join(dir, '.leakward-bench'), String(VERSION));
  return dir;
}

interface HistoryInput { readonly label: string; readonly repo: string; readonly range: string[]; readonly commits: number; readonly merges: number }

function historyInput(): HistoryInput {
  const gitRepo = process.env.LEAKWARD_BENCH_GIT_REPO;
  const count = (repo: string, range: string[], extra: string[] = []): number =>
    Number(spawnSync('git', ['rev-list', '--count', ...extra, ...range], { cwd: repo, encoding: 'utf8' }).stdout.trim());
  if (gitRepo) {
    const depth = Number(process.env.LEAKWARD_BENCH_HISTORY_DEPTH ?? 1500);
    const base = spawnSync('git', ['rev-list', '--first-parent', '--max-count=1', `--skip=${depth}`, 'HEAD'], { cwd: gitRepo, encoding: 'utf8' }).stdout.trim();
    const range = base ? [`${base}..HEAD`] : ['HEAD'];
    return { label: `git/git, last ${depth} first-parent commits`, repo: gitRepo, range, commits: count(gitRepo, range), merges: count(gitRepo, range, ['--merges']) };
  }
  const repo = path.join(workDir, 'history-repo');
  buildRepo(repo, 10_000);
  return { label: 'generated repository (LEAKWARD_BENCH_GIT_REPO for git/git)', repo, range: ['--all'], commits: count(repo, ['--all']), merges: count(repo, ['--all'], ['--merges']) };
}

/** A config file equal to the built-in one, so no repository config applies. */
function defaultConfigFile(): string {
  const file = path.join(workDir, 'speed-builtin.toml');
  fs.mkdirSync(workDir, { recursive: true });
  fs.writeFileSync(file, 'title = "built-in rules"\n\n[extend]\nuseDefault = true\n');
  return file;
}

function smallFile(): string {
  const dir = path.join(workDir, 'speed-small');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'add.ts');
  fs.writeFileSync(file, 'export function add(a: number, b: number): number {\n  return a + b;\n}\n');
  return file;
}

// ---------------------------------------------------------------------------------------------------
// Measurement

/** Runs the build's CLI in a child node that reports its own peak RSS (VmHWM: git children excluded) on fd 3. */
function cli(build: Build, args: string[], cwd: string, timeoutS: number): Promise<RunResult> {
  const wrapper = path.join(workDir, 'speed-rss-wrapper.mjs');
  fs.mkdirSync(workDir, { recursive: true });
  fs.writeFileSync(wrapper, `
    import { readFileSync, writeSync } from 'node:fs';
    import { pathToFileURL } from 'node:url';
    process.on('exit', () => { try { writeSync(3, /VmHWM:\\s*(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]); } catch {} });
    const [mainPath, ...args] = process.argv.slice(2);
    const { main } = await import(pathToFileURL(mainPath).href);
    process.exitCode = await main(args);`);
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(process.execPath, [wrapper, path.join(build.root, 'dist', 'src', 'cli', 'main.js'), ...args],
      { cwd, stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
    let rss = '';
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutS * 1000);
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (b: Buffer) => { rss += b.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ ms: performance.now() - t, rssMB: Number(rss) / 1024, code, timedOut });
    });
  });
}

async function alternate(builds: Build[], opts: Options, runOne: (b: Build) => Promise<RunResult>): Promise<Map<Build, RunResult[]>> {
  const res = new Map<Build, RunResult[]>(builds.map((b) => [b, []]));
  for (let i = 0; i < opts.runs; i++) {
    for (const b of i % 2 ? [...builds].reverse() : builds) res.get(b)!.push(await runOne(b));
  }
  return res;
}

function report(res: Map<Build, RunResult[]>, builds: Build[], t: { bytes?: number; rssTarget?: number; speedupTarget?: number; floorMs?: number; floorTarget?: number }): void {
  const med = new Map<Build, number>();
  for (const b of builds) {
    const runs = res.get(b)!;
    const done = runs.filter((r) => !r.timedOut && (r.code === 0 || r.code === 1));
    if (done.length === 0) {
      row(b.name, runs.some((r) => r.timedOut) ? 'timed out' : `failed (exit ${runs[0]?.code})`);
      continue;
    }
    const ms = median(done.map((r) => r.ms));
    med.set(b, ms);
    const rss = Math.max(...done.map((r) => r.rssMB));
    const parts = [fmtMs(ms)];
    if (t.bytes) parts.push(`${mbps(t.bytes, ms)} MB/s`);
    if (t.floorMs) parts.push(`${(ms / t.floorMs).toFixed(2)}× floor${b === builds[0] && t.floorTarget ? ` (target ≤ ${t.floorTarget}× ${ms / t.floorMs <= t.floorTarget ? 'ok' : 'MISSED'})` : ''}`);
    parts.push(`peak RSS ${rss.toFixed(0)} MB${b === builds[0] && t.rssTarget ? ` (≤ ${t.rssTarget} ${rss <= t.rssTarget ? 'ok' : 'MISSED'})` : ''}`);
    if (done.length < runs.length) parts.push(`${runs.length - done.length} runs failed or timed out`);
    row(b.name, parts.join('  '));
  }
  const [cur, prev] = builds;
  if (cur && prev && med.has(cur) && med.has(prev)) {
    const speedup = med.get(prev)! / med.get(cur)!;
    row('speed-up over the previous release', `${speedup.toFixed(2)}×${t.speedupTarget ? `  target ≥ ${t.speedupTarget}× ${speedup >= t.speedupTarget ? 'ok' : 'MISSED'}` : ''}`);
  }
}

async function repeat(n: number, f: () => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await f());
  return out;
}

function timeSpawn(cmd: string, args: string[], cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'ignore'] });
    child.on('error', reject);
    child.on('close', () => resolve(performance.now() - t));
  });
}

function timeShell(script: string, cwd: string): Promise<number> {
  return timeSpawn('sh', ['-c', script], cwd);
}

interface Options { runs: number; timeoutS: number; only: Set<string> }

function parseArgs(argv: string[]): Options {
  const o: Options = { runs: 3, timeoutS: 600, only: new Set(['scan', 'startup', 'history']) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--runs') o.runs = Math.max(1, Number(argv[++i]));
    else if (a === '--timeout') o.timeoutS = Math.max(1, Number(argv[++i]));
    else if (a === '--only') o.only = new Set(String(argv[++i]).split(','));
  }
  return o;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : NaN;
}
function row(label: string, value: string): void { console.log(`    ${label.padEnd(40)} ${value}`); }
function mbps(bytes: number, ms: number): string { return (bytes / 2 ** 20 / (ms / 1000)).toFixed(1); }
function fmtMs(ms: number): string { return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`; }

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await run(process.argv.slice(2));
