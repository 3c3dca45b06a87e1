// Public API of src/core: re-exports only.
export {};
export type * from './types.js';
