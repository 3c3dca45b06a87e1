import path from 'node:path';
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import type { WriteStream } from 'node:tty';
import { UsageError, type CliIO } from '../io.js';
import type { Config } from '../../index.js';

const help = `usage: leakward history [--repo DIR] [REVISION-RANGE...] [options]
       leakward history --pre-push          (in a pre-push hook: reads git's ref lines on stdin)

Scans every commit of a git history (default: every ref, --all). Each commit is scanned by its own diff,
so a secret is reported once, at the commit that added it (merges: only what the merge itself adds).

history options:
      --repo DIR          the repository (default: the current directory)
      --branch NAME       scan only what NAME reaches
      --since DATE        only commits more recent than DATE (git's --since)
      --max-commits N     at most N commits
      --log-opts "OPTS"   raw git log options, replacing the default selection (gitleaks compatible)
      --state FILE        incremental sweeps: skip commits scanned by the run that wrote FILE (everything
                          again when the rules changed); FILE is updated after a complete scan
      --pre-push          scan exactly the commits a push publishes (stdin: pre-push hook lines)
      --merges MODE       cc (default: combined diff), remerge (git ≥ 2.36) or none
      --jobs N            diff the commits with N git processes in parallel (default 1; helps on many cores)
      --no-progress       no progress bar (it is only ever drawn when stderr is a terminal)
`;

const prePushAdvice = `
leakward: push blocked: the commits above contain secrets.
  - rewrite them (git rebase -i / git commit --amend) so the secret is in no pushed commit, and rotate it;
  - a false positive: a 'leakward:allow' comment on the line, or 'leakward scan --write-baseline';
  - to bypass this check once: git push --no-verify
`;

interface StateFile { version: 1; rules: string; tips: string[] }

export async function run(args: string[], io: CliIO): Promise<number> {
  // The arguments first (a light module); the scanner's module graph loads while git already walks the history.
  const { parseCommandArgs, reportFlags, reportHelp, wholeNumberFlag, verifyFlags, verifyHelp, verifyOptions } = await import('../args.js');
  // gitleaks users write `--log-opts "--all --since=…"`: a value starting with a dash, which parseArgs refuses apart.
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--log-opts' && i + 1 < args.length) joined.push(`--log-opts=${args[++i]}`);
    else joined.push(args[i]!);
  }
  const { values, positionals } = parseCommandArgs(joined, {
    repo: { type: 'string' },
    branch: { type: 'string' },
    since: { type: 'string' },
    'max-commits': { type: 'string' },
    'log-opts': { type: 'string' },
    state: { type: 'string' },
    'pre-push': { type: 'boolean' },
    merges: { type: 'string' },
    jobs: { type: 'string' },
    'no-progress': { type: 'boolean' },
    ...verifyOptions,
  });
  if (values['help']) { io.stdout.write(help + '\n' + reportHelp + '\n' + verifyHelp); return 0; }
  const flags = reportFlags(values);
  const verify = verifyFlags(values);
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? values[k] as string : undefined);
  // Straight to the module, not through src/index.ts (STYLE layout rule bent on purpose): a hook pays Node's
  // start-up on every commit, so commands load only what they use, lazily.
  const src = await import('../../sources/history.js');
  const { GitError } = await import('../../sources/git.js');

  const merges = (str('merges') ?? 'cc') as 'remerge' | 'cc' | 'none';
  if (!['remerge', 'cc', 'none'].includes(merges)) throw new UsageError('--merges must be remerge, cc or none');
  const maxCommits = wholeNumberFlag('max-commits', str('max-commits'), 1, 999_999_999);
  const jobs = wholeNumberFlag('jobs', str('jobs'), 1, 64) ?? 1;
  const prePush = values['pre-push'] === true;
  if (prePush && verify) throw new UsageError('--pre-push runs in a hook, and hooks never call out: no --verify');
  if (prePush && (positionals.length > 2 || str('branch') || str('log-opts') || str('state'))) {
    // A pre-push hook passes the remote's name and URL: accepted, not used.
    throw new UsageError('--pre-push takes no revisions, --branch, --log-opts or --state');
  }
  for (const r of prePush ? [] : positionals) if (r.startsWith('-')) throw new UsageError(`not a revision: ${r}`);
  const branch = str('branch');
  if (branch?.startsWith('-')) throw new UsageError(`not a branch: ${branch}`);

  const dir = path.resolve(io.cwd, str('repo') ?? '.');
  if (!fs.existsSync(dir)) throw new UsageError(`no such directory: ${str('repo') ?? dir}`);
  const common = import('../common.js');
  common.catch(() => { /* awaited below */ });

  // The selection.
  const selection: { revisions?: string[]; exclude: string[]; branch?: string; since?: string; maxCommits?: number; logOpts?: string } = { exclude: [] };
  if (branch) selection.branch = branch;
  if (str('since')) selection.since = str('since')!;
  if (maxCommits !== undefined) selection.maxCommits = maxCommits;
  if (str('log-opts') !== undefined) selection.logOpts = str('log-opts')!;
  if (!prePush && positionals.length > 0) selection.revisions = positionals;
  const stateFile = str('state') ? path.resolve(io.cwd, str('state')!) : undefined;
  if (stateFile) {
    // The state records tips whose whole history was scanned; a later run skips everything they reach. A selection
    // that scans part of a history would make that run skip commits never scanned: refused.
    const partial = [maxCommits !== undefined && '--max-commits', str('since') !== undefined && '--since',
      str('log-opts') !== undefined && '--log-opts'].filter((x): x is string => typeof x === 'string');
    if (partial.length > 0) {
      throw new UsageError(`--state cannot be combined with ${partial.join(', ')}: the state records whole histories up ` +
        'to their tips, and this selection scans only part of one (run it without --state)');
    }
  }

  // Progress (stderr TTY only: nothing in CI logs).
  const tty = (io.stderr as Partial<WriteStream>).isTTY === true && values['no-progress'] !== true && !flags.verbose;
  const progress = tty ? new Progress(io.stderr as WriteStream) : undefined;
  const historyOptions = (repo: string): import('../../sources/history.js').HistoryOptions => {
    try {
      const opts = { repo, merges, jobs, ...selection, ...(progress ? { onCommit: () => progress.commit(), onBytes: (n: number) => progress.bytes(n) } : {}) };
      src.historyLogArgs(opts); // validates the selection before anything runs
      return opts;
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  };
  // Without --pre-push or --state the selection is known now: git log starts at once, in `dir` (git finds the
  // repository from any folder in it), while the repository is inspected and the rules load (the history bench:
  // git's walk is the floor, so every millisecond before it starts is added to the wall time).
  const started: ReturnType<typeof src.startHistory> | undefined = !prePush && !stateFile ? src.startHistory(historyOptions(dir)) : undefined;
  let info;
  try {
    info = await src.inspectRepo(dir);
  } catch (err) {
    started?.kill();
    throw new UsageError(err instanceof GitError ? err.message : `cannot run git: ${(err as Error).message}`);
  }
  if (info.empty) {
    started?.kill();
    io.stderr.write(`leakward history: ${info.root} has no commits yet; nothing to scan\n`);
    return 0;
  }
  if (info.shallow) {
    io.stderr.write(`leakward history: warning: shallow clone: only the fetched history is scanned, and its oldest commits ` +
      `show every file they contain as added (git fetch --unshallow for the full history)\n`);
  }
  if (info.partialClone) {
    io.stderr.write(`leakward history: warning: partial clone: blobs that were not fetched cannot be scanned\n`);
  }
  const repo = info.root;
  const { runFindingsCommand, loadCommandConfig } = await common.catch((err: unknown) => { started?.kill(); throw err; });

  if (prePush) {
    // The pre-commit framework consumes git's stdin itself and passes the range in its environment.
    const to = io.env['PRE_COMMIT_TO_REF'];
    const from = io.env['PRE_COMMIT_FROM_REF'];
    let input: string;
    if (to) {
      const resolve = async (ref: string | undefined): Promise<string> =>
        ref ? (await src.existingCommits(repo, [ref]))[0] ?? (await import('../../sources/git.js')).gitTry(repo, ['rev-parse', '--verify', '-q', `${ref}^{commit}`]).then((s) => s ?? '') : '';
      const toSha = await resolve(to);
      const fromSha = (await resolve(from)) || '0'.repeat(40);
      if (!toSha) throw new UsageError(`PRE_COMMIT_TO_REF does not name a commit: ${to}`);
      input = `ref ${toSha} ref ${fromSha}\n`;
    } else if ((io.stdin as { isTTY?: boolean }).isTTY) {
      throw new UsageError('--pre-push reads the pushed refs on stdin, as git passes them to a pre-push hook');
    } else {
      input = await readAll(io.stdin);
    }
    if (input.trim() === '') {
      io.stderr.write('leakward history --pre-push: no refs on stdin; nothing to scan\n');
      return 0;
    }
    let push;
    try {
      push = src.parsePrePush(input);
    } catch (err) {
      throw new UsageError(`${(err as Error).message}; push blocked (bypass once: git push --no-verify)`);
    }
    if (push.include.length === 0) return 0; // only deletions
    const known = await src.existingCommits(repo, push.exclude);
    selection.revisions = push.include;
    selection.exclude.push(...known);
    // A new branch, or a remote tip we never fetched (force push): exclude what the remotes have.
    if (push.newRef || known.length < push.exclude.length) selection.exclude.push(...await src.remoteTips(repo));
  }

  // Incremental state: needs the rules first. Without it, git starts before the rules are loaded and compiled.
  let config: Config | undefined;
  let rulesHash = '';
  if (stateFile) {
    config = await loadCommandConfig(io, repo, flags);
    rulesHash = createHash('sha256').update(JSON.stringify({
      rules: config.rules, allowlists: config.allowlists, enable: flags.enableRules ?? null,
      depth: flags.maxDecodeDepth ?? null, merges,
    })).digest('hex').slice(0, 32);
  }
  let oldTips: string[] = [];
  if (stateFile && fs.existsSync(stateFile)) {
    let state: StateFile | undefined;
    try {
      state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as StateFile;
      if (state.version !== 1 || !Array.isArray(state.tips)) state = undefined;
    } catch { state = undefined; }
    if (!state) {
      io.stderr.write(`leakward history: warning: ${str('state')} is not a leakward state file; scanning everything\n`);
    } else if (state.rules !== rulesHash) {
      io.stderr.write(`leakward history: the rules changed since ${str('state')} was written; scanning everything again\n`);
    } else {
      oldTips = await src.existingCommits(repo, state.tips.filter((t) => /^[0-9a-f]{40,64}$/.test(t)));
      selection.exclude.push(...oldTips);
    }
  }
  let tipsNow: string[] = [];
  if (stateFile) {
    const revs = selection.branch ? [selection.branch] : selection.revisions ?? [];
    if (revs.length > 0) {
      // a range (a..b, ^a, a^!, a...b) leaves out history below its tips: the state could not say what was scanned
      const { gitRun } = await import('../../sources/git.js');
      const parsed = await gitRun(repo, ['rev-parse', '--revs-only', ...revs, '--']);
      if (parsed.stdout.split('\n').some((l) => l.startsWith('^'))) {
        throw new UsageError('--state cannot be combined with a range that excludes commits (a..b, ^rev, rev^!): the ' +
          'state records whole histories up to their tips (give the tips alone, or run the range without --state)');
      }
    }
    try {
      tipsNow = await src.resolveTips(repo, selection);
    } catch (err) {
      throw new UsageError(err instanceof GitError ? err.message : (err as Error).message);
    }
  }

  if (progress) {
    void countCommits(repo, selection, merges).then((n) => { if (n !== undefined) progress.total = n; });
  }

  let gitFailure: Error | undefined;
  let read = 0; // fragments git gave before it failed: none means nothing was scanned
  const running = started ?? src.startHistory(historyOptions(repo));
  const fragments = (async function* () {
    try {
      for await (const f of running) { read++; yield f; }
    } catch (err) { gitFailure = err as Error; }
  })();
  const gitMessage = (): string => (gitFailure instanceof GitError ? gitFailure.message : String(gitFailure?.message));
  const failure = (): { message: string; scanned: boolean } | undefined => gitFailure
    ? { message: `git log failed (${gitMessage()}): commits after the failure were not scanned`, scanned: read > 0 }
    : undefined;
  let code: number;
  try {
    config ??= await loadCommandConfig(io, repo, flags);
    // git itself keeps a core busy: scan on the others (in-process on a 2-core machine, where a worker thread
    // only fought git and the parser for CPU: 2.15 s vs 1.61 s on the bench repository).
    const os = await import('node:os');
    const threads = flags.threads ?? Math.max(1, os.availableParallelism() - 1);
    const readText = verify
      ? async (f: import('../../core/types.js').Finding): Promise<string | undefined> =>
        (await import('../../sources/location.js')).readLocationText(repo, { file: f.file, ...(f.commit ? { commit: f.commit.sha } : {}) })
      : undefined;
    code = await runFindingsCommand({
      io, root: repo, flags: { ...flags, threads }, config, fragments, failure,
      ...(progress ? { onScanned: () => progress.stop() } : {}),
      ...(prePush ? { adviceOnFindings: prePushAdvice } : {}), ...(verify ? { verify, readText: readText! } : {}),
    });
  } finally {
    running.kill(); // no-op when git is done; stops it when the scan ended early (bad config, bad baseline)
    progress?.stop();
  }
  if (gitFailure) {
    const what = read > 0 ? 'the scan is incomplete' : 'nothing was scanned (no report written)';
    io.stderr.write(`leakward history: git log failed: ${gitMessage()}\nleakward history: ${what}${prePush ? '; push blocked (bypass once: git push --no-verify)' : ''}\n`);
    return 2;
  }
  if (stateFile && flags.writeBaseline === undefined) {
    const tips = await independent(repo, [...new Set([...oldTips, ...tipsNow])]);
    const state: StateFile = { version: 1, rules: rulesHash, tips };
    fs.writeFileSync(stateFile, JSON.stringify(state, null, 1) + '\n');
  }
  return code;
}

async function readAll(stream: AsyncIterable<Buffer | string>): Promise<string> {
  let s = '';
  for await (const c of stream) s += typeof c === 'string' ? c : c.toString('utf8');
  return s;
}

/** The tips none of the others reach (keeps the state file small); all of them when git cannot say. */
async function independent(repo: string, tips: string[]): Promise<string[]> {
  if (tips.length <= 1 || tips.length > 2000) return tips.sort();
  const { gitTry } = await import('../../sources/git.js');
  const out = await gitTry(repo, ['merge-base', '--independent', ...tips]);
  return (out ? out.split('\n').filter(Boolean) : tips).sort();
}

async function countCommits(repo: string, sel: { revisions?: string[]; exclude: string[]; branch?: string; since?: string; maxCommits?: number; logOpts?: string },
  merges: string): Promise<number | undefined> {
  if (sel.logOpts !== undefined) return undefined;
  const { gitTry } = await import('../../sources/git.js');
  const args = ['rev-list', '--count', '--full-history'];
  if (merges === 'none') args.push('--no-merges');
  if (sel.since) args.push(`--since=${sel.since}`);
  if (sel.maxCommits !== undefined) args.push(`--max-count=${sel.maxCommits}`);
  const revs = sel.branch ? [sel.branch] : sel.revisions ?? [];
  if (revs.length === 0) args.push('--all');
  args.push('--stdin', '--');
  const out = await gitTry(repo, args, [...revs, ...sel.exclude.map((s) => `^${s}`)].join('\n') + '\n');
  const n = out === undefined ? NaN : Number(out);
  return Number.isFinite(n) ? n : undefined;
}

/** One status line on a terminal: commits done/total, MB read, rate, ETA. */
class Progress {
  total: number | undefined;
  private done = 0;
  private mb = 0;
  private readonly started = Date.now();
  private readonly timer: NodeJS.Timeout;
  constructor(private readonly out: WriteStream) {
    this.timer = setInterval(() => this.draw(), 250);
    this.timer.unref();
  }
  commit(): void { this.done++; }
  bytes(n: number): void { this.mb += n / 1048576; }
  private draw(): void {
    const secs = (Date.now() - this.started) / 1000;
    const rate = secs > 0 ? this.done / secs : 0;
    const total = this.total !== undefined ? `/${this.total}` : '';
    const eta = this.total !== undefined && rate > 0 ? `  ETA ${fmtTime(Math.max(0, (this.total - this.done) / rate))}` : '';
    const line = `leakward: ${this.done}${total} commits  ${this.mb.toFixed(1)} MB  ${rate.toFixed(0)} commits/s${eta}`;
    this.out.write(`\r${line.slice(0, (this.out.columns || 80) - 1)}\x1b[K`);
  }
  private stopped = false;
  /** Clears the line: before the report, so findings never print over it. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    this.out.write('\r\x1b[K');
  }
}

const fmtTime = (s: number): string => (s < 60 ? `${s.toFixed(0)}s` : `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`);
