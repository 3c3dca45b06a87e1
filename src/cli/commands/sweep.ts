import fs from 'node:fs';
import path from 'node:path';
import type { WriteStream } from 'node:tty';
import { UsageError, type CliIO } from '../io.js';

const help = `usage: leakward sweep [REPO...] [--repos FILE] [options]
       leakward sweep merge A.db B.db ... -o ALL.db
       leakward sweep --queue redis://HOST:PORT enqueue|collect|status ...   (many machines: see --queue URL --help)

Scans every commit reachable from the branches and tags of many repositories into a datastore (SQLite), each
commit once whichever repository reaches it; later sweeps scan only new commits (and, when the rules changed,
only the new or changed rules over old ones). Read the results with 'leakward report', triage them with
'leakward triage'.

REPO is a clone URL (https://, ssh://, git@host:owner/name, file://), mirrored into the cache, or a local work
tree or bare repository, used in place. (A local folder called 'merge' is given as ./merge.)

options:
      --repos FILE        repositories, one a line (blank lines and # comments skipped)
      --db FILE           the datastore (default: leakward-sweep.db)
      --cache DIR         where URLs are mirrored (default: .leakward-cache)
      --refs GLOB         also sweep refs matching GLOB (repeatable; e.g. 'refs/notes/*'; GitHub's refs/pull/*
                          are left out unless a glob names them)
      --jobs N            repositories swept in parallel (default: half the cores, at least 1)
      --shard I/N         sweep only the I-th of N deterministic shares of the repositories (1 ≤ I ≤ N)
      --batch-size N      commits recorded per transaction (default 2000): what an interruption can cost
  -c, --config FILE       rules (default: the built-in pack)
      --max-decode-depth N
      --no-progress       one plain line per repository even on a terminal
      --verify            check the findings reachable in the swept repositories with their providers, read-only
                          (verified / invalid / unknown, kept in the datastore; see 'leakward scan --help')
      --verify-databases  also connect to the Postgres/MySQL servers named in URIs (implies --verify)
      --verify-timeout SEC  give up on checks still running after SEC seconds per repository (default 120)
  -h, --help

exit: 0 no open finding in the swept repositories, 1 open findings (status new or confirmed), 2 a repository
failed or bad input, 130 interrupted (run again to resume: finished work is kept)
`;

export async function run(args: string[], io: CliIO): Promise<number> {
  if (args[0] === 'merge') return runMerge(args.slice(1), io);
  if (args.some((a) => a === '--queue' || a.startsWith('--queue='))) return (await import('./sweep-queue.js')).runQueue(args, io);
  const { parseArgs } = await import('node:util');
  let parsed;
  try {
    parsed = parseArgs({
      args, allowPositionals: true, strict: true, options: {
        repos: { type: 'string' }, db: { type: 'string' }, cache: { type: 'string' }, refs: { type: 'string', multiple: true },
        jobs: { type: 'string' }, shard: { type: 'string' }, 'batch-size': { type: 'string' }, config: { type: 'string', short: 'c' },
        'max-decode-depth': { type: 'string' }, 'no-progress': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
        verify: { type: 'boolean' }, 'verify-databases': { type: 'boolean' }, 'verify-timeout': { type: 'string' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) { io.stdout.write(help); return 0; }
  const sw = await import('../../sweep/index.js');
  let repos = await readRepoList(positionals, values.repos, io, 'no repositories');
  if (values.shard) {
    let shard;
    try { shard = sw.parseShard(values.shard); } catch (err) { throw new UsageError((err as Error).message); }
    repos = repos.filter((r) => sw.shardOf(r.url, shard.count) === shard.index);
  }
  let jobs = sw.defaultJobs();
  if (values.jobs !== undefined) {
    jobs = Number(values.jobs);
    if (!Number.isInteger(jobs) || jobs < 1 || jobs > 256) throw new UsageError('--jobs takes a whole number from 1 to 256');
  }
  let batchSize: number | undefined;
  if (values['batch-size'] !== undefined) {
    batchSize = Number(values['batch-size']);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1_000_000) throw new UsageError('--batch-size takes a whole number from 1 to 1000000');
  }
  let depth: number | undefined;
  if (values['max-decode-depth'] !== undefined) {
    depth = Number(values['max-decode-depth']);
    if (!Number.isInteger(depth) || depth < 0 || depth > 8) throw new UsageError('--max-decode-depth takes a whole number from 0 to 8');
  }
  const { verifyFlags } = await import('../args.js');
  const verify = verifyFlags(values);
  if (verify) {
    const { checkEndpointOverrides } = await import('../../verify/verify.js');
    try { checkEndpointOverrides(io.env); } catch (err) { throw new UsageError((err as Error).message); }
  }
  const { loadConfig, ConfigError } = await import('../../core/config.js');
  let config;
  try {
    config = await loadConfig({ root: io.cwd, env: io.env, ...(values.config ? { configPath: values.config } : {}) });
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  const { openStore, StoreError } = await import('../../store/index.js');
  const dbFile = path.resolve(io.cwd, values.db ?? 'leakward-sweep.db');
  let store;
  try { store = openStore(dbFile); } catch (err) { if (err instanceof StoreError) throw new UsageError(err.message); throw err; }

  const tty = (io.stderr as Partial<WriteStream>).isTTY === true && values['no-progress'] !== true;
  const progress = new SweepProgress(io.stderr, repos.length, tty);
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) return;
    progress.note('interrupted: finishing the datastore writes; run the same command again to resume');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  let summary;
  try {
    summary = await sw.sweep({
      repos, ledger: store, config, cache: path.resolve(io.cwd, values.cache ?? '.leakward-cache'), jobs,
      ...(values.refs ? { refs: values.refs } : {}), ...(depth !== undefined ? { maxDecodeDepth: depth } : {}),
      ...(batchSize !== undefined ? { batchSize } : {}),
      signal: controller.signal,
      onRepoStart: (loc) => progress.start(loc.source),
      onRepoDone: (snap, added) => progress.done(snap, added),
      onCommits: (n) => progress.commits(n),
      ...(verify ? {
        verify: { ledger: store, databases: verify.databases, http: { env: io.env }, ...(verify.timeoutMs !== undefined ? { timeoutMs: verify.timeoutMs } : {}) },
      } : {}),
    });
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    progress.stop();
  }
  const open = openFindings(store, new Set(repos.map((r) => r.url)));
  store.close();
  const s = summary;
  io.stderr.write(`leakward sweep: ${s.repos} repositories (${s.failed} failed), ${s.commits} commits reachable, ${s.scannedCommits} scanned now ` +
    `(${(s.bytes / 1048576).toFixed(1)} MB of diffs), ${s.newOccurrences} new occurrences, ${open} open findings, ` +
    `${(s.durationMs / 1000).toFixed(1)} s; rule set ${s.ruleSetId}; datastore ${path.relative(io.cwd, dbFile) || dbFile}\n`);
  if (s.verification) {
    const v = s.verification;
    io.stderr.write(`leakward sweep: verification: ${v.verified} verified, ${v.invalid} invalid, ${v.unknown} unknown\n`);
  }
  if (s.interrupted) return 130;
  if (s.failed > 0) return 2;
  return open > 0 ? 1 : 0;
}

/** Findings reachable in these repositories whose status is new or confirmed. */
function openFindings(store: import('../../store/index.js').SweepStore, urls: Set<string>): number {
  let n = 0;
  for (const f of store.findings()) {
    if ((f.status === 'new' || f.status === 'confirmed') && f.repos.some((r) => urls.has(r.url))) n++;
  }
  return n;
}

async function runMerge(args: string[], io: CliIO): Promise<number> {
  const { parseArgs } = await import('node:util');
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, strict: true, options: { output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (parsed.values.help) { io.stdout.write('usage: leakward sweep merge A.db B.db ... -o ALL.db\n\nUnions shard datastores (idempotent).\n'); return 0; }
  if (!parsed.values.output) throw new UsageError('merge needs -o ALL.db');
  if (parsed.positionals.length === 0) throw new UsageError('merge needs at least one datastore to merge');
  const { openStore, StoreError } = await import('../../store/index.js');
  const out = path.resolve(io.cwd, parsed.values.output);
  try {
    const store = openStore(out);
    try {
      for (const p of parsed.positionals) {
        const f = path.resolve(io.cwd, p);
        if (f === out) continue;
        store.merge(f);
      }
    } finally {
      store.close();
    }
  } catch (err) {
    if (err instanceof StoreError) throw new UsageError(err.message);
    throw err;
  }
  io.stderr.write(`leakward sweep merge: merged ${parsed.positionals.length} datastore(s) into ${parsed.values.output}\n`);
  return 0;
}

/** Progress: a status line on a terminal (repositories done/total, commits/s, ETA, errors), plain lines otherwise. */
class SweepProgress {
  private doneRepos = 0;
  private errors = 0;
  private commitCount = 0;
  private readonly started = Date.now();
  private readonly timer: NodeJS.Timeout | undefined;
  constructor(private readonly out: NodeJS.WritableStream, private readonly total: number, private readonly tty: boolean) {
    if (tty) { this.timer = setInterval(() => this.draw(), 250); this.timer.unref(); }
  }
  start(_source: string): void { /* the status line shows counts only */ }
  commits(n: number): void { this.commitCount += n; }
  note(text: string): void { this.clear(); this.out.write(`leakward sweep: ${text}\n`); }
  done(snap: import('../../store/index.js').RepoSnapshot, added: number): void {
    this.doneRepos++;
    if (snap.error) this.errors++;
    const line = snap.error
      ? `FAILED ${snap.source}: ${snap.error}`
      : `${snap.source}: ${snap.commits} commits, ${snap.scannedCommits} scanned, ${added} new occurrences, ${(snap.durationMs / 1000).toFixed(1)} s`;
    this.clear();
    this.out.write(`[${this.doneRepos}/${this.total}] ${line}\n`);
  }
  private clear(): void { if (this.tty) this.out.write('\r\x1b[K'); }
  private draw(): void {
    const secs = (Date.now() - this.started) / 1000;
    const rate = secs > 0 ? this.commitCount / secs : 0;
    const perRepo = this.doneRepos > 0 ? secs / this.doneRepos : 0;
    const eta = this.doneRepos > 0 ? `  ETA ${fmt((this.total - this.doneRepos) * perRepo)}` : '';
    const cols = (this.out as Partial<WriteStream>).columns || 80;
    const line = `leakward sweep: ${this.doneRepos}/${this.total} repositories  ${this.commitCount} commits  ${rate.toFixed(0)} commits/s${eta}  ${this.errors} errors`;
    this.out.write(`\r${line.slice(0, cols - 1)}\x1b[K`);
  }
  stop(): void { if (this.timer) { clearInterval(this.timer); this.clear(); } }
}

const fmt = (s: number): string => (s < 60 ? `${s.toFixed(0)}s` : `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`);

/**
 * The repositories of a sweep (REPO arguments, then `--repos FILE` lines relative to the file), each once; bad
 * input is a UsageError naming the argument or the file and line. Shared by the local and the queued sweep.
 */
export async function readRepoList(args: readonly string[], reposFile: string | undefined, io: CliIO, none: string):
  Promise<import('../../sweep/index.js').RepoLocation[]> {
  const sw = await import('../../sweep/index.js');
  const repos: import('../../sweep/index.js').RepoLocation[] = [];
  try {
    for (const p of args) repos.push(sw.parseRepo(p, io.cwd));
    if (reposFile) {
      const file = path.resolve(io.cwd, reposFile);
      let text: string;
      try { text = fs.readFileSync(file, 'utf8'); } catch (err) { throw new Error(`${reposFile}: cannot read: ${(err as NodeJS.ErrnoException).code ?? err}`); }
      repos.push(...sw.parseReposFile(text, reposFile, path.dirname(file)));
    }
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (repos.length === 0) throw new UsageError(`${none}: give REPO arguments or --repos FILE`);
  const seen = new Set<string>();
  return repos.filter((r) => (seen.has(r.url) ? false : (seen.add(r.url), true)));
}
