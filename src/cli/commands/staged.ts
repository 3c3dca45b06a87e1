import { UsageError, type CliIO } from '../io.js';

const help = `usage: leakward staged [options]

Scans what is staged for commit (the index, not the working tree): the pre-commit hook.
Exit 0: clean; 1 (or --exit-code): findings, commit blocked; 2: error, commit blocked (fail closed).
`;

const advice = `
leakward: commit blocked: the staged changes above contain secrets.
  - remove the secret from the file, then 'git add' it again (rotate the secret if it was real);
  - a false positive: add a 'leakward:allow' comment on that line, or record it in the baseline with
    'leakward scan --write-baseline .leakward-baseline.json' and commit the baseline;
  - to bypass this check once: git commit --no-verify
`;

export async function run(args: string[], io: CliIO): Promise<number> {
  // Fail closed: anything that goes wrong after this point blocks the commit with a clear message (exit 2).
  let stage = 'starting';
  try {
    // The arguments first (a light module), then git; the scanner's module graph loads while git runs.
    const { parseCommandArgs, reportFlags, reportHelp } = await import('../args.js');
    const { values, positionals } = parseCommandArgs(args, { repo: { type: 'string' } });
    if (values['help']) { io.stdout.write(help + '\n' + reportHelp); return 0; }
    if (positionals.length > 0) throw new UsageError('staged takes no arguments (it scans the index)');
    const flags = reportFlags(values);
    stage = 'reading the index';
    const path = await import('node:path');
    const cwd = typeof values['repo'] === 'string' ? path.resolve(io.cwd, values['repo']) : io.cwd;
    // Straight to the module, not through src/index.ts (STYLE layout rule bent on purpose): a hook pays Node's
    // start-up on every commit, so commands load only what they use, lazily.
    const { gitOutput, GitError } = await import('../../sources/git.js');
    const asked = gitOutput(cwd, ['rev-parse', '--show-toplevel', '--git-path', 'MERGE_HEAD']);
    asked.catch(() => { /* awaited below */ });
    const common = import('../common.js');
    common.catch(() => { /* awaited below */ });
    const { startStaged } = await import('../../sources/staged.js');
    let root: string;
    let mergeHeadFile: string;
    try {
      const [top, mergeHead] = (await asked).split('\n');
      root = top!;
      mergeHeadFile = path.resolve(cwd, mergeHead!);
    } catch (err) {
      throw new UsageError(err instanceof GitError ? `not inside a git work tree (${err.message})` : (err as Error).message);
    }
    // git diff runs while the rules load and compile.
    const started = startStaged({ repo: root, mergeHeadFile });
    const { runFindingsCommand } = await common;
    let gitFailure: Error | undefined;
    const fragments = (async function* () {
      try { yield* started; } catch (err) { gitFailure = err as Error; }
    })();
    stage = 'scanning';
    let code: number;
    try {
      code = await runFindingsCommand({
        io, root, fragments, adviceOnFindings: advice,
        // A commit is small: scan in-process (no worker start-up) unless told otherwise.
        flags: { ...flags, threads: flags.threads ?? 1 },
      });
    } finally {
      started.kill();
    }
    if (gitFailure) throw gitFailure;
    return code;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    io.stderr.write(`leakward staged: ${stage} failed: ${(err as Error).message}\n` +
      `leakward: commit blocked because the scan could not finish (bypass once: git commit --no-verify)\n`);
    return 2;
  }
}
