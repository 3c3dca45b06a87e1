/**
 * Container images on disk (OCI layout folder and tar, docker save), built here without Docker: what is scanned,
 * how findings are located, whiteouts and overwrites, dedup, partial images, and the `leakward image` CLI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import {
  builtinConfig, scanImages, memoryScannedLayers, layerFragments, LayerListing, LayerReadError, type Finding, type ImageScanOptions,
} from '../../src/index.js';
import {
  buildImage, buildLayer, dockerSaveFiles, ociLayoutFiles, writeFolder, writeTar, zstdRawFrame, layerTar, type BuiltImage,
} from '../support/images.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = path.join(repoRoot, 'bin', 'leakward.js');
// Synthetic secrets, built so no source line holds one whole.
const AWS = 'AKIA' + 'ZQ3W5RT7YU2PLK6M';
const AWS2 = 'AKIA' + 'QW7ERT5YU3IOP2LK';
const AWS3 = 'AKIA' + 'MN4BV6CX2ZL7KJ3H';
const config = builtinConfig();

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'leakward-image-'));
}

async function findingsOf(refs: string[], options: ImageScanOptions = {}): Promise<{ findings: Finding[]; incomplete: string[] }> {
  const incomplete: string[] = [];
  const findings: Finding[] = [];
  for await (const f of scanImages(refs, config, { threads: 1, onIncomplete: (r, m) => incomplete.push(`${r}: ${m}`), ...options })) findings.push(f);
  return { findings, incomplete };
}

function leakward(args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', LEAKWARD_CONFIG: '', GITLEAKS_CONFIG: '', LEAKWARD_REGISTRY_TOKEN: '', ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Three layers (gzip, zstd, plain): a secret added, then deleted (whiteout) and overwritten; secrets in config and history. */
async function leakyImage(): Promise<BuiltImage> {
  return buildImage({
    layers: [
      {
        compression: 'gzip',
        files: [
          { name: 'app/', type: 'directory' },
          { name: 'app/.env', content: `HOME=/app\nAWS_ACCESS_KEY_ID=${AWS}\n` },
          { name: 'app/config.yml', content: `github_token: ${AWS3}\n` },
          { name: 'app/cache/keys.txt', content: `key ${AWS2}\n` },
          { name: 'app/ok.txt', content: `still here ${AWS2}\n` },
          { name: 'root/.ssh/id_rsa', content: 'not really a key\n' },
          { name: 'usr/bin/tool', content: Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0]), Buffer.from(` ${AWS} `)]) },
        ],
      },
      {
        compression: 'zstd',
        files: [
          { name: 'app/.wh..env', content: '' },
          { name: 'app/config.yml', content: 'github_token: from-vault\n' },
        ],
      },
      { compression: 'none', files: [{ name: 'app/cache/.wh..wh..opq', content: '' }, { name: 'app/cache/new.txt', content: 'clean\n' }] },
    ],
    env: ['PATH=/usr/bin', `GITHUB_TOKEN=${AWS3}`],
    labels: { maintainer: 'team' },
    cmd: ['/bin/app', '--serve'],
    history: ['ADD app /app', `RUN curl -H "x-aws-key: ${AWS}" https://example.com/setup | sh`, 'COPY config.yml /app/'],
  });
}

const byFile = (fs: Finding[], file: string): Finding[] => fs.filter((f) => f.file === file);

test('OCI layout folder: every layer file, config Env and history are scanned; whiteouts and overwrites are marked removed', async () => {
  const dir = tmp();
  const img = await leakyImage();
  writeFolder(dir, ociLayoutFiles([img]));
  const { findings, incomplete } = await findingsOf([dir]);
  assert.deepEqual(incomplete, []);

  const env = byFile(findings, 'app/.env');
  assert.equal(env.length, 1, 'one finding in app/.env');
  assert.equal(env[0]!.ruleId, 'aws-access-token');
  assert.equal(env[0]!.startLine, 2);
  assert.equal(env[0]!.startColumn, 19);
  assert.deepEqual(env[0]!.image, { ref: dir, digest: img.digest, platform: 'linux/amd64', layerDigest: img.layers[0]!.digest, layerIndex: 0, removed: true });

  const cfg = byFile(findings, 'app/config.yml');
  assert.equal(cfg.length, 1, 'the overwritten config.yml of layer 0 is still scanned');
  assert.equal(cfg[0]!.image?.removed, true, 'overwritten in layer 1');

  assert.equal(byFile(findings, 'app/cache/keys.txt')[0]?.image?.removed, true, 'hidden by an opaque whiteout');
  const kept = byFile(findings, 'app/ok.txt');
  assert.equal(kept.length, 1);
  assert.equal(kept[0]!.image?.removed, undefined, 'a file no later layer touches is not removed');

  assert.equal(byFile(findings, 'root/.ssh/id_rsa')[0]?.ruleId, 'ssh-private-key-file', 'path rules apply to layer paths');
  assert.equal(byFile(findings, 'usr/bin/tool').length, 0, 'binary files: content rules skipped');

  const envVar = byFile(findings, 'config:Env[1]');
  assert.equal(envVar.length, 1);
  assert.equal(envVar[0]!.ruleId, 'aws-access-token');
  assert.deepEqual(envVar[0]!.image, { ref: dir, digest: img.digest, platform: 'linux/amd64' });
  const hist = byFile(findings, 'history[1]');
  assert.equal(hist.length, 1);
  assert.equal(hist[0]!.ruleId, 'aws-access-token');
  assert.equal(hist[0]!.startColumn, 25);
});

test('docker save archive and OCI layout tar give the same findings as the folder', async () => {
  const dir = tmp();
  const img = await leakyImage();
  writeFolder(path.join(dir, 'layout'), ociLayoutFiles([img]));
  await writeTar(path.join(dir, 'oci.tar'), ociLayoutFiles([img]));
  await writeTar(path.join(dir, 'save.tar'), dockerSaveFiles([{ image: img, tag: 'leaky:1' }]));
  const key = (f: Finding): string => `${f.ruleId} ${f.file}:${f.startLine}:${f.startColumn} layer=${f.image?.layerIndex} removed=${f.image?.removed === true}`;
  const folder = (await findingsOf([path.join(dir, 'layout')])).findings.map(key).sort();
  const ociTar = await findingsOf([path.join(dir, 'oci.tar')]);
  assert.deepEqual(ociTar.incomplete, []);
  assert.deepEqual(ociTar.findings.map(key).sort(), folder);
  const save = await findingsOf([path.join(dir, 'save.tar')]);
  assert.deepEqual(save.incomplete, []);
  assert.deepEqual(save.findings.map(key).sort(), folder);
  const f = save.findings.find((x) => x.file === 'app/.env')!;
  assert.equal(f.image?.digest, img.configDigest, 'docker save: the image id (config digest)');
  assert.equal(f.image?.layerDigest, img.layers[0]!.diffId, 'docker save: layers by diff id');
});

test('multi-platform index: every platform by default, each shared layer read once; --platform picks one', async () => {
  const dir = tmp();
  const base = await buildLayer([{ name: 'etc/app.env', content: `AWS_ACCESS_KEY_ID=${AWS}\n` }]);
  const amd = await buildImage({ layers: [base, { files: [{ name: 'bin/amd', content: 'x' }] }], architecture: 'amd64' });
  const arm = await buildImage({ layers: [base, { files: [{ name: 'bin/arm', content: `k=${AWS2}` }], compression: 'zstd' }], architecture: 'arm64' });
  writeFolder(dir, ociLayoutFiles([amd, arm], { tag: 'v1' }));

  const added: string[] = [];
  const store = memoryScannedLayers();
  const counting = { has: store.has, add: (d: string, k: string, n: number) => { added.push(d); return store.add(d, k, n); } };
  const all = await findingsOf([dir], { scannedLayers: counting });
  assert.deepEqual(all.incomplete, []);
  const shared = all.findings.filter((f) => f.file === 'etc/app.env');
  assert.deepEqual(shared.map((f) => f.image?.platform).sort(), ['linux/amd64', 'linux/arm64'], 'the shared layer\'s finding is reported for both images');
  assert.ok(shared.every((f) => f.image?.layerDigest === base.digest && f.image.layerIndex === 0));
  assert.deepEqual(added.sort(), [base.digest, amd.layers[1]!.digest, arm.layers[1]!.digest].sort(), 'each layer recorded once');

  const again = await findingsOf([dir], { scannedLayers: store });
  assert.equal(again.findings.filter((f) => f.image?.layerDigest !== undefined).length, 0, 'layers scanned before (same rules) are skipped');

  const arm64 = await findingsOf([dir], { platform: 'linux/arm64' });
  assert.deepEqual([...new Set(arm64.findings.map((f) => f.image?.platform))], ['linux/arm64']);
  assert.ok(arm64.findings.some((f) => f.file === 'bin/arm'));
  const none = await findingsOf([dir], { platform: 'linux/s390x' });
  assert.equal(none.findings.length, 0);
  assert.match(none.incomplete.join('\n'), /no image for platform linux\/s390x/);
});

test('two images sharing base layers: the base is read once per run', async () => {
  const dir = tmp();
  const base = await buildLayer([{ name: 'etc/base.env', content: `AWS_ACCESS_KEY_ID=${AWS}\n` }]);
  const a = await buildImage({ layers: [base, { files: [{ name: 'a.txt', content: 'a' }] }] });
  const b = await buildImage({ layers: [base, { files: [{ name: 'b.txt', content: 'b' }] }] });
  writeFolder(path.join(dir, 'a'), ociLayoutFiles([a]));
  writeFolder(path.join(dir, 'b'), ociLayoutFiles([b]));
  let opened = 0;
  const { findings } = await findingsOf([path.join(dir, 'a'), path.join(dir, 'b')], {
    onSkip: () => {},
    onImage: () => {},
    scannedLayers: { has: () => false, add: (d) => { if (d === base.digest) opened++; } },
  });
  assert.equal(opened, 1);
  assert.deepEqual(findings.filter((f) => f.file === 'etc/base.env').map((f) => f.image?.ref).sort(), [path.join(dir, 'a'), path.join(dir, 'b')].sort());
});

test('a missing layer blob makes the image partial, never clean; the other layers are still scanned', async () => {
  const dir = tmp();
  const img = await leakyImage();
  const files = ociLayoutFiles([img]);
  files.delete(`blobs/sha256/${img.layers[1]!.digest.slice(7)}`);
  writeFolder(dir, files);
  const { findings, incomplete } = await findingsOf([dir]);
  assert.equal(incomplete.length, 1);
  assert.match(incomplete[0]!, /layer 1 .*missing/);
  assert.ok(findings.some((f) => f.file === 'app/.env'), 'layer 0 still scanned');

  const r = leakward(['image', dir]);
  assert.equal(r.code, 2, 'partial = exit 2');
  assert.match(r.stderr, /incomplete scan/);
});

test('a corrupt or tampered layer is reported as partly read', async () => {
  const dir = tmp();
  const good = await buildLayer([{ name: 'a.txt', content: `k=${AWS}\n` }]);
  const img = await buildImage({ layers: [good] });
  const files = ociLayoutFiles([img]);
  const blobPath = `blobs/sha256/${good.digest.slice(7)}`;
  const bad = Buffer.from(files.get(blobPath)!);
  bad[bad.length - 12] ^= 0xff; // inside the deflate stream / CRC
  files.set(blobPath, bad);
  writeFolder(dir, files);
  const { incomplete } = await findingsOf([dir]);
  assert.equal(incomplete.length, 1);
  assert.match(incomplete[0]!, /partly read: layer 0/);
});

test('layer reader: plain, gzip, zstd (compressed and raw frames) give the same fragments; streamed large files find a secret across the window edge', async () => {
  const big = Buffer.alloc(3 * 1024 * 1024, 'a\n');
  const at = (1 << 20) - 10; // the secret straddles the first 1 MiB window edge
  Buffer.from(`\nkey=${AWS}\n`).copy(big, at);
  const tar = await layerTar([{ name: 'big.log', content: big }, { name: 'small.txt', content: `x=${AWS2}\n` }]);
  const blobs: Record<string, Buffer> = {
    plain: tar,
    gzip: zlib.gzipSync(tar),
    zstd: (await buildLayer([{ name: 'big.log', content: big }, { name: 'small.txt', content: `x=${AWS2}\n` }], 'zstd')).blob,
    rawzstd: zstdRawFrame(tar),
  };
  for (const [how, blob] of Object.entries(blobs)) {
    const dir = tmp();
    const img = await buildImage({ layers: [{ blob, digest: `sha256:${'0'.repeat(64)}`, diffId: '', mediaType: '', tar }] });
    writeFolder(dir, ociLayoutFiles([img]));
    // The made-up digest fails verification: read the layer directly instead.
    const listing = new LayerListing();
    const paths: string[] = [];
    for await (const f of layerFragments(Readable.from([blob.subarray(0, 3), blob.subarray(3)]), { digest: 'x', image: { ref: 'r', digest: 'd' }, listing })) {
      paths.push(f.path);
      if (f.content && !Buffer.isBuffer(f.content)) for await (const c of f.content) void c;
    }
    assert.deepEqual(paths, ['big.log', 'small.txt'], how);
  }
  const dir = tmp();
  const img = await buildImage({ layers: [{ files: [{ name: 'big.log', content: big }], compression: 'zstd' }] });
  writeFolder(dir, ociLayoutFiles([img]));
  const { findings } = await findingsOf([dir]);
  const f = findings.find((x) => x.file === 'big.log');
  assert.ok(f, 'secret across the window edge found');
  assert.equal(f.startLine, at / 2 + 2);
});

test('layerFragments: a truncated layer throws LayerReadError after the entries before the break', async () => {
  const tar = await layerTar([{ name: 'a.txt', content: 'a' }, { name: 'b.txt', content: Buffer.alloc(5000, 'b') }]);
  const gz = zlib.gzipSync(tar);
  const got: string[] = [];
  await assert.rejects(async () => {
    for await (const f of layerFragments(Readable.from([gz.subarray(0, gz.length - 40)]), { digest: 'sha256:x', verify: false, image: { ref: 'r', digest: 'd' }, listing: new LayerListing() })) {
      got.push(f.path);
    }
  }, LayerReadError);
  assert.deepEqual(got, ['a.txt']);
});

test('CLI: leakward image reports image, layer and removed in every format; exit codes; baselines and allow comments', async () => {
  const dir = tmp();
  const img = await leakyImage();
  writeFolder(path.join(dir, 'img'), ociLayoutFiles([img]));
  const ref = path.join(dir, 'img');

  const text = leakward(['image', ref]);
  assert.equal(text.code, 1, text.stderr);
  assert.match(text.stdout, /app\/\.env:2:19 {2}aws-access-token/);
  assert.match(text.stdout, /layer {4}0 sha256:[0-9a-f]{12} {2}removed in a later layer/);
  assert.match(text.stdout, /config:Env\[1\]:1:14 {2}aws-access-token/);
  assert.ok(!text.stdout.includes(AWS) && !text.stdout.includes(AWS3), 'no secret in the report');

  const json = leakward(['image', ref, '-f', 'json']);
  assert.equal(json.code, 1);
  const entries = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
  const env = entries.find((e) => e['File'] === 'app/.env')!;
  assert.equal(env['Image'], ref);
  assert.equal(env['ImageDigest'], img.digest);
  assert.equal(env['LayerDigest'], img.layers[0]!.digest);
  assert.equal(env['LayerIndex'], 0);
  assert.equal(env['RemovedInLaterLayer'], true);

  const sarif = leakward(['image', ref, '-f', 'sarif']);
  assert.equal(sarif.code, 1);
  const results = JSON.parse(sarif.stdout).runs[0].results as Array<{ properties: Record<string, unknown>; message: { text: string } }>;
  assert.ok(results.some((r) => r.properties['layerIndex'] === 0 && r.properties['removedInLaterLayer'] === true && /in image .* layer 0/.test(r.message.text)));

  const baseline = path.join(dir, 'baseline.json');
  assert.equal(leakward(['image', ref, '--write-baseline', baseline]).code, 0);
  const again = leakward(['image', ref, '--baseline', baseline]);
  assert.equal(again.code, 0, again.stdout + again.stderr);

  const allowed = await buildImage({ layers: [{ files: [{ name: 'a.env', content: `KEY=${AWS} # leakward:allow\n` }] }] });
  writeFolder(path.join(dir, 'allowed'), ociLayoutFiles([allowed]));
  const clean = leakward(['image', path.join(dir, 'allowed')]);
  assert.equal(clean.code, 0, clean.stdout);
  assert.match(clean.stdout, /No secrets found/);

  const usage = leakward(['image']);
  assert.equal(usage.code, 2);
  const badPlatform = leakward(['image', ref, '--platform', 'amd64']);
  assert.equal(badPlatform.code, 2);
  const notImage = leakward(['image', path.join(repoRoot, 'package.json')]);
  assert.equal(notImage.code, 2, notImage.stderr);
});

test('CLI --db: layers recorded in the sweep datastore are not read again by a later run with the same rules', async (t) => {
  const { storeAvailable } = await import('../../src/store/index.js');
  if (!storeAvailable()) {
    t.skip('better-sqlite3 not installed');
    return;
  }
  const dir = tmp();
  const base = await buildLayer([{ name: 'etc/base.env', content: `AWS_ACCESS_KEY_ID=${AWS}\n` }]);
  const a = await buildImage({ layers: [base, { files: [{ name: 'a.txt', content: 'a' }] }] });
  const b = await buildImage({ layers: [base, { files: [{ name: 'b.env', content: `K=${AWS2}\n` }] }] });
  writeFolder(path.join(dir, 'a'), ociLayoutFiles([a]));
  writeFolder(path.join(dir, 'b'), ociLayoutFiles([b]));
  const db = path.join(dir, 'sweep.db');
  const first = leakward(['image', path.join(dir, 'a'), '--db', db, '-f', 'json']);
  assert.equal(first.code, 1, first.stderr);
  assert.ok((JSON.parse(first.stdout) as Array<Record<string, unknown>>).some((e) => e['File'] === 'etc/base.env'));
  const second = leakward(['image', path.join(dir, 'b'), '--db', db, '-f', 'json']);
  assert.equal(second.code, 1, second.stderr);
  const files = (JSON.parse(second.stdout) as Array<Record<string, unknown>>).map((e) => e['File']);
  assert.deepEqual(files, ['b.env'], 'the shared base layer is skipped, B\'s own layer is scanned');
  assert.match(second.stderr, /1 layer already scanned/);
  const other = leakward(['image', path.join(dir, 'b'), '--db', db, '--enable-rule', 'aws-access-token', '-f', 'json']);
  assert.ok((JSON.parse(other.stdout) as Array<Record<string, unknown>>).some((e) => e['File'] === 'etc/base.env'), 'another rule set reads it again');
});
