/**
 * Registry credentials as Docker keeps them: `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`),
 * `auths` entries (`auth` = base64 `user:password`, or `username`/`password`, `identitytoken`, `registrytoken`),
 * and credential helpers (`credHelpers` per registry, `credsStore` for all) run as `docker-credential-NAME get`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

export interface RegistryCredentials {
  readonly username?: string;
  readonly password?: string;
  /** OAuth2 refresh token (`identitytoken`), traded for a bearer token at the registry's token service. */
  readonly identityToken?: string;
  /** A bearer token sent as is. */
  readonly registryToken?: string;
}

interface DockerConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string; registrytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** Docker Hub's key in config.json. */
const HUB_KEYS = ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];

/** `https://host:port/v1/` → `host:port`. */
function hostOfKey(key: string): string {
  let k = key.replace(/^[a-z]+:\/\//i, '');
  const slash = k.indexOf('/');
  if (slash >= 0) k = k.slice(0, slash);
  return k.toLowerCase();
}

/** The credentials config.json holds for `host`, or undefined (anonymous). Throws on a broken config.json. */
export function dockerCredentials(host: string, env: NodeJS.ProcessEnv = process.env): RegistryCredentials | undefined {
  const dir = env['DOCKER_CONFIG'] || path.join(env['HOME'] || os.homedir(), '.docker');
  const file = path.join(dir, 'config.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let cfg: DockerConfigFile;
  try {
    cfg = JSON.parse(text) as DockerConfigFile;
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const want = host.toLowerCase();
  const keys = want === 'registry-1.docker.io' || want === 'docker.io' ? HUB_KEYS : [want];
  const helper = keys.map((k) => cfg.credHelpers?.[k]).find((h) => h) ?? cfg.credsStore;
  for (const [key, entry] of Object.entries(cfg.auths ?? {})) {
    if (!keys.includes(key) && !keys.includes(hostOfKey(key))) continue;
    if (entry.registrytoken) return { registryToken: entry.registrytoken };
    if (entry.identitytoken) return { identityToken: entry.identitytoken, ...(entry.username ? { username: entry.username } : {}) };
    if (entry.auth) {
      const plain = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = plain.indexOf(':');
      if (colon > 0) return { username: plain.slice(0, colon), password: plain.slice(colon + 1) };
    }
    if (entry.username && entry.password) return { username: entry.username, password: entry.password };
  }
  if (helper) return fromHelper(helper, keys[0] === HUB_KEYS[0] ? HUB_KEYS[0]! : host, env);
  return undefined;
}

/** `docker-credential-NAME get`: host on stdin, `{"Username","Secret"}` out; a missing entry is anonymous access. */
function fromHelper(name: string, serverUrl: string, env: NodeJS.ProcessEnv): RegistryCredentials | undefined {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) return undefined;
  const r = spawnSync(`docker-credential-${name}`, ['get'], { input: serverUrl, env, encoding: 'utf8', timeout: 30_000 });
  if (r.error || r.status !== 0) return undefined;
  try {
    const o = JSON.parse(r.stdout) as { Username?: string; Secret?: string };
    if (!o.Secret) return undefined;
    if (o.Username === '<token>') return { identityToken: o.Secret };
    return { ...(o.Username ? { username: o.Username } : {}), password: o.Secret };
  } catch {
    return undefined;
  }
}

/** Every credential string, for scrubbing error messages (a registry may echo what it was sent). */
export function credentialStrings(c: RegistryCredentials | undefined): string[] {
  if (!c) return [];
  const out = [c.password, c.identityToken, c.registryToken].filter((s): s is string => typeof s === 'string' && s.length >= 4);
  if (c.username && c.password) out.push(Buffer.from(`${c.username}:${c.password}`).toString('base64'));
  return out;
}
