/**
 * Repository names as the sweep keeps them: a normalised URL with no credentials (the datastore key, the shard
 * hash input, what reports print), the place its mirror lives in the cache, and the forge commit link.
 * Only our own small strings (arguments, a repos file) go through RegExp here, never scanned content.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface RepoLocation {
  /** What was given, credentials stripped. */
  readonly source: string;
  /** Normalised URL: `https://host/owner/name`, `ssh://host/owner/name`, `file:///abs/path`. */
  readonly url: string;
  /** `remote`: cloned into the cache and fetched; `local`: a work tree or bare repository used in place. */
  readonly kind: 'remote' | 'local';
  /** For a remote: the URL to clone (as given, credentials included); for a local one: its directory. */
  readonly fetchUrl: string;
}

const SCP_LIKE = /^([A-Za-z0-9._-]+@)?([A-Za-z0-9.-]+):(?!\/\/)(.+)$/;

/** Removes `user:password@` (or a token as user) from a URL-ish string; also for git's error messages. */
export function stripCredentials(s: string): string {
  return s.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, (_m, scheme: string) => scheme);
}

/** Redacts credentials in a message (git prints the URL it failed on) and, if given, the URL's own secrets. */
export function redactCredentials(message: string, fetchUrl?: string): string {
  let out = message.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, (_m, scheme: string) => `${scheme}***@`);
  const m = fetchUrl ? /^[a-z][a-z0-9+.-]*:\/\/([^/@\s]*)@/i.exec(fetchUrl) : null;
  if (m && m[1]) for (const part of m[1].split(':')) if (part.length >= 4) out = out.split(part).join('***');
  return out;
}

function trimName(p: string): string {
  let s = p.replace(/\/+$/, '');
  if (s.endsWith('.git')) s = s.slice(0, -4);
  return s.replace(/\/+$/, '');
}

/** Parses one repository argument (a URL or a local directory, relative to `cwd`). Throws on an unusable one. */
export function parseRepo(arg: string, cwd: string): RepoLocation {
  const s = arg.trim();
  if (s === '') throw new Error('empty repository');
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(s);
  if (scheme) {
    const proto = scheme[1]!.toLowerCase();
    if (!['https', 'http', 'ssh', 'git', 'file'].includes(proto)) throw new Error(`unsupported URL scheme '${proto}': ${stripCredentials(s)}`);
    let u: URL;
    try { u = new URL(s); } catch { throw new Error(`not a valid URL: ${stripCredentials(s)}`); }
    if (proto === 'file') {
      const p = decodeURIComponent(u.pathname);
      return { source: stripCredentials(s), url: `file://${path.resolve(p).replace(/\/+$/, '')}`, kind: 'remote', fetchUrl: s };
    }
    if (!u.hostname) throw new Error(`URL without a host: ${stripCredentials(s)}`);
    const port = u.port && !((proto === 'https' && u.port === '443') || (proto === 'ssh' && u.port === '22')) ? `:${u.port}` : '';
    const norm = `${proto === 'http' ? 'https' : proto}://${u.hostname.toLowerCase()}${port}${trimName(decodeURIComponent(u.pathname))}`;
    return { source: stripCredentials(s), url: norm, kind: 'remote', fetchUrl: s };
  }
  const scp = SCP_LIKE.exec(s);
  if (scp && !fs.existsSync(path.resolve(cwd, s)) && scp[2]!.includes('.')) {
    const p = scp[3]!.startsWith('/') ? scp[3]! : `/${scp[3]}`;
    return { source: s, url: `ssh://${scp[2]!.toLowerCase()}${trimName(p)}`, kind: 'remote', fetchUrl: s };
  }
  const dir = path.resolve(cwd, s);
  let real = dir;
  try { real = fs.realpathSync(dir); } catch { /* reported when the sweep opens it */ }
  return { source: s, url: `file://${real.replace(/\/+$/, '')}`, kind: 'local', fetchUrl: dir };
}

/** Where a remote's mirror lives in the cache: `<cache>/<host>/<path>.git`, plus a short hash against collisions. */
export function mirrorDir(cache: string, url: string): string {
  const u = url.replace(/^[a-z]+:\/\//, '');
  const safe = u.split('/').filter((p) => p !== '' && p !== '.' && p !== '..').map((p) => p.replace(/[^A-Za-z0-9._-]/g, '_')).join('/');
  const h = createHash('sha256').update(url).digest('hex').slice(0, 8);
  return path.join(cache, `${safe || 'repo'}-${h}.git`);
}

/** Shard of a repository: 1..n, by a hash of its normalised URL (stable across machines and runs). */
export function shardOf(url: string, n: number): number {
  const h = createHash('sha256').update(url).digest();
  return (h.readUInt32BE(0) % n) + 1;
}

/** Parses `I/N` (1 ≤ I ≤ N). */
export function parseShard(s: string): { index: number; count: number } {
  const m = /^(\d{1,6})\/(\d{1,6})$/.exec(s.trim());
  if (!m) throw new Error(`--shard takes I/N (for example 2/8), got '${s}'`);
  const index = Number(m[1]), count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) throw new Error(`--shard ${s}: I must be from 1 to N (Kubernetes' JOB_COMPLETION_INDEX is 0-based: add 1)`);
  return { index, count };
}

/** Parses a repos file: one repository a line; blank lines and `#` comments skipped. Errors name the line. */
export function parseReposFile(text: string, file: string, cwd: string): RepoLocation[] {
  const out: RepoLocation[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    if (/\s/.test(line)) throw new Error(`${file}:${i + 1}: one repository per line (found spaces): ${stripCredentials(line).slice(0, 80)}`);
    if (/[\x00-\x1f\x7f]/.test(line)) throw new Error(`${file}:${i + 1}: control characters in a repository line`);
    try {
      out.push(parseRepo(line, cwd));
    } catch (err) {
      throw new Error(`${file}:${i + 1}: ${(err as Error).message}`);
    }
  }
  return out;
}
