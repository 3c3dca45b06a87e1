import fs from 'node:fs';
import path from 'node:path';
import { UsageError, type CliIO } from '../io.js';

const help = `usage: leakward diff [FILE|-] [options]

Scans the added lines of a unified diff (git diff, git log -p, git format-patch, diff -u) from FILE or
stdin. Reported line numbers are those of the new file; commits are taken from 'git log' headers.
`;

export async function run(args: string[], io: CliIO): Promise<number> {
  const { parseCommandArgs, reportFlags, reportHelp, runFindingsCommand } = await import('../common.js');
  // Straight to the module, not through src/index.ts (STYLE layout rule bent on purpose): a hook pays Node's
  // start-up on every commit, so commands load only what they use, lazily.
  const { parseUnifiedDiff } = await import('../../sources/diff.js');
  const { values, positionals } = parseCommandArgs(args, {});
  if (values['help']) { io.stdout.write(help + '\n' + reportHelp); return 0; }
  if (positionals.length > 1) throw new UsageError('diff takes one FILE (or - for stdin)');
  const flags = reportFlags(values);
  const file = positionals[0] ?? '-';
  let input: AsyncIterable<Buffer>;
  if (file === '-') {
    input = io.stdin;
  } else {
    const abs = path.resolve(io.cwd, file);
    try {
      if (!fs.statSync(abs).isFile()) throw new UsageError(`not a file: ${file}`);
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    input = fs.createReadStream(abs);
  }
  const stats = { bytes: 0, files: 0, commits: 0 };
  // Empty input is normal (`git diff` with no change: a hook must not block `git commit --allow-empty`); input that
  // holds no diff at all (an error message piped in, the wrong file) must not read as clean.
  const failure = (): { message: string; scanned: boolean } | undefined =>
    stats.bytes > 0 && stats.files === 0 && stats.commits === 0
      ? { message: 'the input is not a unified diff (no file or commit header)', scanned: false }
      : undefined;
  const { scanBase } = await import('../base.js');
  const code = await runFindingsCommand({ io, root: await scanBase(io.cwd, []), flags, fragments: parseUnifiedDiff(input, { stats, commitMetadata: true }), failure });
  const failed = failure();
  if (failed) io.stderr.write(`leakward diff: ${failed.message}; nothing was scanned\n`);
  else if (stats.bytes === 0) io.stderr.write('leakward diff: empty input; nothing to scan\n');
  return code;
}
