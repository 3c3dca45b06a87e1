/**
 * Images pulled from a real registry (Debian's docker-registry on 127.0.0.1, images pushed with skopeo): anonymous,
 * htpasswd (basic) and token (bearer) auth with Docker config credentials, digests, platforms, missing blobs,
 * unreachable registries and refused credentials (exit 2, the registry's message, no credential in it).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { spawnSync } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseRegistryRef } from '../../src/index.js';
import { buildImage, buildLayer, ociLayoutFiles, writeFolder, type BuiltImage } from '../support/images.js';
import { freePort, missingTools, skopeoPush, startRegistry } from '../support/registry.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = path.join(repoRoot, 'bin', 'leakward.js');
const AWS = 'AKIA' + 'ZQ3W5RT7YU2PLK6M';
const AWS2 = 'AKIA' + 'QW7ERT5YU3IOP2LK';
// Synthetic registry credentials (the test registries exist only for the test).
const USER = 'leakward-test';
const PASSWORD = 'Pw-' + 'synthetic-registry-4821';

// Outside CI a missing tool skips these tests with the reason; in CI (.ci/run installs them) it is a failure.
const missing = missingTools();
if (missing && process.env['CI']) throw new Error(`registry tests need ${missing}`);
const skip = missing ?? false;

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'leakward-regtest-'));
}

/** Runs the CLI asynchronously: the registry's and token server's event loops must keep running meanwhile. */
async function leakward(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, NO_COLOR: '1', LEAKWARD_CONFIG: '', GITLEAKS_CONFIG: '', LEAKWARD_REGISTRY_TOKEN: '', DOCKER_CONFIG: emptyDockerConfig(), ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr };
}

let emptyConfigDir: string | undefined;
function emptyDockerConfig(): string {
  return (emptyConfigDir ??= tmp());
}

function dockerConfig(auths: Record<string, unknown>): string {
  const dir = tmp();
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ auths }));
  return dir;
}

/** A bcrypt htpasswd line, by Python's crypt module (docker-registry accepts only bcrypt). */
function htpasswdLine(user: string, password: string): string | undefined {
  const r = spawnSync('python3', ['-c', 'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.METHOD_BLOWFISH))', password], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.startsWith('$2') ? `${user}:${r.stdout.trim()}\n` : undefined;
}

let amd: BuiltImage;
let arm: BuiltImage;
let layoutDir: string;

before(async () => {
  if (skip) return;
  const base = await buildLayer([{ name: 'etc/app.env', content: `AWS_ACCESS_KEY_ID=${AWS}\n` }], 'gzip');
  amd = await buildImage({ layers: [base, { files: [{ name: 'etc/.wh.app.env', content: '' }], compression: 'zstd' }], architecture: 'amd64', env: [`K=${AWS2}`] });
  arm = await buildImage({ layers: [base, { files: [{ name: 'bin/arm', content: 'clean' }] }], architecture: 'arm64' });
  layoutDir = tmp();
  writeFolder(layoutDir, ociLayoutFiles([amd, arm], { tag: 'v1' }));
});

test('registry ref parsing: host, port, repository, tag, digest; Docker Hub defaults', () => {
  assert.deepEqual(parseRegistryRef('127.0.0.1:5000/team/app:1.2'), { text: '127.0.0.1:5000/team/app:1.2', host: '127.0.0.1:5000', repository: 'team/app', reference: '1.2' });
  assert.equal(parseRegistryRef('alpine').host, 'registry-1.docker.io');
  assert.equal(parseRegistryRef('alpine').repository, 'library/alpine');
  assert.equal(parseRegistryRef('alpine').reference, 'latest');
  assert.equal(parseRegistryRef(`localhost/x@sha256:${'a'.repeat(64)}`).reference, `sha256:${'a'.repeat(64)}`);
  assert.throws(() => parseRegistryRef('Bad/Name'), /bad repository name/);
  assert.throws(() => parseRegistryRef('x@sha256:zz'), /not a digest/);
});

test('anonymous registry: multi-platform image by tag and by digest, --platform, removed files', { skip }, async (t) => {
  const reg = await startRegistry();
  t.after(() => reg.stop());
  await skopeoPush(layoutDir, 'v1', `${reg.host}/team/app:v1`);

  const r = await leakward(['image', `${reg.host}/team/app:v1`, '-f', 'json']);
  assert.equal(r.code, 1, r.stderr);
  const entries = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
  const shared = entries.filter((e) => e['File'] === 'etc/app.env');
  assert.deepEqual(shared.map((e) => e['Platform']).sort(), ['linux/amd64', 'linux/arm64']);
  assert.equal(shared.find((e) => e['Platform'] === 'linux/amd64')!['RemovedInLaterLayer'], true, 'whiteout in the amd64 image');
  assert.equal(shared.find((e) => e['Platform'] === 'linux/arm64')!['RemovedInLaterLayer'], false);
  assert.ok(entries.some((e) => e['File'] === 'config:Env[0]' && e['ImageDigest'] === amd.digest));

  const byDigest = await leakward(['image', `${reg.host}/team/app@${arm.digest}`, '-f', 'json']);
  assert.equal(byDigest.code, 1, byDigest.stderr);
  assert.deepEqual([...new Set((JSON.parse(byDigest.stdout) as Array<Record<string, unknown>>).map((e) => e['ImageDigest']))], [arm.digest]);

  const one = await leakward(['image', `${reg.host}/team/app:v1`, '--platform', 'linux/arm64', '-f', 'json']);
  assert.equal(one.code, 1, one.stderr);
  assert.deepEqual([...new Set((JSON.parse(one.stdout) as Array<Record<string, unknown>>).map((e) => e['Platform']))], ['linux/arm64']);

  const unknown = await leakward(['image', `${reg.host}/team/nothing:v1`]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /MANIFEST_UNKNOWN|NAME_UNKNOWN/);

  // A blob gone from the registry's storage: partial, never clean.
  const blobData = path.join(reg.storage, 'docker/registry/v2/blobs/sha256', amd.layers[1]!.digest.slice(7, 9), amd.layers[1]!.digest.slice(7), 'data');
  fs.rmSync(blobData);
  const partial = await leakward(['image', `${reg.host}/team/app:v1`, '--platform', 'linux/amd64']);
  assert.equal(partial.code, 2, partial.stdout);
  assert.match(partial.stderr, /partly read: layer 1/);
  assert.match(partial.stdout, /etc\/app\.env/, 'the readable layer is still reported');
});

test('unreachable registry: exit 2 with the connection error', { skip }, async () => {
  const port = await freePort();
  const r = await leakward(['image', `127.0.0.1:${port}/team/app:v1`]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /cannot reach the registry: .*ECONNREFUSED/);
});

test('htpasswd registry: credentials from DOCKER_CONFIG; none or wrong ones are refused with the registry message, never echoed', { skip }, async (t) => {
  const line = htpasswdLine(USER, PASSWORD);
  if (!line) {
    t.skip('python3 crypt (bcrypt) unavailable to write an htpasswd file');
    return;
  }
  const reg = await startRegistry({ htpasswd: line });
  t.after(() => reg.stop());
  await skopeoPush(layoutDir, 'v1', `${reg.host}/team/app:v1`, `${USER}:${PASSWORD}`);

  const anon = await leakward(['image', `${reg.host}/team/app:v1`]);
  assert.equal(anon.code, 2);
  assert.match(anon.stderr, /authentication required/);

  const good = dockerConfig({ [reg.host]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } });
  const ok = await leakward(['image', `${reg.host}/team/app:v1`], { DOCKER_CONFIG: good });
  assert.equal(ok.code, 1, ok.stderr);
  assert.match(ok.stdout, /etc\/app\.env/);

  const wrongPassword = PASSWORD + '-wrong';
  const bad = dockerConfig({ [`http://${reg.host}`]: { username: USER, password: wrongPassword } });
  const refused = await leakward(['image', `${reg.host}/team/app:v1`], { DOCKER_CONFIG: bad });
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /401.*UNAUTHORIZED/);
  assert.ok(!refused.stderr.includes(wrongPassword) && !refused.stderr.includes(Buffer.from(`${USER}:${wrongPassword}`).toString('base64')), 'no credential in the message');
});

/** A token service as the distribution spec describes it: basic auth in, an ES256 JWT (x5c header) out. */
async function tokenService(certPem: string, keyPem: string, service: string, issuer: string): Promise<{ url: string; close: () => Promise<void>; requests: string[] }> {
  const requests: string[] = [];
  const key = createPrivateKey(keyPem);
  const der = certPem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  const b64u = (b: Buffer | string): string => Buffer.from(b).toString('base64url');
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    const authz = req.headers.authorization ?? '';
    requests.push(authz ? 'with credentials' : 'anonymous');
    if (authz !== `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ details: 'incorrect username or password' }));
      return;
    }
    const access = (url.searchParams.getAll('scope')).map((s) => {
      const [type, name, actions] = s.split(':');
      return { type, name, actions: actions!.split(',') };
    });
    const now = Math.floor(Date.now() / 1000);
    const header = b64u(JSON.stringify({ alg: 'ES256', typ: 'JWT', x5c: [der] }));
    const claims = b64u(JSON.stringify({ iss: issuer, sub: USER, aud: service, exp: now + 600, nbf: now - 10, iat: now, jti: String(now), access }));
    const sig = sign('sha256', Buffer.from(`${header}.${claims}`), { key, dsaEncoding: 'ieee-p1363' });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token: `${header}.${claims}.${b64u(sig)}` }));
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${port}/token`, requests, close: () => new Promise((r) => server.close(() => r())) };
}

test('token-auth registry: a bearer token from the realm with config.json credentials', { skip }, async (t) => {
  const dir = tmp();
  const ssl = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=leakward-test-token',
    '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { encoding: 'utf8' });
  if (ssl.status !== 0) {
    t.skip(`openssl cannot make a test certificate: ${ssl.stderr.slice(0, 200)}`);
    return;
  }
  const certPem = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
  const svc = await tokenService(certPem, fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'), 'leakward-registry', 'leakward-issuer');
  t.after(() => svc.close());
  const reg = await startRegistry({ token: { realm: svc.url, service: 'leakward-registry', issuer: 'leakward-issuer', certPem } });
  t.after(() => reg.stop());
  await skopeoPush(layoutDir, 'v1', `${reg.host}/team/app:v1`, `${USER}:${PASSWORD}`);

  const refused = await leakward(['image', `${reg.host}/team/app:v1`]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /token service refused: 401.*incorrect username or password/);

  const cfg = dockerConfig({ [reg.host]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } });
  const ok = await leakward(['image', `${reg.host}/team/app:v1`, '--platform', 'linux/arm64'], { DOCKER_CONFIG: cfg });
  assert.equal(ok.code, 1, ok.stderr);
  assert.match(ok.stdout, /etc\/app\.env/);
});

after(() => {
  if (emptyConfigDir) fs.rmSync(emptyConfigDir, { recursive: true, force: true });
});
