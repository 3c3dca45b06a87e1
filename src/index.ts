/** leakward's public library API. Re-exports only; every public type and function is reachable from here. */
export * from './core/index.js';
export * from './sources/index.js';
export * from './mask/index.js';
export * from './report/index.js';
export * from './sweep/index.js';
export * from './store/index.js';
export * from './verify/index.js';
