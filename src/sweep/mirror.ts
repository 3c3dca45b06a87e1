/**
 * Mirrors of remote repositories in the cache folder: `git clone --mirror` the first time (into a temporary
 * folder renamed into place, so a killed clone never leaves a half mirror that looks usable), `git fetch
 * --prune` afterwards. Failures carry git's message with credentials redacted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { gitReason, gitRun } from '../sources/git.js';
import { mirrorDir, redactCredentials, type RepoLocation } from './repo-url.js';

export class FetchError extends Error {
  override readonly name = 'FetchError';
}

/** Brings the mirror of `loc` up to date and returns its directory. */
export async function ensureMirror(loc: RepoLocation, cache: string): Promise<string> {
  const dir = mirrorDir(cache, loc.url);
  const fail = (what: string, r: { code: number | null; stderr: string }): never => {
    throw new FetchError(`${what} failed: ${redactCredentials(gitReason(r.stderr) || `git exited with ${r.code}`, loc.fetchUrl)}`);
  };
  if (fs.existsSync(path.join(dir, 'HEAD'))) {
    const r = await gitRun(dir, ['fetch', '--prune', '--quiet', 'origin']);
    if (r.code !== 0) fail('git fetch', r);
    return dir;
  }
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  try {
    const r = await gitRun(path.dirname(dir), ['clone', '--mirror', '--quiet', '--', loc.fetchUrl, tmp]);
    if (r.code !== 0) fail('git clone --mirror', r);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

/** A local repository's git directory, or a FetchError saying why it is not one. */
export async function localRepo(loc: RepoLocation): Promise<string> {
  if (!fs.existsSync(loc.fetchUrl)) throw new FetchError(`no such directory: ${loc.fetchUrl}`);
  const r = await gitRun(loc.fetchUrl, ['rev-parse', '--absolute-git-dir']);
  if (r.code !== 0) throw new FetchError(`not a git repository: ${loc.fetchUrl}`);
  return r.stdout.trim();
}
