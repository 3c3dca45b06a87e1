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
