// Public API of src/verify: re-exports only.
export { verifyFindings, checkEndpointOverrides, type VerifyOptions, type VerifySummary } from './verify.js';
export { createHttpClient, fetchTransport, type HttpClient, type HttpClientOptions, type HttpRequest, type HttpResponse, type Transport } from './http.js';
export { memoryCache, cacheKey, type VerificationCache, type CachedCheck } from './cache.js';
export { ruleVerification, verifiableRules, httpVerifiers } from './registry.js';
export type { Verifier, Credential, CheckResult, CheckContext } from './types.js';
