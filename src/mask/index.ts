// Public API of src/mask: re-exports only.
export {};
export { createMaskStream, defaultPackRules, type MaskStream, type MaskStreamOptions } from './transform.js';
export { SecretRegistry } from './registry.js';
export { MaskEngine, MAX_COMMAND_LINE, type MaskRule, type RelSpan, type EngineOptions } from './engine.js';
export { ByteAutomaton } from './automaton.js';
export { jwtRule, privateKeyRule, urlCredentialsRule, scannerRule, endsToken, isLookbehindByte, TOKEN_CAP, TOKEN_LOOKBEHIND, MIN_TOKEN, type HighConfidenceMatcher } from './rules.js';
export {
  normalizeSecret, secretForms, base64Forms, base64FormFlags, EXTEND_LEFT, EXTEND_RIGHT, percentEncode, jsonEscape, xmlEscape, secretsFromEnv, parseSecretsFile,
  unescapeAddMask, DEFAULT_SECRET_ENV_PATTERNS, DEFAULT_SECRET_ENV_GLOBS, htmlEscapes, type SecretEnvGlob, MIN_SECRET_CODE_POINTS, MIN_PATTERN_SECRET_LENGTH,
  type SecretForms, type EnvSecretOptions,
} from './policy.js';
export { keywordTail, keywordChecks, wholeToken, URL_CREDENTIAL_CONSTANTS } from './rules.js';
export { type TriggerCheck } from './engine.js';
