// Public API of src/sources: re-exports only.
export {};
export { filesSource, type FilesSourceOptions, type SkipReason, type SkipHandler } from './files.js';
export { stdinSource, type ByteStream } from './stdin.js';
