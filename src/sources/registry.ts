/**
 * Images in a registry, pulled over the OCI distribution API (`GET /v2/<name>/manifests/<ref>`, `/blobs/<digest>`).
 *
 * Auth: anonymous first; on a 401 the registry's challenge decides: `Bearer realm=…,service=…,scope=…` → a token
 * from the realm (anonymous, or with the config.json credentials: basic, or an identity token as a refresh token),
 * `Basic` → the credentials themselves. A bearer token given by the caller is sent from the first request.
 * A registry that cannot be reached, or refuses, is an `ImageError` carrying the registry's own message, with every
 * credential string scrubbed out of it.
 *
 * Plain HTTP is used for loopback registries (`localhost`, `127.0.0.0/8`, `[::1]`) as Docker does, and for any
 * registry when `plainHttp` is set; HTTPS otherwise.
 */
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { credentialStrings, dockerCredentials, type RegistryCredentials } from './docker-auth.js';
import {
  BlobMissingError, ImageError, MANIFEST_ACCEPT, MAX_METADATA, walkManifest, type BlobFetcher, type Descriptor,
  type ResolvedImage, type WalkOptions,
} from './oci.js';

export interface RegistryRef {
  /** As written by the user. */
  readonly text: string;
  /** Where the API lives: `host[:port]` (Docker Hub: `registry-1.docker.io`). */
  readonly host: string;
  /** Repository path, e.g. `library/alpine`. */
  readonly repository: string;
  /** Tag or `sha256:…` digest. */
  readonly reference: string;
}

/** `[host[:port]/]name[:tag][@digest]`, with Docker's defaults (docker.io, library/, latest). */
export function parseRegistryRef(text: string): RegistryRef {
  let rest = text.trim();
  if (!rest || /\s/.test(rest)) throw new ImageError(`not an image reference: ${JSON.stringify(text)}`);
  rest = rest.replace(/^docker:\/\//, '');
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!/^[a-z0-9]+:[a-f0-9]{32,}$/.test(digest)) throw new ImageError(`not a digest: ${digest}`);
  }
  const parts = rest.split('/');
  let host = 'docker.io';
  if (parts.length > 1 && (parts[0]!.includes('.') || parts[0]!.includes(':') || parts[0] === 'localhost')) host = parts.shift()!;
  let last = parts.pop()!;
  let tag: string | undefined;
  const colon = last.lastIndexOf(':');
  if (colon >= 0) {
    tag = last.slice(colon + 1);
    last = last.slice(0, colon);
  }
  parts.push(last);
  let repository = parts.join('/');
  if (!/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(repository)) {
    throw new ImageError(`not an image reference: ${JSON.stringify(text)} (bad repository name)`);
  }
  if (tag !== undefined && !/^[\w][\w.-]{0,127}$/.test(tag)) throw new ImageError(`not an image reference: ${JSON.stringify(text)} (bad tag)`);
  if (host === 'docker.io' || host === 'index.docker.io') {
    host = 'registry-1.docker.io';
    if (!repository.includes('/')) repository = `library/${repository}`;
  }
  return { text, host, repository, reference: digest ?? tag ?? 'latest' };
}

export interface RegistryOptions extends WalkOptions {
  /** For `DOCKER_CONFIG` / `HOME` (config.json). */
  readonly env?: NodeJS.ProcessEnv;
  /** Credentials to use instead of config.json's. */
  readonly credentials?: RegistryCredentials;
  /** HTTP even for non-loopback registries. */
  readonly plainHttp?: boolean;
  /** Per-request timeout for headers and metadata, ms (default 60 s). */
  readonly timeoutMs?: number;
}

function isLoopback(host: string): boolean {
  const h = host.replace(/:\d+$/, '');
  return h === 'localhost' || h === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

interface Challenge { scheme: string; params: Record<string, string> }

/** `Bearer realm="…",service="…",scope="…"` → scheme and parameters. */
export function parseChallenge(header: string): Challenge | undefined {
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  let p: RegExpExecArray | null;
  while ((p = re.exec(m[2]!)) !== null) params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]!;
  return { scheme: m[1]!.toLowerCase(), params };
}

/** One repository on one registry, with its authorisation state. */
export class RegistryClient {
  private authorization: string | undefined;
  private readonly base: string;
  private readonly secrets: string[];
  private triedAuth = false;

  constructor(readonly ref: RegistryRef, private readonly credentials: RegistryCredentials | undefined, options: RegistryOptions = {}) {
    const scheme = options.plainHttp || isLoopback(ref.host) ? 'http' : 'https';
    this.base = `${scheme}://${ref.host}/v2/${ref.repository}`;
    this.secrets = credentialStrings(credentials);
    if (credentials?.registryToken) this.authorization = `Bearer ${credentials.registryToken}`;
  }

  /** Removes every credential string from a message (a registry may echo what it was sent). */
  scrub(message: string): string {
    let s = message;
    for (const c of this.secrets) s = s.split(c).join('***');
    if (this.authorization) {
      const token = this.authorization.replace(/^\w+ /, '');
      if (token.length >= 4) s = s.split(token).join('***');
    }
    return s;
  }

  private fail(what: string, detail: string): never {
    throw new ImageError(this.scrub(`${this.ref.host}: ${what}: ${detail}`));
  }

  /** A GET with auth; follows the challenge once. Non-2xx (but 404 for blobs, see callers) are errors. */
  async get(path: string, accept?: string, signal?: AbortSignal): Promise<Response> {
    for (;;) {
      const headers: Record<string, string> = { 'user-agent': 'leakward' };
      if (accept) headers['accept'] = accept;
      if (this.authorization) headers['authorization'] = this.authorization;
      let res: Response;
      try {
        res = await fetch(`${this.base}/${path}`, { headers, redirect: 'follow', ...(signal ? { signal } : {}) });
      } catch (err) {
        const cause = (err as { cause?: { message?: string; code?: string } }).cause;
        this.fail('cannot reach the registry', cause?.message ?? cause?.code ?? (err as Error).message);
      }
      if (res.status === 401 && !this.triedAuth) {
        this.triedAuth = true;
        const challenge = parseChallenge(res.headers.get('www-authenticate') ?? '');
        await res.body?.cancel();
        await this.authorise(challenge);
        continue;
      }
      return res;
    }
  }

  private async authorise(challenge: Challenge | undefined): Promise<void> {
    const c = this.credentials;
    const basic = c?.username !== undefined && c.password !== undefined ? `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` : undefined;
    if (challenge?.scheme === 'basic') {
      if (!basic) this.fail('authentication required', 'the registry asks for a user name and password; none found in the Docker config (docker login)');
      this.authorization = basic;
      return;
    }
    if (challenge?.scheme !== 'bearer' || !challenge.params['realm']) {
      this.fail('authentication required', 'the registry sent no usable challenge (WWW-Authenticate)');
    }
    const realm = new URL(challenge.params['realm']!);
    const scope = challenge.params['scope'] ?? `repository:${this.ref.repository}:pull`;
    if (challenge.params['service']) realm.searchParams.set('service', challenge.params['service']);
    let res: Response;
    try {
      if (c?.identityToken) {
        const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: c.identityToken, scope, client_id: 'leakward' });
        if (challenge.params['service']) body.set('service', challenge.params['service']);
        res = await fetch(realm, { method: 'POST', body, headers: { 'user-agent': 'leakward' } });
      } else {
        realm.searchParams.set('scope', scope);
        res = await fetch(realm, { headers: { 'user-agent': 'leakward', ...(basic ? { authorization: basic } : {}) } });
      }
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause;
      this.fail('cannot reach the token service', `${realm.host}: ${cause?.message ?? (err as Error).message}`);
    }
    if (!res.ok) this.fail('the token service refused', await errorText(res));
    const o = (await res.json().catch(() => ({}))) as { token?: string; access_token?: string };
    const token = o.token ?? o.access_token;
    if (!token) this.fail('the token service refused', 'no token in its answer');
    this.authorization = `Bearer ${token}`;
  }

  /** A manifest or index by tag or digest: its bytes and digest (checked when asked by digest). */
  async manifest(reference: string): Promise<{ body: Buffer; digest: string }> {
    const res = await this.get(`manifests/${reference}`, MANIFEST_ACCEPT);
    if (!res.ok) this.fail(`manifest ${this.ref.repository}:${reference}`, await errorText(res));
    const body = await readCapped(res, MAX_METADATA);
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    if (reference.startsWith('sha256:') && reference !== digest) this.fail(`manifest ${reference}`, `the registry sent content with digest ${digest}`);
    return { body, digest };
  }

  async blob(digest: string, whole: boolean): Promise<Buffer | Readable> {
    const res = await this.get(`blobs/${digest}`);
    if (res.status === 404) {
      await res.body?.cancel();
      throw new BlobMissingError(digest, `${this.ref.host}/${this.ref.repository}: 404 (blob unknown)`);
    }
    if (!res.ok) this.fail(`blob ${digest}`, await errorText(res));
    if (whole) {
      const body = await readCapped(res, MAX_METADATA);
      const got = `sha256:${createHash('sha256').update(body).digest('hex')}`;
      if (digest.startsWith('sha256:') && got !== digest) this.fail(`blob ${digest}`, `content has digest ${got}`);
      return body;
    }
    if (!res.body) return Readable.from([]);
    return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>, { highWaterMark: 1 << 20 });
  }
}

async function readCapped(res: Response, max: number): Promise<Buffer> {
  const len = Number(res.headers.get('content-length') ?? '0');
  if (len > max) throw new ImageError(`metadata larger than ${max} bytes`);
  const buf = Buffer.from(await res.arrayBuffer());
  if (buf.length > max) throw new ImageError(`metadata larger than ${max} bytes`);
  return buf;
}

/** The registry's error: `{"errors":[{"code","message"}]}` when it sent one, else the status line. */
async function errorText(res: Response): Promise<string> {
  const status = `${res.status} ${res.statusText}`.trim();
  let text = '';
  try {
    text = (await res.text()).slice(0, 4096);
  } catch {
    // the status says enough
  }
  try {
    const o = JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }>; details?: string; error?: string };
    if (Array.isArray(o.errors) && o.errors.length > 0) {
      return `${status}: ${o.errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ')}`;
    }
    if (o.details || o.error) return `${status}: ${o.details ?? o.error}`;
  } catch {
    // not JSON
  }
  const line = text.split('\n')[0]!.trim().slice(0, 200);
  return line && !line.startsWith('<') ? `${status}: ${line}` : status;
}

/** The single-platform images a registry reference names. */
export async function* registryImages(text: string, options: RegistryOptions = {}): AsyncGenerator<ResolvedImage> {
  const ref = parseRegistryRef(text);
  let credentials = options.credentials;
  if (!credentials) {
    try {
      credentials = dockerCredentials(ref.host, options.env);
    } catch (err) {
      throw new ImageError((err as Error).message);
    }
  }
  const client = new RegistryClient(ref, credentials, options);
  const top = await client.manifest(ref.reference);
  const fetcher: BlobFetcher = {
    async readBlob(d: Descriptor) {
      if (isManifestType(d.mediaType)) {
        const m = await client.manifest(d.digest);
        return m.body;
      }
      return (await client.blob(d.digest, true)) as Buffer;
    },
    async openBlob(d: Descriptor) {
      if (d.urls?.length) throw new BlobMissingError(d.digest, 'a foreign layer (its blob lives outside the registry; not fetched)');
      return (await client.blob(d.digest, false)) as Readable;
    },
  };
  yield* walkManifest(fetcher, text, top.body, top.digest, options);
}

function isManifestType(t: string | undefined): boolean {
  return t !== undefined && (t.includes('manifest') || t.includes('index'));
}
