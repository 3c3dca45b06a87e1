/**
 * The scan base: the one folder against which config discovery (`.leakward.toml`, `.gitleaks.toml`), the default
 * baseline (`.leakward-baseline.json`), `.gitleaksignore` and the paths printed in reports are taken.
 *
 * - every scanned path inside one git work tree: that tree's top (so `scan test` and `scan test src` agree);
 * - otherwise one folder given: that folder (as `gitleaks dir FOLDER`);
 * - otherwise (several paths, a file, stdin): the working directory.
 *
 * Paths typed on the command line or set in the environment (`-c`, `LEAKWARD_CONFIG`, `--baseline`, `-o`,
 * `--write-baseline`) are not found through the base: they resolve against the working directory, as gitleaks
 * does, so `scan -c ci/leakward.toml ../untrusted` never reads the scanned tree's `ci/leakward.toml`.
 */
import { statSync } from 'node:fs';
import path from 'node:path';

/** The work-tree top of the folder holding `p` (a file or folder), or undefined outside a work tree. */
async function workTreeTop(p: string): Promise<string | undefined> {
  let dir = p;
  try {
    if (!statSync(p).isDirectory()) dir = path.dirname(p);
  } catch {
    dir = path.dirname(p);
  }
  const { gitTry } = await import('../sources/git.js');
  const top = await gitTry(dir, ['rev-parse', '--show-toplevel']);
  return top ? path.resolve(top) : undefined;
}

/** The scan base for these absolute paths (none: stdin or a diff read from the working directory). */
export async function scanBase(cwd: string, absPaths: readonly string[]): Promise<string> {
  const dirs = [...new Set((absPaths.length ? absPaths : [cwd]).map((p) => p))];
  const tops = await Promise.all(dirs.map(workTreeTop));
  const first = tops[0];
  if (first !== undefined && tops.every((t) => t === first)) return first;
  if (absPaths.length === 1) {
    try {
      if (statSync(absPaths[0]!).isDirectory()) return absPaths[0]!;
    } catch {
      /* not a folder: the working directory */
    }
  }
  return cwd;
}
