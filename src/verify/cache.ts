/**
 * Results of checks, keyed by a keyed hash of provider + partner + secret (never the secret itself), with the time
 * of the check. The in-memory cache serves one run (one call per distinct secret); a persistent cache (the sweep
 * datastore) implements the same two calls.
 */
import { createHmac } from 'node:crypto';
import type { VerificationStatus } from '../core/types.js';

export interface CachedCheck {
  readonly status: VerificationStatus;
  readonly identity?: string;
  readonly reason?: string;
  /** ISO 8601. */
  readonly checkedAt: string;
}

export interface VerificationCache {
  get(key: string): CachedCheck | undefined | Promise<CachedCheck | undefined>;
  set(key: string, value: CachedCheck): void | Promise<void>;
}

/** A fixed public key: the point is not to store secrets, not to hide which hashes match. */
const CACHE_KEY = 'leakward-verify-cache-v1';

export function cacheKey(provider: string, secret: string, partner?: string): string {
  return 'lwv1:' + createHmac('sha256', CACHE_KEY).update(`${provider}\0${partner ?? ''}\0${secret}`, 'utf8').digest('hex');
}

export function memoryCache(): VerificationCache & { readonly size: number } {
  const map = new Map<string, CachedCheck>();
  return {
    get: (k) => map.get(k),
    set: (k, v) => { map.set(k, v); },
    get size() { return map.size; },
  };
}
