// Public API of src/core: re-exports only.
export {};
export type * from './types.js';
export { builtinConfig, loadConfig, loadConfigFile, parseConfigText, findConfigFile, ConfigError, type LoadConfigOptions } from './config.js';
export { packageRoot, patternsDir } from './paths.js';
export { scanFragments, type ParallelScanOptions } from './workers.js';
export { readBaseline, parseBaseline, writeBaseline, formatBaseline, newSalt, emptyBaseline, baselineKey, pathFingerprint, BaselineError, BASELINE_FILE, BASELINE_VERSION, type Baseline, type BaselineFile } from './baseline.js';
export { createSuppressor, readGitleaksIgnore, parseGitleaksIgnore, gitleaksFingerprint, GITLEAKS_IGNORE_FILE, type GitleaksIgnore, type SuppressOptions, type Suppressor } from './suppress.js';
export { wideEncodingOf, toUtf8, utf8Chunks, Utf8Transcoder, type WideEncoding } from './text-encoding.js';
export { createScanner, isBinary, WINDOW, OVERLAP, BINARY_SNIFF, type Scanner, type ScanOptions, type RuleMatch, type ContentSkipReason } from './scanner.js';
export { MAX_MATCH } from './matcher.js';
export { checkRegex, compileRegex, RegexSyntaxError, type ByteRegex } from './regex.js';
export { maxMatchBytes } from './regex-width.js';
export { shannonEntropy } from './entropy.js';
export { fingerprint, DEFAULT_FINGERPRINT_SALT } from './fingerprint.js';
export { getValidator, validators, crc32, type Validator } from './validators.js';
export { ruleSeverity, severityRank, atLeastSeverity, isSeverity, SEVERITIES, type Severity } from './severity.js';
