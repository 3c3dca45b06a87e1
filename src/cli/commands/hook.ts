import { parseArgs } from 'node:util';
import path from 'node:path';
import { argsError, UsageError, type CliIO } from '../io.js';
import { hookPlace, installHook, uninstallHook, type HookName } from './hook-install.js';

const help = `usage: leakward hook install [--pre-push] [--repo DIR] [--force]
       leakward hook uninstall [--repo DIR]

install    add 'leakward staged' to the pre-commit hook (and 'leakward history --pre-push' to the
           pre-push hook with --pre-push): in .husky/ when the project uses husky, else in git's hooks
           directory (core.hooksPath and worktrees honoured). Existing hooks are kept; running it twice
           changes nothing.
uninstall  remove exactly what install added.

--force    install even when core.hooksPath points outside this repository (a hooks directory shared by
           every repository that uses it).
`;

export async function run(args: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, strict: true, options: {
      'pre-push': { type: 'boolean' }, repo: { type: 'string' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    } });
  } catch (err) {
    throw argsError(err);
  }
  if (parsed.values.help) { io.stdout.write(help); return 0; }
  const [action, ...extra] = parsed.positionals;
  if ((action !== 'install' && action !== 'uninstall') || extra.length > 0) {
    throw new UsageError(`expected 'install' or 'uninstall'\n\n${help}`);
  }
  const cwd = parsed.values.repo ? path.resolve(io.cwd, parsed.values.repo) : io.cwd;
  let place;
  try { place = hookPlace(cwd); } catch (err) { throw new UsageError((err as Error).message); }
  const rel = (f: string): string => path.relative(io.cwd, f) || f;

  if (action === 'uninstall') {
    for (const hook of ['pre-commit', 'pre-push'] as const) {
      const r = uninstallHook(place, hook);
      if (r.status === 'removed') io.stdout.write(`leakward: removed the ${hook} block from ${rel(r.file)}\n`);
      else if (r.status === 'deleted') io.stdout.write(`leakward: deleted ${rel(r.file)}\n`);
    }
    return 0;
  }
  if (place.shared && !parsed.values.force) {
    io.stderr.write(`leakward: core.hooksPath points to ${place.dir}, outside this repository: a hook there runs for every ` +
      `repository using it. Re-run with --force to install there anyway, or use husky / the pre-commit framework.\n`);
    return 2;
  }
  const hooks: HookName[] = parsed.values['pre-push'] ? ['pre-commit', 'pre-push'] : ['pre-commit'];
  let code = 0;
  for (const hook of hooks) {
    const r = installHook(place, hook);
    switch (r.status) {
      case 'installed': io.stdout.write(`leakward: wrote ${rel(r.file)}\n`); break;
      case 'appended': io.stdout.write(`leakward: added the ${hook} block to ${rel(r.file)}\n`); break;
      case 'unchanged': io.stdout.write(`leakward: ${rel(r.file)} already runs leakward\n`); break;
      case 'refused': io.stderr.write(`leakward: not changing ${rel(r.file)}: ${r.reason}\n`); code = 2; break;
      default: r satisfies never;
    }
  }
  if (place.husky && !place.huskyActive) {
    io.stderr.write(`leakward: note: git is not using husky yet in this clone; run 'npx husky' (or 'npm install', whose prepare script runs it)\n`);
  }
  return code;
}
