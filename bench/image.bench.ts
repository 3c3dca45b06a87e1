/**
 * Container image scan throughput.
 *
 * Builds (once, under bench/.work/image-<MB>/) two OCI image layouts from real files of this machine: ELF binaries
 * (/usr/bin, /usr/lib) and source (node_modules, /usr/lib/python3, /usr/share/perl), gzip-compressed layers:
 *   base-bin  ~45 %   binaries            shared
 *   base-src  ~45 %   source              shared
 *   app-a     ~5 %    source + binaries   image A only
 *   app-b     ~5 %    source + binaries   image B only
 * Then prints, in one run (best of 2, alternating):
 *   floor      `gzip -dc <A's layer blobs> | cat > /dev/null`
 *   leakward   scanImages([A]) with the built-in rules (the library call `leakward image` makes)
 *   second     scanImages([B]) after A with the same ScannedLayers store: B's own layer only; its floor is
 *              `gzip -dc app-b | cat`
 * `--mb N` sets the total size of the layers (uncompressed; default 1024). Use a small size on a shared machine.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { fileURLToPath } from 'node:url';
import tarStream from 'tar-stream';
import { builtinConfig } from '../src/core/config.js';
import { scanImages, memoryScannedLayers, type ScannedLayers } from '../src/sources/image.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = path.join(root, 'bench', '.work');

const SOURCE_EXT = new Set(['.js', '.mjs', '.cjs', '.ts', '.json', '.md', '.py', '.pm', '.pl', '.txt', '.c', '.h', '.yml', '.yaml', '.html', '.css', '.sh']);

function walk(dir: string, out: string[], keep: (p: string, st: fs.Stats) => boolean, limit: number): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const n of names) {
    if (out.length >= limit) return;
    const p = path.join(dir, n);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) walk(p, out, keep, limit);
    else if (st.isFile() && st.size > 0 && keep(p, st)) out.push(p);
  }
}

function isElf(p: string): boolean {
  try {
    const fd = fs.openSync(p, 'r');
    const b = Buffer.alloc(4);
    fs.readSync(fd, b, 0, 4, 0);
    fs.closeSync(fd);
    return b.toString('latin1') === '\x7fELF';
  } catch {
    return false;
  }
}

function material(): { source: string[]; binaries: string[] } {
  const source: string[] = [];
  const isSource = (p: string, st: fs.Stats): boolean => st.size < 4 << 20 && SOURCE_EXT.has(path.extname(p));
  for (const d of [path.join(root, 'node_modules'), '/usr/lib/python3', '/usr/share/perl', '/usr/share/perl5', '/usr/include']) walk(d, source, isSource, 200_000);
  const binaries: string[] = [];
  for (const d of ['/usr/bin', '/usr/lib/x86_64-linux-gnu', '/usr/lib']) walk(d, binaries, (p, st) => st.size < 64 << 20 && isElf(p), 50_000);
  return { source, binaries: [...new Set(binaries)] };
}

interface Layer { file: string; digest: string; size: number; diffId: string }

/** Writes one gzip layer of files taken in turn from `pick` until `bytes` of content; files repeat under new paths. */
async function writeLayer(file: string, prefix: string, pick: () => string, bytes: number): Promise<Layer> {
  const pack = tarStream.pack();
  const blobHash = createHash('sha256');
  const tarHash = createHash('sha256');
  let size = 0;
  const tee = (h: ReturnType<typeof createHash>, count: boolean) => new Transform({
    transform(chunk: Buffer, _e, cb) {
      h.update(chunk);
      if (count) size += chunk.length;
      cb(null, chunk);
    },
  });
  const done = pipeline(pack, tee(tarHash, false), zlib.createGzip(), tee(blobHash, true), fs.createWriteStream(file));
  let written = 0;
  for (let i = 0; written < bytes; i++) {
    const src = pick();
    const body = fs.readFileSync(src);
    written += body.length;
    await new Promise<void>((resolve, reject) => pack.entry({ name: `${prefix}/${i}/${path.basename(src)}`, mode: 0o644, mtime: new Date(0) }, body, (e) => (e ? reject(e) : resolve())));
  }
  pack.finalize();
  await done;
  return { file, digest: `sha256:${blobHash.digest('hex')}`, size, diffId: `sha256:${tarHash.digest('hex')}` };
}

function writeLayout(dir: string, layers: Layer[]): void {
  const blobs = path.join(dir, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  const put = (b: Buffer): string => {
    const d = createHash('sha256').update(b).digest('hex');
    fs.writeFileSync(path.join(blobs, d), b);
    return `sha256:${d}`;
  };
  for (const l of layers) {
    const target = path.join(blobs, l.digest.slice(7));
    if (!fs.existsSync(target)) fs.linkSync(l.file, target);
  }
  const config = Buffer.from(JSON.stringify({ os: 'linux', architecture: 'amd64', config: { Env: ['PATH=/usr/bin'] }, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) }, history: layers.map((_, i) => ({ created_by: `ADD layer ${i}` })) }));
  const configDigest = put(config);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size })),
  }));
  const md = put(manifest);
  fs.writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: md, size: manifest.length }] }));
}

export async function build(mb: number): Promise<{ a: string; b: string; layers: Record<string, Layer> }> {
  const dir = path.join(work, `image-${mb}`);
  const meta = path.join(dir, 'layers.json');
  if (fs.existsSync(meta)) {
    const layers = JSON.parse(fs.readFileSync(meta, 'utf8')) as Record<string, Layer>;
    return { a: path.join(dir, 'a'), b: path.join(dir, 'b'), layers };
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'layers'), { recursive: true });
  const { source, binaries } = material();
  if (source.length === 0 || binaries.length === 0) throw new Error('no source or binary files found to build the image from');
  let si = 0;
  let bi = 0;
  const src = (): string => source[si++ % source.length]!;
  const bin = (): string => binaries[bi++ % binaries.length]!;
  let flip = 0;
  const mixed = (): string => (flip++ % 2 === 0 ? src() : bin());
  const total = mb * 1024 * 1024;
  const layers: Record<string, Layer> = {
    baseBin: await writeLayer(path.join(dir, 'layers', 'base-bin.tar.gz'), 'usr/lib', bin, total * 0.45),
    baseSrc: await writeLayer(path.join(dir, 'layers', 'base-src.tar.gz'), 'app/src', src, total * 0.45),
    appA: await writeLayer(path.join(dir, 'layers', 'app-a.tar.gz'), 'app/a', mixed, total * 0.05),
    appB: await writeLayer(path.join(dir, 'layers', 'app-b.tar.gz'), 'app/b', mixed, total * 0.05),
  };
  writeLayout(path.join(dir, 'a'), [layers['baseBin']!, layers['baseSrc']!, layers['appA']!]);
  writeLayout(path.join(dir, 'b'), [layers['baseBin']!, layers['baseSrc']!, layers['appB']!]);
  fs.writeFileSync(meta, JSON.stringify(layers));
  return { a: path.join(dir, 'a'), b: path.join(dir, 'b'), layers };
}

function floor(files: string[]): number {
  const t0 = performance.now();
  const r = spawnSync('bash', ['-c', 'gzip -dc "$@" | cat > /dev/null', 'floor', ...files]);
  if (r.status !== 0) throw new Error(`gzip -dc failed: ${r.stderr}`);
  return performance.now() - t0;
}

async function scan(ref: string, store?: ScannedLayers): Promise<{ ms: number; findings: number }> {
  const t0 = performance.now();
  let findings = 0;
  for await (const _ of scanImages([ref], builtinConfig(), { ...(store ? { scannedLayers: store, rulesKey: 'bench' } : {}), onIncomplete: (r, m) => { throw new Error(`${r}: ${m}`); } })) findings++;
  return { ms: performance.now() - t0, findings };
}

export async function run(argv: string[]): Promise<void> {
  const i = argv.indexOf('--mb');
  const mb = i >= 0 ? Number(argv[i + 1]) : Number(process.env['LEAKWARD_BENCH_IMAGE_MB'] ?? 1024);
  if (!Number.isFinite(mb) || mb <= 0) throw new Error('--mb takes a positive number');
  const t0 = performance.now();
  const { a, b, layers } = await build(mb);
  const built = performance.now() - t0;
  const aFiles = [layers['baseBin']!, layers['baseSrc']!, layers['appA']!].map((l) => l.file);
  const compressed = [layers['baseBin']!, layers['baseSrc']!, layers['appA']!].reduce((n, l) => n + l.size, 0);
  console.log(`image: ${mb} MB of layers (${(compressed / 1e6).toFixed(0)} MB gzip), 3 layers per image, 2 shared${built > 1000 ? `; built in ${(built / 1000).toFixed(1)} s` : ''}; load ${os.loadavg()[0]!.toFixed(1)}`);
  let bestFloor = Infinity;
  let bestScan = Infinity;
  let findings = 0;
  for (let round = 0; round < 2; round++) {
    bestFloor = Math.min(bestFloor, floor(aFiles));
    const s = await scan(a);
    bestScan = Math.min(bestScan, s.ms);
    findings = s.findings;
  }
  const mbps = (ms: number): string => ((mb * 0.95 * 1024 * 1024) / 1e6 / (ms / 1000)).toFixed(0);
  console.log(`floor     gzip -dc | cat, image A    ${(bestFloor / 1000).toFixed(2)} s  ${mbps(bestFloor)} MB/s`);
  console.log(`leakward  image A                    ${(bestScan / 1000).toFixed(2)} s  ${mbps(bestScan)} MB/s  ${(bestScan / bestFloor).toFixed(2)}× floor (target ≤ 1.5×), ${findings} findings`);

  let bestOwnFloor = Infinity;
  let bestSecond = Infinity;
  for (let round = 0; round < 2; round++) {
    bestOwnFloor = Math.min(bestOwnFloor, floor([layers['appB']!.file]));
    // A store that already holds A's layers (as after scanning A): B costs its own layer only.
    const store = memoryScannedLayers();
    for (const d of [layers['baseBin']!.digest, layers['baseSrc']!.digest, layers['appA']!.digest]) await store.add(d, 'bench', 0);
    bestSecond = Math.min(bestSecond, (await scan(b, store)).ms);
  }
  console.log(`floor     gzip -dc | cat, B's own layer  ${(bestOwnFloor / 1000).toFixed(2)} s`);
  console.log(`leakward  image B after A (shared base skipped)  ${(bestSecond / 1000).toFixed(2)} s  ${(bestSecond / bestFloor).toFixed(3)}× image A's floor, ${(bestSecond / bestOwnFloor).toFixed(2)}× its own layer's floor`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await run(process.argv.slice(2));
}
