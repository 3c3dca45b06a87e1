/**
 * Builds container images for tests and benchmarks, without Docker: layers written with tar-stream, compressed with
 * gzip (zlib) or zstd (the `zstd` program when present, else a valid frame of raw blocks), stored as an OCI image
 * layout (folder or tar) or a `docker save` archive.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import tarStream from 'tar-stream';

export type Compression = 'none' | 'gzip' | 'zstd';

export interface FileSpec {
  readonly name: string;
  readonly content?: string | Buffer;
  readonly type?: 'file' | 'directory' | 'symlink';
  readonly linkname?: string;
}

export const sha256 = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** A tar of these entries. */
export async function layerTar(files: readonly FileSpec[]): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const f of files) {
    const type = f.type ?? 'file';
    const mtime = new Date(0);
    if (type === 'file') {
      const body = typeof f.content === 'string' ? Buffer.from(f.content) : (f.content ?? Buffer.alloc(0));
      await new Promise<void>((resolve, reject) => pack.entry({ name: f.name, mtime, mode: 0o644 }, body, (err) => (err ? reject(err) : resolve())));
    } else if (type === 'directory') {
      pack.entry({ name: f.name, type: 'directory', mtime, mode: 0o755 });
    } else {
      pack.entry({ name: f.name, type: 'symlink', linkname: f.linkname ?? '', mtime });
    }
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

let zstdProgram: boolean | undefined;
/** zstd-compressed bytes: the `zstd` program when installed, else one frame of raw (stored) blocks. */
export function zstdCompress(data: Buffer): Buffer {
  zstdProgram ??= spawnSync('zstd', ['--version']).status === 0;
  if (zstdProgram) {
    const r = spawnSync('zstd', ['-q', '-c', '-3'], { input: data, maxBuffer: 1 << 30 });
    if (r.status === 0) return r.stdout;
  }
  return zstdRawFrame(data);
}

/** A zstd frame of raw blocks (RFC 8878 §3.1.1): a valid stream any decoder must read. */
export function zstdRawFrame(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  // magic, frame header descriptor: single segment off, no checksum, 8-byte content size (FCS flag 3)
  const head = Buffer.alloc(4 + 1 + 1 + 8);
  head.writeUInt32LE(0xfd2fb528, 0);
  head[4] = 0xc0; // FCS_Field_Size flag = 3 (8 bytes), Single_Segment = 0
  head[5] = 0x58; // window descriptor: exponent 11 → 2^(10+11) = 2 MiB window
  head.writeBigUInt64LE(BigInt(data.length), 6);
  parts.push(head);
  const MAX = 128 * 1024;
  let off = 0;
  do {
    const n = Math.min(MAX, data.length - off);
    const last = off + n >= data.length ? 1 : 0;
    const bh = (n << 3) | (0 << 1) | last; // Block_Type 0 = raw
    parts.push(Buffer.from([bh & 0xff, (bh >> 8) & 0xff, (bh >> 16) & 0xff]), data.subarray(off, off + n));
    off += n;
  } while (off < data.length);
  return Buffer.concat(parts);
}

export function compress(tar: Buffer, c: Compression): Buffer {
  switch (c) {
    case 'none':
      return tar;
    case 'gzip':
      return zlib.gzipSync(tar);
    case 'zstd':
      return zstdCompress(tar);
    default:
      return c satisfies never;
  }
}

const LAYER_MEDIA: Record<Compression, string> = {
  none: 'application/vnd.oci.image.layer.v1.tar',
  gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
};

export interface BuiltLayer {
  readonly blob: Buffer;
  readonly digest: string;
  readonly diffId: string;
  readonly mediaType: string;
  readonly tar: Buffer;
}

export interface BuiltImage {
  readonly manifest: Buffer;
  readonly digest: string;
  readonly config: Buffer;
  readonly configDigest: string;
  readonly layers: readonly BuiltLayer[];
  readonly platform: { os: string; architecture: string; variant?: string };
}

export interface ImageSpec {
  /** Layers as entries, or already built (to share a base between images). */
  readonly layers: ReadonlyArray<{ files: readonly FileSpec[]; compression?: Compression } | BuiltLayer>;
  readonly env?: readonly string[];
  readonly labels?: Readonly<Record<string, string>>;
  readonly cmd?: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly history?: readonly string[];
  readonly os?: string;
  readonly architecture?: string;
}

export async function buildLayer(files: readonly FileSpec[], compression: Compression = 'gzip'): Promise<BuiltLayer> {
  const tar = await layerTar(files);
  const blob = compress(tar, compression);
  return { blob, digest: sha256(blob), diffId: sha256(tar), mediaType: LAYER_MEDIA[compression], tar };
}

export async function buildImage(spec: ImageSpec): Promise<BuiltImage> {
  const layers: BuiltLayer[] = [];
  for (const l of spec.layers) layers.push('blob' in l ? l : await buildLayer(l.files, l.compression ?? 'gzip'));
  const platform = { os: spec.os ?? 'linux', architecture: spec.architecture ?? 'amd64' };
  const config = Buffer.from(JSON.stringify({
    ...platform,
    config: {
      Env: spec.env ?? ['PATH=/usr/local/bin:/usr/bin:/bin'],
      ...(spec.labels ? { Labels: spec.labels } : {}),
      ...(spec.cmd ? { Cmd: spec.cmd } : {}),
      ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}),
    },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: (spec.history ?? layers.map((_, i) => `/bin/sh -c #(nop) ADD layer${i}`)).map((created_by) => ({ created_by })),
  }));
  const configDigest = sha256(config);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.blob.length })),
  }));
  return { manifest, digest: sha256(manifest), config, configDigest, layers, platform };
}

/** A multi-platform index over these images. */
export function buildIndex(images: readonly BuiltImage[]): { index: Buffer; digest: string } {
  const index = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: images.map((i) => ({
      mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: i.digest, size: i.manifest.length, platform: i.platform,
    })),
  }));
  return { index, digest: sha256(index) };
}

/** The files of an OCI image layout holding one image or one multi-platform index, tagged `tag`. */
export function ociLayoutFiles(images: readonly BuiltImage[], options: { tag?: string; index?: boolean } = {}): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const blob = (digest: string, b: Buffer): void => void files.set(`blobs/sha256/${digest.slice(7)}`, b);
  for (const img of images) {
    blob(img.digest, img.manifest);
    blob(img.configDigest, img.config);
    for (const l of img.layers) blob(l.digest, l.blob);
  }
  const annotations = options.tag ? { 'org.opencontainers.image.ref.name': options.tag } : undefined;
  let top;
  if (options.index || images.length > 1) {
    const { index, digest } = buildIndex(images);
    blob(digest, index);
    top = [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest, size: index.length, ...(annotations ? { annotations } : {}) }];
  } else {
    const img = images[0]!;
    top = [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: img.digest, size: img.manifest.length, ...(annotations ? { annotations } : {}) }];
  }
  files.set('oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
  files.set('index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: top })));
  return files;
}

/** Legacy `docker save` files: `<id>/layer.tar` (uncompressed), `<config hex>.json`, `manifest.json`. */
export function dockerSaveFiles(images: ReadonlyArray<{ image: BuiltImage; tag: string }>): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const manifest = images.map(({ image, tag }) => {
    const configName = `${image.configDigest.slice(7)}.json`;
    files.set(configName, image.config);
    const layers = image.layers.map((l) => {
      const name = `${l.diffId.slice(7)}/layer.tar`;
      files.set(name, l.tar);
      return name;
    });
    return { Config: configName, RepoTags: [tag], Layers: layers };
  });
  files.set('manifest.json', Buffer.from(JSON.stringify(manifest)));
  return files;
}

export function writeFolder(dir: string, files: Map<string, Buffer>): void {
  for (const [name, body] of files) {
    const p = path.join(dir, ...name.split('/'));
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, body);
  }
}

export async function writeTar(file: string, files: Map<string, Buffer>): Promise<void> {
  fs.writeFileSync(file, await layerTar([...files].map(([name, content]) => ({ name, content }))));
}
