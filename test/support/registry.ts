/**
 * A real registry for tests: Debian's `docker-registry` (CNCF distribution) on 127.0.0.1 at a free port, with
 * optional htpasswd or token auth, and `skopeo` to push OCI layouts to it. Both are installed by `.ci/run`;
 * `missingTools()` says which are absent so tests can skip with a reason elsewhere.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export function missingTools(): string | undefined {
  const missing = ['docker-registry', 'skopeo'].filter((t) => spawnSync(t, ['--version']).error !== undefined);
  return missing.length ? `${missing.join(' and ')} not installed (apt-get install ${missing.join(' ')}; .ci/run installs them)` : undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface TestRegistry {
  readonly host: string;
  readonly storage: string;
  stop(): Promise<void>;
}

export interface RegistryAuth {
  /** htpasswd lines (`user:bcrypt-hash`). */
  readonly htpasswd?: string;
  /** Token auth: the realm URL, service, issuer and the PEM certificate that signs the tokens. */
  readonly token?: { realm: string; service: string; issuer: string; certPem: string };
}

export async function startRegistry(auth: RegistryAuth = {}): Promise<TestRegistry> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakward-registry-'));
  const storage = path.join(dir, 'storage');
  const port = await freePort();
  let authYaml = '';
  if (auth.htpasswd) {
    fs.writeFileSync(path.join(dir, 'htpasswd'), auth.htpasswd);
    authYaml = `auth:\n  htpasswd:\n    realm: leakward-test\n    path: ${path.join(dir, 'htpasswd')}\n`;
  } else if (auth.token) {
    fs.writeFileSync(path.join(dir, 'cert.pem'), auth.token.certPem);
    authYaml = `auth:\n  token:\n    realm: ${auth.token.realm}\n    service: ${auth.token.service}\n    issuer: ${auth.token.issuer}\n    rootcertbundle: ${path.join(dir, 'cert.pem')}\n`;
  }
  fs.writeFileSync(path.join(dir, 'config.yml'), [
    'version: 0.1',
    'log:\n  level: error\n  accesslog:\n    disabled: true',
    `storage:\n  filesystem:\n    rootdirectory: ${storage}\n  delete:\n    enabled: true`,
    `http:\n  addr: 127.0.0.1:${port}`,
    authYaml,
  ].join('\n'));
  const child: ChildProcess = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${stderr.slice(0, 500)}`);
    try {
      const res = await fetch(`http://${host}/v2/`);
      await res.body?.cancel();
      if (res.status === 200 || res.status === 401) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`docker-registry did not start: ${stderr.slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host,
    storage,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `skopeo copy --all --preserve-digests oci:DIR:TAG docker://HOST/NAME:TAG` (plain HTTP to the test registry).
 * Asynchronous: a token service in the test's own process must keep answering while skopeo runs.
 */
export async function skopeoPush(layoutDir: string, tag: string, dest: string, creds?: string): Promise<void> {
  const policy = path.join(os.tmpdir(), 'leakward-skopeo-policy.json');
  fs.writeFileSync(policy, '{"default":[{"type":"insecureAcceptAnything"}]}');
  const args = ['--policy', policy, 'copy', '--all', '--preserve-digests', '--dest-tls-verify=false', ...(creds ? ['--dest-creds', creds] : []),
    `oci:${layoutDir}:${tag}`, `docker://${dest}`];
  const child = spawn('skopeo', args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, HOME: os.tmpdir() } });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`skopeo copy failed: ${stderr.slice(0, 800)}`);
}
