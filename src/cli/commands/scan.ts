import { statSync } from 'node:fs';
import path from 'node:path';
import { filesSource } from '../../sources/files.js';
import { stdinSource } from '../../sources/stdin.js';
import { readLocationText } from '../../sources/location.js';
import { parseCommandArgs, positiveDecimalFlag, skipLog, reportFlags, reportHelp, runFindingsCommand, verifyFlags, verifyHelp, verifyOptions } from '../common.js';
import { UsageError, type CliIO } from '../io.js';
import { scanBase } from '../base.js';

const help = `usage: leakward scan [options] [PATH...]

Scans files and folders (default: .) or - for stdin. In a git work tree the file list comes from git,
so .gitignore is honoured. Exit codes: 0 clean, 1 findings (--exit-code), 2 usage or configuration error.

scan options:
      --no-git              walk the folders instead of asking git for the file list
      --include-dependencies
                            walk into dependency folders too (node_modules, virtualenvs, vendor/bundle, ...;
                            skipped by default when walking outside git; a folder named as PATH is always scanned)
      --include GLOB        scan only paths matching GLOB (repeatable)
      --exclude GLOB        skip paths matching GLOB (repeatable)
      --max-file-size MB    skip larger files (default 100)
      --follow-symlinks     follow symbolic links (skipped by default)
${reportHelp}
${verifyHelp}`;

export async function run(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    'no-git': { type: 'boolean' },
    'include-dependencies': { type: 'boolean' },
    include: { type: 'string', multiple: true },
    exclude: { type: 'string', multiple: true },
    'max-file-size': { type: 'string' },
    'follow-symlinks': { type: 'boolean' },
    ...verifyOptions,
  });
  if (values['help']) {
    io.stdout.write(help);
    return 0;
  }
  const flags = reportFlags(values);
  const verify = verifyFlags(values);
  const maxMb = positiveDecimalFlag('max-file-size', values['max-file-size'] as string | undefined, 'a number of megabytes') ?? 100;
  const maxFileSize = Math.round(maxMb * 1024 * 1024);

  const paths = positionals.length ? positionals : ['.'];
  if (paths.includes('-')) {
    if (paths.length > 1) throw new UsageError("'-' (stdin) cannot be combined with other paths");
    return runFindingsCommand({ io, root: await scanBase(io.cwd, []), flags, fragments: stdinSource(io.stdin).fragments(), ...(verify ? { verify } : {}) });
  }
  for (const p of paths) {
    try {
      statSync(path.resolve(io.cwd, p));
    } catch {
      throw new UsageError(`no such file or directory: ${p}`);
    }
  }
  // The scan base (config discovery, baseline, .gitleaksignore, report paths): see cli/base.ts.
  const root = await scanBase(io.cwd, paths.map((p) => path.resolve(io.cwd, p)));
  // One log for the walk's skips (links, unreadable folders) and the scanner's (binary, too large, unreadable).
  const skips = skipLog(io, flags.verbose);
  const source = filesSource({
    root,
    onSkip: skips.onSkip,
    paths: paths.map((p) => path.resolve(io.cwd, p)),
    useGit: values['no-git'] !== true,
    followSymlinks: values['follow-symlinks'] === true,
    includeDependencies: values['include-dependencies'] === true,
    maxFileSize,
    ...(values['include'] ? { include: values['include'] as string[] } : {}),
    ...(values['exclude'] ? { exclude: values['exclude'] as string[] } : {}),
  });
  return runFindingsCommand({
    io, root, flags, fragments: source.fragments(), maxFileSize, skips,
    ...(verify ? { verify, readText: (f) => readLocationText(root, { file: f.file }) } : {}),
  });
}
