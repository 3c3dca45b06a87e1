/**
 * Images on disk: an OCI image layout (folder or tar) and a `docker save` archive (tar, or the folder it unpacks to).
 * A tar is read in place: its headers are indexed by hopping from one to the next (only 512-byte headers are read),
 * then each member is a byte range of the file. Nothing is extracted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  BlobMissingError, ImageError, MAX_METADATA, parseJson, walkManifest, type BlobFetcher, type Descriptor, type ImageConfig,
  type ResolvedImage, type WalkOptions,
} from './oci.js';

/** Files by path, from a folder or a tar. */
interface FileTree {
  has(name: string): boolean;
  read(name: string, max: number): Buffer;
  open(name: string): Readable;
}

function folderTree(dir: string): FileTree {
  const full = (name: string): string => path.join(dir, ...name.split('/'));
  return {
    has: (name) => fs.existsSync(full(name)),
    read(name, max) {
      const st = fs.statSync(full(name));
      if (st.size > max) throw new ImageError(`${name} is larger than ${max} bytes`);
      return fs.readFileSync(full(name));
    },
    open: (name) => fs.createReadStream(full(name), { highWaterMark: 1 << 20 }),
  };
}

interface Member { readonly offset: number; readonly size: number }

/** Reads a tar's member index: path → data offset and size (pax `path` and GNU long names honoured). */
export function indexTar(file: string): Map<string, Member> {
  const fd = fs.openSync(file, 'r');
  const out = new Map<string, Member>();
  try {
    const total = fs.fstatSync(fd).size;
    const h = Buffer.alloc(512);
    let pos = 0;
    let longName: string | undefined;
    while (pos + 512 <= total) {
      if (fs.readSync(fd, h, 0, 512, pos) < 512) break;
      if (h.every((b) => b === 0)) break;
      const size = tarNumber(h.subarray(124, 136));
      const type = String.fromCharCode(h[156]!);
      const dataAt = pos + 512;
      const readData = (): Buffer => {
        if (size > 1 << 20) throw new ImageError(`${file}: tar header extension too large`);
        const b = Buffer.alloc(size);
        fs.readSync(fd, b, 0, size, dataAt);
        return b;
      };
      if (type === 'x') {
        const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(readData().toString('utf8'));
        if (m) longName = m[1];
      } else if (type === 'L') {
        longName = readData().toString('utf8').replace(/\0.*$/s, '');
      } else if (type !== 'g') {
        const name = longName ?? tarName(h);
        longName = undefined;
        if (type === '0' || type === '\0' || type === '7') out.set(normalise(name), { offset: dataAt, size });
      }
      pos = dataAt + Math.ceil(size / 512) * 512;
    }
  } finally {
    fs.closeSync(fd);
  }
  return out;
}

function tarName(h: Buffer): string {
  const cstr = (b: Buffer): string => {
    const z = b.indexOf(0);
    return b.subarray(0, z < 0 ? b.length : z).toString('utf8');
  };
  const name = cstr(h.subarray(0, 100));
  const prefix = h.subarray(257, 262).toString('latin1') === 'ustar' ? cstr(h.subarray(345, 500)) : '';
  return prefix ? `${prefix}/${name}` : name;
}

function tarNumber(b: Buffer): number {
  if (b[0]! & 0x80) {
    // base-256 (GNU) for sizes over 8 GiB
    let n = 0;
    for (let i = 1; i < b.length; i++) n = n * 256 + b[i]!;
    return n;
  }
  const s = b.toString('latin1').replace(/[\0 ]+$/g, '').trim();
  return s ? parseInt(s, 8) : 0;
}

function normalise(name: string): string {
  let s = name;
  while (s.startsWith('./')) s = s.slice(2);
  return s.replace(/^\/+/, '');
}

function tarTree(file: string): FileTree {
  const index = indexTar(file);
  const member = (name: string): Member => {
    const m = index.get(name);
    if (!m) throw Object.assign(new Error(`${name} not in ${file}`), { code: 'ENOENT' });
    return m;
  };
  return {
    has: (name) => index.has(name),
    read(name, max) {
      const m = member(name);
      if (m.size > max) throw new ImageError(`${name} is larger than ${max} bytes`);
      const fd = fs.openSync(file, 'r');
      try {
        const b = Buffer.alloc(m.size);
        fs.readSync(fd, b, 0, m.size, m.offset);
        return b;
      } finally {
        fs.closeSync(fd);
      }
    },
    open(name) {
      const m = member(name);
      if (m.size === 0) return fs.createReadStream(file, { start: 1, end: 0 });
      return fs.createReadStream(file, { start: m.offset, end: m.offset + m.size - 1, highWaterMark: 1 << 20 });
    },
  };
}

/** Blobs of an OCI layout, `blobs/<algorithm>/<hex>`. */
function layoutFetcher(tree: FileTree, where: string): BlobFetcher {
  const blobPath = (d: Descriptor): string => {
    const m = /^([a-z0-9]+):([a-f0-9]+)$/.exec(d.digest);
    if (!m) throw new ImageError(`${where}: not a digest: ${JSON.stringify(d.digest).slice(0, 80)}`);
    return `blobs/${m[1]}/${m[2]}`;
  };
  return {
    async readBlob(d) {
      const p = blobPath(d);
      if (!tree.has(p)) throw new BlobMissingError(d.digest, `not in ${where}`);
      return tree.read(p, MAX_METADATA);
    },
    async openBlob(d) {
      const p = blobPath(d);
      if (!tree.has(p)) throw new BlobMissingError(d.digest, `not in ${where}`);
      return tree.open(p);
    },
  };
}

interface DockerSaveEntry { readonly Config: string; readonly RepoTags?: readonly string[] | null; readonly Layers: readonly string[] }

/** Is this path an image on disk (as opposed to a registry reference)? */
export function isLocalImage(ref: string, cwd: string): boolean {
  return fs.existsSync(path.resolve(cwd, ref));
}

/**
 * The images in an archive or layout folder. An OCI layout wins over `manifest.json` when both are there (Docker 25+
 * writes both): its index carries digests and platforms. Each image of a multi-image archive is named `REF:tag`.
 */
export async function* archiveImages(ref: string, cwd: string, options: WalkOptions): AsyncGenerator<ResolvedImage> {
  const file = path.resolve(cwd, ref);
  let tree: FileTree;
  try {
    tree = fs.statSync(file).isDirectory() ? folderTree(file) : tarTree(file);
  } catch (err) {
    if (err instanceof ImageError) throw err;
    throw new ImageError(`${ref}: cannot read: ${(err as Error).message}`);
  }
  if (tree.has('index.json') && (tree.has('oci-layout') || !tree.has('manifest.json'))) {
    const fetcher = layoutFetcher(tree, ref);
    const index = tree.read('index.json', MAX_METADATA);
    const doc = parseJson<{ manifests?: Descriptor[] }>(index, `${ref}: index.json`);
    if (!Array.isArray(doc.manifests)) throw new ImageError(`${ref}: index.json lists no manifests`);
    const many = doc.manifests.length > 1;
    for (const d of doc.manifests) {
      const tag = d.annotations?.['org.opencontainers.image.ref.name'] ?? d.annotations?.['io.containerd.image.name'];
      const name = many && tag ? `${ref}:${tag}` : ref;
      // One descriptor at a time, so the walk has its platform (an index.json entry may be a bare manifest).
      const one = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [d] }));
      yield* walkManifest(fetcher, name, one, 'index.json', options);
    }
    return;
  }
  if (!tree.has('manifest.json')) {
    throw new ImageError(`${ref}: neither an OCI image layout (index.json) nor a docker save archive (manifest.json)`);
  }
  const entries = parseJson<DockerSaveEntry[]>(tree.read('manifest.json', MAX_METADATA), `${ref}: manifest.json`);
  if (!Array.isArray(entries)) throw new ImageError(`${ref}: manifest.json is not a list of images`);
  for (const e of entries) {
    if (!tree.has(e.Config)) throw new BlobMissingError(e.Config, `image config not in ${ref}`);
    const raw = tree.read(e.Config, MAX_METADATA);
    const config = parseJson<ImageConfig>(raw, `${ref}: ${e.Config}`);
    const diffIds = config.rootfs?.diff_ids ?? [];
    const tag = e.RepoTags?.[0];
    const platform = config.os && config.architecture ? `${config.os}/${config.architecture}${config.variant ? `/${config.variant}` : ''}` : undefined;
    if (options.platform && platform && !platform.startsWith(options.platform)) continue;
    yield {
      ref: entries.length > 1 && tag ? `${ref}:${tag}` : ref,
      digest: `sha256:${createHash('sha256').update(raw).digest('hex')}`,
      ...(platform ? { platform } : {}),
      config,
      layers: e.Layers.map((p, i) => {
        // The layer's identity: its diff id (what other images share), else the member path's digest form.
        const m = /^blobs\/(sha256)\/([a-f0-9]{64})$/.exec(p);
        const digest = m ? `${m[1]}:${m[2]}` : diffIds[i] ?? `sha256:${createHash('sha256').update(p).digest('hex')}`;
        return {
          digest,
          verify: m !== null || diffIds[i] !== undefined,
          open: async () => {
            if (!tree.has(p)) throw new BlobMissingError(digest, `${p} not in ${ref}`);
            return tree.open(p);
          },
        };
      }),
    };
  }
}
