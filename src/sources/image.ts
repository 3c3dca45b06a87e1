/**
 * `scanImages`: container images (registry references, `docker save` archives, OCI layouts) through the scanner.
 *
 * Invariants
 * 1. Every layer is read once per run by digest, whatever image and index it appears at; its findings are
 *    reported for every image (and platform) holding it, with that image's reference, digest and layer index.
 *    A layer a `ScannedLayers` store already knows (same digest, same rule set) is not read at all, as a history
 *    sweep skips commits scanned before: its findings were reported by the run that recorded it.
 * 2. What is scanned per image: each file of each layer (including files later layers delete or overwrite: those
 *    findings carry `image.removed`), the config's `Env`, `Labels`, `Cmd`, `Entrypoint` (paths `config:Env[3]`,
 *    `config:Labels[key]`, `config:Cmd`, `config:Entrypoint`) and `history[i].created_by` (path `history[i]`).
 * 3. A partly unreadable image (missing blob, broken layer, wrong digest) or an unreadable reference (registry
 *    unreachable, refused, malformed manifest) is reported through `onIncomplete` and the scan goes on with what
 *    can be read: never silently clean. Such layers are not recorded as scanned.
 * 4. Memory: one layer entry at a time (see layer.ts), plus per layer the set of its paths (to decide `removed`)
 *    and the findings; never a layer's bytes.
 */
import { createHash } from 'node:crypto';
import { scanFragments, type ParallelScanOptions } from '../core/workers.js';
import type { Config, Finding, Fragment, ImageLocation } from '../core/types.js';
import { archiveImages, isLocalImage } from './image-archive.js';
import { LayerListing, LayerReadError, layerFragments } from './layer.js';
import { ImageError, type ResolvedImage } from './oci.js';
import { registryImages } from './registry.js';
import type { RegistryCredentials } from './docker-auth.js';

/** "Was this layer scanned with this rule set before?": the seam a sweep datastore backs. */
export interface ScannedLayers {
  has(layerDigest: string, rulesKey: string): boolean | Promise<boolean>;
  /** Called once a layer was read to its end; `findings` is how many it had. */
  add(layerDigest: string, rulesKey: string, findings: number): void | Promise<void>;
}

/** A ScannedLayers in memory (one process: e.g. a long-lived service scanning image after image). */
export function memoryScannedLayers(): ScannedLayers {
  const seen = new Set<string>();
  return {
    has: (d, k) => seen.has(`${k}\0${d}`),
    add: (d, k) => void seen.add(`${k}\0${d}`),
  };
}

export interface ImageScanOptions extends ParallelScanOptions {
  /** Only this platform of multi-platform images, `os/arch[/variant]`; default every platform. */
  readonly platform?: string;
  /** Resolves relative archive paths (default `process.cwd()`). */
  readonly cwd?: string;
  /** `DOCKER_CONFIG` / `HOME` for registry credentials (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /** Registry credentials to use instead of the Docker config's (e.g. `{ registryToken }`). */
  readonly credentials?: RegistryCredentials;
  /** Talk HTTP to every registry (default: only to loopback ones). */
  readonly plainHttp?: boolean;
  /** Layers scanned by earlier runs, skipped (see invariant 1). */
  readonly scannedLayers?: ScannedLayers;
  /** Identifies the rule set for `scannedLayers` (default: a hash of the config and scan options). */
  readonly rulesKey?: string;
  /** A reference that could not be read, or an image read only in part: the scan is incomplete. */
  readonly onIncomplete?: (ref: string, message: string) => void;
  /** Each image as it is resolved (progress, verbose output). */
  readonly onImage?: (image: ImageSummary) => void;
}

export interface ImageSummary {
  readonly ref: string;
  readonly digest: string;
  readonly platform?: string;
  readonly layers: readonly string[];
}

/** The rule-set identity for `ScannedLayers`: what changes findings (rules, allowlists, decoding, rule filter). */
export function imageRulesKey(config: Config, options: Pick<ParallelScanOptions, 'enableRules' | 'maxDecodeDepth' | 'fingerprintSalt'> = {}): string {
  return createHash('sha256').update(JSON.stringify({
    rules: config.rules, allowlists: config.allowlists, enable: options.enableRules ?? null,
    depth: options.maxDecodeDepth ?? null, salt: options.fingerprintSalt ?? null,
  })).digest('hex').slice(0, 32);
}

/** The images a reference names: an archive or layout on disk, else a registry reference. */
export function resolveImages(ref: string, options: Pick<ImageScanOptions, 'platform' | 'cwd' | 'env' | 'credentials' | 'plainHttp'> = {}): AsyncGenerator<ResolvedImage> {
  const cwd = options.cwd ?? process.cwd();
  const walk = options.platform ? { platform: options.platform } : {};
  if (isLocalImage(ref, cwd)) return archiveImages(ref, cwd, walk);
  return registryImages(ref, {
    ...walk,
    ...(options.env ? { env: options.env } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.plainHttp ? { plainHttp: true } : {}),
  });
}

/** The config and history of an image as fragments (invariant 2). */
export function configFragments(image: ResolvedImage, location: ImageLocation): Fragment[] {
  const out: Fragment[] = [];
  const add = (path: string, text: string | undefined | null): void => {
    if (typeof text === 'string' && text !== '') out.push({ path, image: location, content: Buffer.from(text, 'utf8') });
  };
  const c = image.config.config ?? image.config.container_config ?? {};
  (c.Env ?? []).forEach((e, i) => add(`config:Env[${i}]`, e));
  for (const [k, v] of Object.entries(c.Labels ?? {})) add(`config:Labels[${k}]`, `${k}=${v}`);
  const argv = (a: readonly string[] | string | null | undefined): string | undefined => (Array.isArray(a) ? a.join(' ') : (a as string | undefined));
  add('config:Entrypoint', argv(c.Entrypoint));
  add('config:Cmd', argv(c.Cmd));
  (image.config.history ?? []).forEach((h, i) => add(`history[${i}]`, h.created_by));
  return out;
}

interface Seen {
  readonly image: ResolvedImage;
  /** Layer digests in order. */
  readonly layers: readonly string[];
}

/** Scans images; findings come once every image is read (whether a file is `removed` needs the layers above it). */
export async function* scanImages(refs: readonly string[], config: Config, options: ImageScanOptions = {}): AsyncGenerator<Finding> {
  const incomplete = options.onIncomplete ?? (() => {});
  const store = options.scannedLayers;
  const rulesKey = store ? options.rulesKey ?? imageRulesKey(config, options) : '';
  const images: Seen[] = [];
  const listings = new Map<string, LayerListing>();
  const failedLayers = new Set<string>();
  const configsSeen = new Set<string>();

  async function* fragments(): AsyncGenerator<Fragment> {
    for (const ref of refs) {
      let any = false;
      try {
        for await (const image of resolveImages(ref, options)) {
          any = true;
          const layers = image.layers.map((l) => l.digest);
          images.push({ image, layers });
          options.onImage?.({ ref: image.ref, digest: image.digest, ...(image.platform ? { platform: image.platform } : {}), layers });
          const base: ImageLocation = { ref: image.ref, digest: image.digest, ...(image.platform ? { platform: image.platform } : {}) };
          if (!configsSeen.has(image.digest)) {
            configsSeen.add(image.digest);
            yield* configFragments(image, base);
          }
          for (let i = 0; i < image.layers.length; i++) {
            const layer = image.layers[i]!;
            if (listings.has(layer.digest)) continue;
            const listing = new LayerListing();
            listings.set(layer.digest, listing);
            if (store && (await store.has(layer.digest, rulesKey))) continue;
            try {
              const blob = await layer.open();
              yield* layerFragments(blob, {
                digest: layer.digest,
                verify: layer.verify,
                image: { ...base, layerDigest: layer.digest, layerIndex: i },
                listing,
                ...(options.maxFileSize !== undefined ? { maxFileSize: options.maxFileSize } : {}),
                ...(options.onSkip ? { onSkip: options.onSkip } : {}),
              });
            } catch (err) {
              if (!(err instanceof ImageError) && !(err instanceof LayerReadError)) throw err;
              failedLayers.add(layer.digest);
              incomplete(image.ref, `partly read: layer ${i} (${layer.digest}): ${err.message}`);
            }
          }
        }
        if (!any) incomplete(ref, options.platform ? `no image for platform ${options.platform}` : 'no image found');
      } catch (err) {
        if (!(err instanceof ImageError)) throw err;
        incomplete(ref, err.message);
      }
    }
  }

  const byLayer = new Map<string, Finding[]>();
  const byConfig = new Map<string, Finding[]>();
  for await (const f of scanFragments(fragments(), config, options)) {
    const img = f.image;
    if (!img) continue;
    const key = img.layerDigest ?? img.digest;
    const into = img.layerDigest !== undefined ? byLayer : byConfig;
    let list = into.get(key);
    if (!list) into.set(key, (list = []));
    list.push(f);
  }
  if (store) {
    for (const d of listings.keys()) {
      if (failedLayers.has(d) || (await store.has(d, rulesKey))) continue;
      await store.add(d, rulesKey, byLayer.get(d)?.length ?? 0);
    }
  }

  for (const { image, layers } of images) {
    const base: ImageLocation = { ref: image.ref, digest: image.digest, ...(image.platform ? { platform: image.platform } : {}) };
    for (const f of byConfig.get(image.digest) ?? []) yield { ...f, image: base };
    const done = new Set<string>();
    for (let i = 0; i < layers.length; i++) {
      const d = layers[i]!;
      if (done.has(d)) continue;
      done.add(d);
      for (const f of byLayer.get(d) ?? []) {
        let removed = false;
        for (let j = i + 1; j < layers.length && !removed; j++) removed = listings.get(layers[j]!)?.removes(f.file) ?? false;
        yield { ...f, image: { ...base, layerDigest: d, layerIndex: i, ...(removed ? { removed: true } : {}) } };
      }
    }
  }
}
