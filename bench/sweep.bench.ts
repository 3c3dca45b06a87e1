/**
 * Sweep costs, each figure beside its floor from the same run:
 *   first      `leakward sweep R` into a fresh datastore vs `leakward history` on R (target ≤ 1.2×), peak RSS
 *   fork       sweeping a fork of R (R + 5 commits on a branch) after R vs the first sweep (target ≤ 10%)
 *   new rule   re-sweeping R with one rule added vs the first sweep; the plan runs only that rule over old commits
 *   20 repos   an unchanged re-sweep of 20 distinct repositories vs their first sweep (target ≤ 5%), peak RSS
 * R is the history bench's generated repository (4,000 commits), or `--repo PATH` (a real one: mirrored first, its
 * refs/pull/* dropped so `history --all` and the sweep walk the same commits). `--repos N`, `--commits N` size the
 * twenty. Every leakward run is a child process (`leakward()` of the history bench: wall time, VmHWM).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildRepo, leakward } from './history.bench.js';
import { builtinConfig, loadConfigFile } from '../src/core/config.js';
import { openStore } from '../src/store/index.js';
import { parseRepo, planRepo, ruleSetOf, selectRefs } from '../src/sweep/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = path.join(root, 'bench', '.work', 'sweep');

const git = (cwd: string, ...args: string[]): string => {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
};

function mirrorOf(src: string, dest: string): string {
  fs.rmSync(dest, { recursive: true, force: true });
  git(path.dirname(dest), 'clone', '-q', '--mirror', src, dest);
  const pulls = git(dest, 'for-each-ref', '--format=delete %(refname)', 'refs/pull', 'refs/remotes');
  if (pulls) spawnSync('git', ['update-ref', '--stdin'], { cwd: dest, input: pulls + '\n' });
  return dest;
}

function forkOf(orig: string, dest: string): string {
  mirrorOf(orig, dest);
  const wt = `${dest}-wt`;
  fs.rmSync(wt, { recursive: true, force: true });
  git(path.dirname(wt), 'clone', '-q', dest, wt);
  for (let i = 0; i < 5; i++) {
    fs.writeFileSync(path.join(wt, `fork-${i}.txt`), `fork work ${i}\n`);
    git(wt, 'add', '.');
    git(wt, '-c', 'user.name=bench', '-c', 'user.email=bench@example.com', 'commit', '-q', '-m', `fork ${i}`);
  }
  git(wt, 'push', '-q', 'origin', 'HEAD:refs/heads/fork-feature');
  fs.rmSync(wt, { recursive: true, force: true });
  return dest;
}

const rm = (f: string): void => { for (const s of ['', '-wal', '-shm']) fs.rmSync(f + s, { force: true }); };
const ratio = (a: number, b: number): string => `${(a / b).toFixed(3)}×`;
const sec = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

export async function run(argv: string[]): Promise<void> {
  const opt = (name: string): string | undefined => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
  fs.mkdirSync(work, { recursive: true });
  let source = opt('--repo');
  if (!source) { source = path.join(work, 'gen'); buildRepo(source, 4000); }
  const orig = mirrorOf(path.resolve(source), path.join(work, 'orig.git'));
  const commits = Number(git(orig, 'rev-list', '--all', '--count'));
  console.log(`repository: ${opt('--repo') ?? 'generated'} (${commits} commits); load: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);

  // first sweep vs history, alternating, best of 2
  const db = path.join(work, 'a.db');
  let hist = Infinity, first = Infinity, histRss = 0, firstRss = 0;
  for (let i = 0; i < 2; i++) {
    const h = await leakward(['history', '--repo', orig, '--no-progress', '-f', 'json'], work);
    if (h.ms < hist) { hist = h.ms; histRss = h.rssMB; }
    rm(db);
    const s = await leakward(['sweep', orig, '--db', db, '--jobs', '1', '--no-progress'], work);
    if (s.code !== 0 && s.code !== 1) throw new Error(`sweep exited ${s.code}`);
    if (s.ms < first) { first = s.ms; firstRss = s.rssMB; }
  }
  console.log(`history (floor)     ${sec(hist)}  peak RSS ${histRss.toFixed(0)} MB`);
  console.log(`first sweep         ${sec(first)}  peak RSS ${firstRss.toFixed(0)} MB  ratio ${ratio(first, hist)} (target ≤ 1.2×; RSS ≤ 256 MB)`);

  // fork: both as URLs (file://), each mirrored into a fresh cache, so both pay their clone
  fs.mkdirSync(path.join(work, 'fork'), { recursive: true });
  const fork = forkOf(orig, path.join(work, 'fork', 'orig.git')); // a fork keeps the repository's name
  const cache = path.join(work, 'cache');
  fs.rmSync(cache, { recursive: true, force: true });
  rm(db);
  const o = await leakward(['sweep', `file://${orig}`, '--db', db, '--jobs', '1', '--no-progress', '--cache', cache], work);
  const f = await leakward(['sweep', `file://${fork}`, '--db', db, '--jobs', '1', '--no-progress', '--cache', cache], work);
  console.log(`original as URL     ${sec(o.ms)}  (clone --mirror + sweep)`);
  console.log(`fork as URL         ${sec(f.ms)}  ratio to original ${ratio(f.ms, o.ms)} (target ≤ 0.10×)`);

  // one rule added
  const cfg = path.join(work, 'extra-rule.toml');
  fs.writeFileSync(cfg, `[extend]\nuseDefault = true\n\n[[rules]]\nid = "bench-extra-token"\ndescription = "bench: one added rule"\nregex = '''benchtok_[0-9a-f]{32}'''\nkeywords = ["benchtok_"]\n`);
  const extra = loadConfigFile(cfg);
  const store = openStore(db);
  const ranRules = new Set<string>();
  let planned = 0;
  for await (const t of planRepo({ repo: parseRepo(`file://${orig}`, work).url, dir: orig, refs: await selectRefs(orig), ruleSet: ruleSetOf(extra), scanned: store })) {
    planned += t.commits.length + t.merges.length;
    for (const r of t.rules) ranRules.add(r);
  }
  store.close();
  const nr = await leakward(['sweep', `file://${orig}`, '--db', db, '--jobs', '1', '--no-progress', '--config', cfg, '--cache', cache], work);
  console.log(`one rule added      ${sec(nr.ms)}  ratio to original as URL ${ratio(nr.ms, o.ms)}; planned ${planned} commits with rules [${[...ranRules].join(', ')}] ` +
    `(of ${builtinConfig().rules.length + 1})`);

  // twenty repositories: first sweep, then unchanged re-sweep
  const n = Number(opt('--repos') ?? 20), size = Number(opt('--commits') ?? 800);
  const list: string[] = [];
  for (let i = 0; i < n; i++) { const d = path.join(work, `r${i}`); buildRepo(d, size, 100 + i); list.push(d); }
  fs.writeFileSync(path.join(work, 'repos.txt'), list.join('\n') + '\n');
  const db2 = path.join(work, 'b.db');
  rm(db2);
  const s1 = await leakward(['sweep', '--repos', 'repos.txt', '--db', db2, '--no-progress'], work);
  const s2 = await leakward(['sweep', '--repos', 'repos.txt', '--db', db2, '--no-progress'], work);
  console.log(`${n} repos first      ${sec(s1.ms)}  peak RSS ${s1.rssMB.toFixed(0)} MB (${n} × ${size} commits)`);
  console.log(`${n} repos unchanged  ${sec(s2.ms)}  peak RSS ${s2.rssMB.toFixed(0)} MB  ratio ${ratio(s2.ms, s1.ms)} (target ≤ 0.05×)`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await run(process.argv.slice(2));
}
