/**
 * History scan and pre-commit latency.
 *
 * Builds (once, with `git fast-import`) a deterministic repository under bench/.work/history-repo: thousands of
 * commits on a main line and side branches merged back (some with a conflict resolved by hand), a few planted
 * synthetic secrets. Then prints, in one run:
 *   floor      the same `git log -p` processes leakward spawns, alone, output drained and discarded (best of 3)
 *   leakward   `leakward history` wall time (best of 3, alternating with the floor), its peak RSS (≤ 1.2 × floor, ≤ 256 MB)
 *              and its own CPU time (all threads, git excluded: steadier than wall time on a shared machine)
 *   merges     the floor and leakward with `--diff-merges=remerge` and with `--cc`
 *   staged     `node bin/leakward.js staged` latency p50 over 15 runs for a commit of 10 changed files (≤ 150 ms)
 * `--repo PATH` measures an existing repository instead of the generated one (no staged figure then).
 * `--commits N` sets the generated repository's size (default 10000); `--jobs N` also times `history --jobs N`.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyLogArgs, historyParts } from '../src/sources/history.js';
import { GIT_CONFIG } from '../src/sources/git.js';
import { mulberry32 as prng } from '../test/support/prng.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = path.join(root, 'bench', '.work');
const bin = path.join(root, 'bin', 'leakward.js');


const WORDS = ['const', 'let', 'return', 'function', 'value', 'config', 'server', 'client', 'request', 'token_count',
  'user', 'name', 'id', 'list', 'map', 'if', 'else', 'for', 'await', 'async', 'import', 'export', 'default', 'type'];
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function fakeKey(rand: () => number): string {
  let s = 'AKIA';
  for (let i = 0; i < 16; i++) s += B32[Math.floor(rand() * 32)];
  return s;
}

/**
 * Builds the repository with one `git fast-import` stream; returns the number of planted secrets. `seed` gives
 * distinct repositories (the sweep bench builds twenty).
 */
export function buildRepo(dir: string, commits: number, seed = 42): number {
  const marker = path.join(dir, '.leakward-bench');
  const tag = seed === 42 ? String(commits) : `${commits}:${seed}`;
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === tag) return Number(fs.readFileSync(marker + '-planted', 'utf8'));
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  spawnSync('git', ['init', '-q', '-b', 'main', dir]);
  const rand = prng(seed);
  const line = (): string => {
    const n = 3 + Math.floor(rand() * 10);
    const w: string[] = [];
    for (let i = 0; i < n; i++) w.push(WORDS[Math.floor(rand() * WORDS.length)]!);
    return `${'  '.repeat(Math.floor(rand() * 3))}${w.join(' ')};`;
  };
  const FILES = 200;
  const files: string[][] = Array.from({ length: FILES }, () => Array.from({ length: 40 + Math.floor(rand() * 80) }, line));
  const chunks: string[] = [];
  let bytes = 0;
  const emit = (s: string): void => { chunks.push(s); bytes += Buffer.byteLength(s); };
  const data = (s: string): void => emit(`data ${Buffer.byteLength(s)}\n${s}\n`);
  let mark = 0;
  let planted = 0;
  const t0 = 1_600_000_000;
  let mainTip = 0;
  let branchTip = 0;
  let branchNo = 0;
  let topicOpen = false;
  // Each line of development has its own file contents: main's, and the open topic's (a copy taken when the
  // topic starts). A merge takes the topic's version of every file the topic touched (a conflict when main
  // touched it too: resolved in favour of the topic), and every fourth merge adds a line of its own (evil).
  let topic: string[][] = [];
  const topicTouched = new Set<number>();
  const mainTouched = new Set<number>();
  const editFile = (state: string[][], f: number, secret: boolean): string => {
    const lines = state[f]!;
    const at = Math.floor(rand() * lines.length);
    const edits = 1 + Math.floor(rand() * 6);
    for (let k = 0; k < edits; k++) {
      if (rand() < 0.3 && lines.length > 10) lines.splice(Math.floor(rand() * lines.length), 1);
      else lines.splice(Math.min(lines.length, at + k), rand() < 0.5 ? 1 : 0, line());
    }
    if (secret) { lines.splice(at, 0, `aws_access_key_id = "${fakeKey(rand)}"`); planted++; }
    return lines.join('\n') + '\n';
  };
  const pathOf = (f: number): string => `src/mod${f % 20}/file${f}.ts`;
  for (let c = 1; c <= commits; c++) {
    if (!topicOpen && c % 50 === 7 && mainTip) {
      topicOpen = true; topic = files.map((l) => [...l]); topicTouched.clear(); mainTouched.clear(); branchTip = mainTip;
    }
    const onTopic = topicOpen && c % 2 === 0;
    const secret = c % 997 === 0;
    const m = ++mark;
    emit(`commit ${onTopic ? `refs/heads/topic-${branchNo}` : 'refs/heads/main'}\nmark :${m}\n`);
    const who = `Dev${c % 7} <dev${c % 7}@example.com> ${t0 + c * 60} +0000\n`;
    emit(`author ${who}committer ${who}`);
    data(`change ${c}`);
    const parent = onTopic ? branchTip : mainTip;
    if (parent) emit(`from :${parent}\n`);
    const nfiles = 1 + Math.floor(rand() * 4);
    for (let k = 0; k < nfiles; k++) {
      const f = Math.floor(rand() * FILES);
      (onTopic ? topicTouched : mainTouched).add(f);
      emit(`M 100644 inline ${pathOf(f)}\n`);
      data(editFile(onTopic ? topic : files, f, secret && k === 0));
    }
    if (onTopic) branchTip = m; else mainTip = m;
    if (topicOpen && c % 50 === 37) {
      const mm = ++mark;
      emit(`commit refs/heads/main\nmark :${mm}\nauthor ${who}committer ${who}`);
      data(`merge topic-${branchNo}`);
      emit(`from :${mainTip}\nmerge :${branchTip}\n`);
      for (const f of topicTouched) {
        files[f] = [...topic[f]!];
        emit(`M 100644 inline ${pathOf(f)}\n`);
        data(files[f]!.join('\n') + '\n');
      }
      if (branchNo % 4 === 0) {
        const f = Math.floor(rand() * FILES);
        emit(`M 100644 inline ${pathOf(f)}\n`);
        data(editFile(files, f, branchNo % 8 === 0));
      }
      mainTip = mm;
      topicOpen = false;
      branchNo++;
    }
  }
  const r = spawnSync('git', ['fast-import', '--quiet', '--force'], { cwd: dir, input: chunks.join(''), maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`git fast-import failed: ${r.stderr.toString()}`);
  spawnSync('git', ['reset', '-q', '--hard', 'main'], { cwd: dir });
  fs.writeFileSync(marker, tag);
  fs.writeFileSync(marker + '-planted', String(planted));
  void bytes;
  return planted;
}

/** Wall time of the same `git log -p` processes leakward runs (commits and merges side by side), stdout drained. */
async function floor(repo: string, merges: 'remerge' | 'cc'): Promise<{ ms: number; bytes: number }> {
  const t = performance.now();
  let bytes = 0;
  await Promise.all(historyParts({ merges }).map((part) => new Promise<void>((resolve, reject) => {
    const { args, stdin } = historyLogArgs({ merges }, part);
    const child = spawn('git', [...GIT_CONFIG, ...args], { cwd: repo, stdio: ['pipe', 'pipe', 'ignore'] });
    child.stdout.on('data', (b: Buffer) => { bytes += b.length; });
    child.on('error', reject);
    child.on('close', () => resolve());
    child.stdin.end(stdin);
  })));
  return { ms: performance.now() - t, bytes };
}

/** Runs the CLI in a child node that reports its own peak RSS (KiB) and CPU time (µs, all its threads) on fd 3 at exit. */
export function leakward(args: string[], cwd: string): Promise<{ ms: number; rssMB: number; cpuMs: number; code: number | null; findings: number }> {
  const wrapper = `
    import { readFileSync, writeSync } from 'node:fs';
    // VmHWM, not resourceUsage().maxRSS: Linux carries ru_maxrss across fork+exec, so a child spawned by a bench
    // process that is itself large would report the parent's peak.
    const peakKiB = () => { try { return Number(/VmHWM:\\s*(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]); } catch { return process.resourceUsage().maxRSS; } };
    process.on('exit', () => { try { const r = process.resourceUsage(); writeSync(3, peakKiB() + ' ' + (r.userCPUTime + r.systemCPUTime)); } catch {} });
    const { main } = await import(${JSON.stringify(path.join(root, 'dist', 'src', 'cli', 'main.js'))});
    process.exitCode = await main(process.argv.slice(2));`;
  // A file, not `-e`: worker threads inherit execArgv, and `--input-type` breaks their start-up.
  const wrapperFile = path.join(work, 'rss-wrapper.mjs');
  fs.mkdirSync(work, { recursive: true });
  fs.writeFileSync(wrapperFile, wrapper);
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(process.execPath, [wrapperFile, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    let out = '', rss = '';
    child.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr!.on('data', () => { /* progress is off (not a TTY); warnings ignored */ });
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (b: Buffer) => { rss += b.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      let findings = 0;
      try { findings = (JSON.parse(out) as unknown[]).length; } catch { findings = -1; }
      const [kib, cpu] = rss.split(' ');
      resolve({ ms: performance.now() - t, rssMB: Number(kib) / 1024, cpuMs: Number(cpu) / 1000, code, findings });
    });
  });
}

function stagedRepo(): string {
  const dir = path.join(work, 'staged-repo');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const git = (...a: string[]): void => { spawnSync('git', a, { cwd: dir }); };
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'bench@example.com');
  git('config', 'user.name', 'bench');
  const rand = prng(7);
  for (let i = 0; i < 10; i++) {
    fs.writeFileSync(path.join(dir, `file${i}.ts`), Array.from({ length: 60 }, (_, k) => `export const v${k} = ${Math.floor(rand() * 1e9)};`).join('\n') + '\n');
  }
  git('add', '.');
  git('commit', '-q', '-m', 'base');
  for (let i = 0; i < 10; i++) {
    fs.appendFileSync(path.join(dir, `file${i}.ts`), Array.from({ length: 20 }, (_, k) => `export const w${k} = 'value ${Math.floor(rand() * 1e9)}';`).join('\n') + '\n');
  }
  git('add', '.');
  return dir;
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };

export async function run(argv: string[]): Promise<void> {
  const repoArg = argv.indexOf('--repo');
  const commitsArg = argv.indexOf('--commits');
  const commits = commitsArg >= 0 ? Number(argv[commitsArg + 1]) : 10000;
  let repo: string;
  let planted = -1;
  if (repoArg >= 0) {
    repo = path.resolve(argv[repoArg + 1] ?? '.');
  } else {
    repo = path.join(work, 'history-repo');
    const t = performance.now();
    planted = buildRepo(repo, commits);
    console.log(`repo: ${commits} commits (+ merges), ${planted} planted keys, built in ${((performance.now() - t) / 1000).toFixed(1)} s (cached across runs)`);
  }
  console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} × ${os.availableParallelism()}, ${spawnSync('git', ['--version']).stdout.toString().trim()}`);

  // Warm-up: page cache, git's object access.
  await floor(repo, 'remerge');
  for (const merges of ['remerge', 'cc'] as const) {
    // Alternate floor and leakward three times and keep each one's best time (the machine may be shared: noise).
    const fs_: Awaited<ReturnType<typeof floor>>[] = [];
    const ls: Awaited<ReturnType<typeof leakward>>[] = [];
    for (let k = 0; k < 3; k++) {
      fs_.push(await floor(repo, merges));
      ls.push(await leakward(['history', '--repo', repo, '--format', 'json', '--merges', merges, '--no-progress'], root));
    }
    const fl = Math.min(...fs_.map((x) => x.ms));
    const l = ls.reduce((a, b) => (b.ms < a.ms ? b : a));
    const rssMB = Math.max(...ls.map((x) => x.rssMB));
    const cpu = Math.min(...ls.map((x) => x.cpuMs));
    console.log(`${merges.padEnd(7)} floor (git log -p alone): ${fl.toFixed(0)} ms, ${(fs_[0]!.bytes / 1048576).toFixed(1)} MB` +
      ` | leakward history: ${l.ms.toFixed(0)} ms, ratio ${(l.ms / fl).toFixed(2)} (target ≤ 1.2), RSS peak ${rssMB.toFixed(0)} MB (target ≤ 256)` +
      `, ${l.findings} findings, exit ${l.code}`);
    // leakward's own CPU (its git children not included): steadier than wall time on a shared machine, and what it
    // takes from git on a 2-core one.
    console.log(`${''.padEnd(7)} leakward CPU ${cpu.toFixed(0)} ms (best of ${ls.length}; all its threads, git not included)`);
  }

  const jobsArg = argv.indexOf('--jobs');
  if (jobsArg >= 0) {
    const jobs = argv[jobsArg + 1] ?? '2';
    const f = await floor(repo, 'cc');
    const l = await leakward(['history', '--repo', repo, '--format', 'json', '--jobs', jobs, '--no-progress'], root);
    console.log(`cc --jobs ${jobs}: floor (one git log per part) ${f.ms.toFixed(0)} ms | leakward history ${l.ms.toFixed(0)} ms, ratio ${(l.ms / f.ms).toFixed(2)}, RSS peak ${l.rssMB.toFixed(0)} MB, ${l.findings} findings`);
  }

  if (repoArg < 0) {
    const dir = stagedRepo();
    const times: number[] = [];
    let code: number | null = null;
    for (let i = 0; i < 16; i++) {
      const t = performance.now();
      const r = spawnSync(process.execPath, [bin, 'staged'], { cwd: dir });
      if (i > 0) times.push(performance.now() - t); // the first run warms the disk cache
      code = r.status;
    }
    const nodeAlone: number[] = [];
    for (let i = 0; i < 5; i++) { const t = performance.now(); spawnSync(process.execPath, ['-e', '0']); nodeAlone.push(performance.now() - t); }
    console.log(`staged hook, 10 changed files: p50 ${median(times).toFixed(0)} ms over ${times.length} runs (target ≤ 150; node start-up alone ${median(nodeAlone).toFixed(0)} ms), exit ${code}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await run(process.argv.slice(2));
}
