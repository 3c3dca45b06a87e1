import { processIO, UsageError, type CliIO, type Command } from './io.js';

/** Subcommands load lazily so `leakward staged` never pays for the masker and vice versa. */
const commands: Record<string, () => Promise<Command>> = {
  scan: async () => (await import('./commands/scan.js')).run,
  diff: async () => (await import('./commands/diff.js')).run,
  staged: async () => (await import('./commands/staged.js')).run,
  history: async () => (await import('./commands/history.js')).run,
  hook: async () => (await import('./commands/hook.js')).run,
  mask: async () => (await import('./commands/mask.js')).run,
  sweep: async () => (await import('./commands/sweep.js')).run,
  report: async () => (await import('./commands/report.js')).run,
  triage: async () => (await import('./commands/triage.js')).run,
  verify: async () => (await import('./commands/verify.js')).run,
  worker: async () => (await import('./commands/worker.js')).run,
};

const usage = `usage: leakward <command> [options]

commands:
  scan [PATH...]        scan files, folders or - (stdin)
  diff [FILE|-]         scan the added lines of a unified diff
  staged                scan what is staged for commit (pre-commit hook)
  history [RANGE...]    scan every commit of a git history (or --pre-push)
  hook install|uninstall  install the git hooks
  mask -- CMD [ARGS...] run CMD with its output masked (or filter stdin)
  sweep [REPO...]       sweep many repositories' histories into a datastore (merge: union shards)
  report --db FILE      the sweep report: html, markdown, sarif per repository, jsonl
  triage FINGERPRINT    record a decision on a sweep finding (or --export-baseline FILE)
  verify REPORT.json    check a JSON report's findings with their providers (--repo DIR)
  worker --queue URL    take sweep jobs from Redis (sweep --queue URL enqueue|collect|status)

Run 'leakward <command> --help' for a command's options.
`;

export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.stdout.write(usage);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    const { readFileSync } = await import('node:fs');
    const { packageRoot } = await import('../core/paths.js');
    io.stdout.write(`${JSON.parse(readFileSync(`${packageRoot}/package.json`, 'utf8')).version}\n`);
    return 0;
  }
  const load = commands[name];
  if (!load) {
    io.stderr.write(`leakward: unknown command '${name}'\n\n${usage}`);
    return 2;
  }
  try {
    return await (await load())(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`leakward ${name}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
