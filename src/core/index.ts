// Public API of src/core: re-exports only.
export {};
export type * from './types.js';
export { builtinConfig, loadConfig, loadConfigFile, parseConfigText, findConfigFile, ConfigError, type LoadConfigOptions } from './config.js';
export { packageRoot, patternsDir } from './paths.js';
