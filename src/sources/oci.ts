/**
 * OCI / Docker image metadata: manifests, indexes, platforms, and the walk from a top descriptor down to the
 * single-platform images under it. Shared by the OCI layout, `docker save` archives and the registry client,
 * which differ only in how they fetch a blob.
 */
import type { Readable } from 'node:stream';

export const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestV1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

/** Every manifest type we read, for a registry's Accept header. */
export const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.ociManifest, MEDIA.dockerList, MEDIA.dockerManifest].join(', ');

/** Metadata blobs (manifests, configs) are read whole: bigger than this is not one. */
export const MAX_METADATA = 16 * 1024 * 1024;

export interface Platform {
  readonly os?: string;
  readonly architecture?: string;
  readonly variant?: string;
}

export interface Descriptor {
  readonly mediaType?: string;
  readonly digest: string;
  readonly size?: number;
  readonly platform?: Platform;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly urls?: readonly string[];
}

/** An image problem that stops this image (or reference): not found, refused, malformed. Exit 2. */
export class ImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageError';
  }
}

/** A blob the manifest names but the store does not hold (a partial image). */
export class BlobMissingError extends ImageError {
  constructor(readonly digest: string, detail: string) {
    super(`blob ${digest} is missing: ${detail}`);
    this.name = 'BlobMissingError';
  }
}

/** How an image store hands out blobs by descriptor. */
export interface BlobFetcher {
  /** A whole metadata blob (manifest, index, config), at most MAX_METADATA bytes. */
  readBlob(desc: Descriptor): Promise<Buffer>;
  /** A layer blob as a stream. */
  openBlob(desc: Descriptor): Promise<Readable>;
}

/** One layer of one image. */
export interface LayerRef {
  /** The blob's digest (compressed, as stored): the layer's identity for deduplication. */
  readonly digest: string;
  readonly size?: number;
  readonly open: () => Promise<Readable>;
  /** Check the blob against `digest` while reading (false when `digest` names something else, e.g. a diff id). */
  readonly verify: boolean;
}

/** A single-platform image, ready to scan. */
export interface ResolvedImage {
  /** The reference as given (plus `tag` for an archive holding several images). */
  readonly ref: string;
  /** Digest of the image manifest (for a legacy `docker save` archive: of its config, Docker's image id). */
  readonly digest: string;
  readonly platform?: string;
  /** The parsed image config (`config.Env`, `history`, ...). */
  readonly config: ImageConfig;
  readonly layers: readonly LayerRef[];
}

export interface ImageConfig {
  readonly config?: ContainerConfig;
  readonly container_config?: ContainerConfig;
  readonly history?: ReadonlyArray<{ readonly created_by?: string; readonly empty_layer?: boolean }>;
  readonly rootfs?: { readonly diff_ids?: readonly string[] };
  readonly os?: string;
  readonly architecture?: string;
  readonly variant?: string;
}

export interface ContainerConfig {
  readonly Env?: readonly string[] | null;
  readonly Labels?: Readonly<Record<string, string>> | null;
  readonly Cmd?: readonly string[] | string | null;
  readonly Entrypoint?: readonly string[] | string | null;
}

export function platformString(p: Platform | undefined): string | undefined {
  if (!p?.os || !p.architecture) return undefined;
  return p.variant ? `${p.os}/${p.architecture}/${p.variant}` : `${p.os}/${p.architecture}`;
}

/** `os/arch[/variant]` as typed: `linux/amd64`, `linux/arm64/v8`. A wanted platform without variant matches any. */
export function platformMatches(wanted: string, p: Platform | undefined): boolean {
  const [os, arch, variant] = wanted.split('/');
  if (!p) return false;
  return p.os === os && p.architecture === arch && (variant === undefined || p.variant === variant);
}

export function parseJson<T>(buf: Buffer, what: string): T {
  try {
    return JSON.parse(buf.toString('utf8')) as T;
  } catch (err) {
    throw new ImageError(`${what} is not valid JSON: ${(err as Error).message}`);
  }
}

interface ManifestDoc {
  readonly schemaVersion?: number;
  readonly mediaType?: string;
  readonly manifests?: readonly Descriptor[];
  readonly config?: Descriptor;
  readonly layers?: readonly Descriptor[];
}

/** Attestations (BuildKit provenance / SBOM) hang in indexes as `unknown/unknown` manifests: not filesystems. */
function isAttestation(d: Descriptor): boolean {
  return d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' ||
    (d.platform?.os === 'unknown' && d.platform.architecture === 'unknown');
}

export interface WalkOptions {
  /** Only this platform (`os/arch[/variant]`); default: every platform. */
  readonly platform?: string;
}

/**
 * The single-platform images under a manifest or index document (recursively: an OCI layout's index.json may
 * point at multi-platform indexes). `doc` is the document's bytes, `digest` its digest (for a manifest: the image's).
 * Platforms are taken from index descriptors, or from the config for a bare manifest.
 */
export async function* walkManifest(
  fetcher: BlobFetcher, ref: string, doc: Buffer, digest: string, options: WalkOptions, platformHint?: Platform, depth = 0,
): AsyncGenerator<ResolvedImage> {
  if (depth > 4) throw new ImageError(`${ref}: indexes nested too deep`);
  const m = parseJson<ManifestDoc>(doc, `manifest ${digest}`);
  if (m.schemaVersion === 1 || m.mediaType === MEDIA.dockerManifestV1Signed) {
    throw new ImageError(`${ref}: Docker schema 1 manifests are not supported (deprecated since 2017)`);
  }
  if (Array.isArray(m.manifests)) {
    for (const d of m.manifests) {
      if (isAttestation(d)) continue;
      if (options.platform && d.platform && !platformMatches(options.platform, d.platform)) continue;
      const child = await fetcher.readBlob(d);
      yield* walkManifest(fetcher, ref, child, d.digest, options, d.platform, depth + 1);
    }
    return;
  }
  if (!m.config || !Array.isArray(m.layers)) throw new ImageError(`${ref}: manifest ${digest} has no config or layers`);
  const config = parseJson<ImageConfig>(await fetcher.readBlob(m.config), `image config ${m.config.digest}`);
  const platform: Platform = platformHint ?? { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) };
  if (options.platform && !platformMatches(options.platform, platform)) return;
  const p = platformString(platform);
  yield {
    ref,
    digest,
    ...(p ? { platform: p } : {}),
    config,
    layers: m.layers.map((d) => ({
      digest: d.digest,
      ...(d.size !== undefined ? { size: d.size } : {}),
      open: () => fetcher.openBlob(d),
      verify: true,
    })),
  };
}
