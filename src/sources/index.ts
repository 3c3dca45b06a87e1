// Public API of src/sources: re-exports only.
export {};
export { filesSource, type FilesSourceOptions, type SkipReason, type SkipHandler } from './files.js';
export { stdinSource, type ByteStream } from './stdin.js';
export { parseUnifiedDiff, unquoteCStyle, LOG_FORMAT, COMMIT_METADATA_PATH, type DiffParseOptions, type DiffStats } from './diff.js';
export { stagedSource, stagedFragments, startStaged, STAGED_DIFF_ARGS, type StagedOptions } from './staged.js';
export {
  historySource, historyFragments, startHistory, historyLogArgs, historyParts, inspectRepo, resolveTips, existingCommits, parsePrePush, remoteTips,
  type HistoryOptions, type MergeMode, type LogPart, type RepoInfo, type PushSelection,
} from './history.js';
export { GitError, gitOutput, gitStream, type GitStream } from './git.js';
export { readLocation, readLocationText, MAX_LOCATION_BYTES, type TextLocation } from './location.js';
export {
  scanImages, resolveImages, configFragments, imageRulesKey, memoryScannedLayers,
  type ImageScanOptions, type ImageSummary, type ScannedLayers,
} from './image.js';
export { layerFragments, LayerListing, LayerReadError, normaliseLayerPath, zstdDecompressor, type LayerReadOptions } from './layer.js';
export { archiveImages, indexTar } from './image-archive.js';
export { registryImages, parseRegistryRef, RegistryClient, type RegistryRef, type RegistryOptions } from './registry.js';
export { dockerCredentials, type RegistryCredentials } from './docker-auth.js';
export {
  ImageError, BlobMissingError, walkManifest, platformMatches, MEDIA,
  type ResolvedImage, type LayerRef, type ImageConfig, type Descriptor, type Platform, type BlobFetcher,
} from './oci.js';
